/*
** cmd_move.c -- leadrules move KEY STAGE --reason TEXT [--by WHO]
** [--for DURATION | --until TIME] [--now TIME]: an ops correction of a
** contact's stage, recorded with who, when and why, that locks the stage
** against the policy (until a later move, an outcome, its expiry or
** run --override-manual).
*/
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"

static int ok_duration(const char *v) {
  long long d;
  return lr_parse_duration(v, &d) == LR_OK && d > 0;
}

static int ok_time(const char *v) {
  long long t;
  return lr_parse_time(v, &t) == LR_OK && t > 0;
}

/* The contact's stage ("" when it has none or cannot be read). */
static void stage_of(lr_db *db, const char *key, char *out, size_t n) {
  lr_contact *k = NULL;
  out[0] = '\0';
  if (lr_contact_get(db, key, &k) == LR_OK && k->stage)
    snprintf(out, n, "%s", k->stage);
  lr_contact_free(k);
}

int cmd_move(cli *c, int argc, char **argv) {
  const char *key = NULL, *stage = NULL, *reason = NULL, *by = NULL;
  const char *now_s = NULL, *for_s = NULL, *until_s = NULL;
  const char **pos[] = { &key, &stage };
  const cli_optv opts[] = {
    { "--reason", &reason, "a text", 0, NULL },
    { "--by", &by, "a name", 0, NULL },
    { "--for", &for_s, "a duration such as 30d, 2w or 12h", 0, ok_duration },
    { "--until", &until_s, "a time such as 2026-12-01 or "
      "2026-12-01T09:00:00Z", 0, ok_time },
    CLI_OPT_NOW(now_s), { NULL },
  };
  const cli_spec spec = { "move", opts, NULL, 2, pos, 2,
                          "unexpected argument '%s'",
                          "usage: leadrules move KEY STAGE --reason "
                          "TEXT [--by WHO] [--for DURATION | --until TIME] "
                          "[--now TIME]" };
  if (cli_parse(c, &spec, argc, argv) != CLI_OK ||
      cli_check_key(c, "move", key) != CLI_OK)
    return CLI_USAGE;
  if (for_s && until_s)
    return cli_usage(c, "move", "give --for or --until, not both");
  long long now;
  lr_db *db;
  int rc = cli_manual(c, "move", reason, now_s, &now, &db, &by);
  if (rc != CLI_OK) return rc;
  /* the expiry counts from the move's own clock */
  if (!now) now = (long long)time(NULL);
  long long until = 0;
  if (for_s) {
    lr_parse_duration(for_s, &until);
    until += now;
  } else if (until_s) {
    lr_parse_time(until_s, &until);
  }
  char was[256];
  stage_of(db, key, was, sizeof was);
  rc = lr_contact_move_v2(db, key, stage, by, reason, now, until);
  if (rc != LR_OK) return cli_fail(c, rc);
  char is[256];
  stage_of(db, key, is, sizeof is);       /* the data's spelling of it */
  if (*was && strcmp(was, is) == 0)
    printf("%s is already in %s: its lock is renewed, its time in the stage "
           "goes on (by %s: %s)\n", key, is, by, reason);
  else
    printf("moved %s to %s (by %s: %s)\n", key, *is ? is : stage, by, reason);
  if (until) {
    char when[32];
    cli_iso(until, when, sizeof when);
    printf("the policy leaves its stage alone until %s, a later move or an "
           "outcome closed after this move (run --override-manual to apply the "
           "policy anyway)\n", when);
  } else {
    printf("the policy leaves its stage alone until a later move or an "
           "outcome closed after this move (run --override-manual to apply the "
           "policy anyway)\n");
  }
  return CLI_OK;
}
