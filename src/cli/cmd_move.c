/*
** cmd_move.c -- leadrules move KEY STAGE --reason TEXT [--by WHO]: an ops
** correction of a contact's stage, recorded with who, when and why.
*/
#include <stdio.h>

#include "cli.h"

int cmd_move(cli *c, int argc, char **argv) {
  const char *key = NULL, *stage = NULL, *reason = NULL, *by = NULL;
  const char *now_s = NULL, *v;
  for (int i = 1; i < argc; i++) {
    if (cli_opt(argc, argv, &i, "--reason", &v)) {
      if (!v) return cli_usage(c, "move", "--reason needs a text");
      reason = v;
    } else if (cli_opt(argc, argv, &i, "--by", &v)) {
      if (!v) return cli_usage(c, "move", "--by needs a name");
      by = v;
    } else if (cli_opt(argc, argv, &i, "--now", &v)) {
      if (!v) return cli_usage(c, "move", "--now needs a time");
      now_s = v;
    } else if (argv[i][0] == '-' && argv[i][1] == '-') {
      return cli_usage(c, "move", "unknown option '%s'", argv[i]);
    } else if (!key) {
      key = argv[i];
    } else if (!stage) {
      stage = argv[i];
    } else {
      return cli_usage(c, "move", "unexpected argument '%s'", argv[i]);
    }
  }
  if (!key || !stage)
    return cli_usage(c, "move", "usage: leadrules move KEY STAGE --reason "
                     "TEXT [--by WHO]");
  if (!reason || !*reason)
    return cli_usage(c, "move", "--reason TEXT is required: every manual "
                     "change says why");
  long long now = cli_parse_now(c, now_s);
  if (now < 0) return CLI_USAGE;
  lr_db *db = cli_db(c);
  if (!db) return CLI_ERR;
  by = cli_who(by);
  int rc = lr_contact_move(db, key, stage, by, reason, now);
  if (rc != LR_OK) return cli_fail(c, rc);
  printf("moved %s to %s (by %s: %s)\n", key, stage, by, reason);
  printf("the policy leaves its stage alone until its data changes "
         "(run --override-manual to apply the policy anyway)\n");
  return CLI_OK;
}
