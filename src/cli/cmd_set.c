/*
** cmd_set.c -- leadrules set KEY field=value --reason TEXT [--by WHO]: an
** ops correction of one field, recorded in the audit table.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_set(cli *c, int argc, char **argv) {
  const char *key = NULL, *assign = NULL, *third = NULL, *reason = NULL;
  const char *by = NULL;
  const char *now_s = NULL;
  const cli_optv opts[] = {
    { "--reason", &reason, "a text", 0, NULL },
    { "--by", &by, "a name", 0, NULL },
    CLI_OPT_NOW(now_s), { NULL },
  };
  for (int i = 1; i < argc; i++) {
    int m = cli_opts(c, "set", opts, argc, argv, &i);
    if (m < 0) return CLI_USAGE;
    if (m) continue;
    if (argv[i][0] == '-' && argv[i][1] == '-') {
      return cli_unknown_option(c, "set", argv[i]);
    } else if (!key) {
      key = argv[i];
    } else if (!assign) {
      assign = argv[i];
    } else if (!third && !strchr(assign, '=')) {
      third = argv[i];                          /* KEY FIELD VALUE */
    } else {
      return cli_usage(c, "set", "unexpected argument '%s' (one field=value "
                       "at a time)", argv[i]);
    }
  }
  char joined[1024];
  if (third) {
    snprintf(joined, sizeof joined, "%s=%s", assign, third);
    assign = joined;
  }
  if (!key || !assign)
    return cli_usage(c, "set", "usage: leadrules set KEY field=value --reason "
                     "TEXT [--by WHO] (or KEY FIELD VALUE)");
  if (cli_check_key(c, "set", key) != CLI_OK) return CLI_USAGE;
  const char *eq = strchr(assign, '=');
  if (!eq || eq == assign)
    return cli_usage(c, "set", "write the change as field=value (field= sets "
                     "it empty/NULL)");
  long long now;
  lr_db *db;
  int rc = cli_manual(c, "set", reason, now_s, &now, &db, &by);
  if (rc != CLI_OK) return rc;
  char field[256];
  snprintf(field, sizeof field, "%.*s", (int)(eq - assign), assign);
  const char *value = eq[1] ? eq + 1 : NULL;     /* field= : NULL */
  rc = lr_contact_set(db, key, field, value, by, reason, now);
  if (rc != LR_OK) return cli_fail(c, rc);
  if (value) printf("set %s on %s to '%s' (by %s: %s)\n", field, key, value, by, reason);
  else printf("cleared %s on %s (by %s: %s)\n", field, key, by, reason);
  return CLI_OK;
}
