/*
** cmd_move.c -- leadrules move KEY STAGE --reason TEXT [--by WHO]: an ops
** correction of a contact's stage, recorded with who, when and why.
*/
#include <stdio.h>

#include "cli.h"

int cmd_move(cli *c, int argc, char **argv) {
  const char *key = NULL, *stage = NULL, *reason = NULL, *by = NULL;
  const char *now_s = NULL;
  const char **pos[] = { &key, &stage };
  const cli_optv opts[] = {
    { "--reason", &reason, "a text", 0, NULL },
    { "--by", &by, "a name", 0, NULL },
    CLI_OPT_NOW(now_s), { NULL },
  };
  const cli_spec spec = { "move", opts, NULL, 2, pos, 2,
                          "unexpected argument '%s'",
                          "usage: leadrules move KEY STAGE --reason "
                          "TEXT [--by WHO]" };
  if (cli_parse(c, &spec, argc, argv) != CLI_OK ||
      cli_check_key(c, "move", key) != CLI_OK)
    return CLI_USAGE;
  long long now;
  lr_db *db;
  int rc = cli_manual(c, "move", reason, now_s, &now, &db, &by);
  if (rc != CLI_OK) return rc;
  rc = lr_contact_move(db, key, stage, by, reason, now);
  if (rc != LR_OK) return cli_fail(c, rc);
  printf("moved %s to %s (by %s: %s)\n", key, stage, by, reason);
  printf("the policy leaves its stage alone until its data changes "
         "(run --override-manual to apply the policy anyway)\n");
  return CLI_OK;
}
