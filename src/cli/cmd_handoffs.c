/*
** cmd_handoffs.c -- leadrules handoffs [--since RUN|TIME] [--after CURSOR]
**                   [--owner O] [--stage S] [--json|--csv] [--raw] [--epoch]
** The leads handed to sales, newest first, with the cursor a CRM sync
** passes back as --after.  Reads only.
*/
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* --since: digits are a run id, anything else a time. */
static int parse_since(cli *c, const char *v, lr_handoffs_opts *o) {
  size_t n = strspn(v, "0123456789");
  if (n && !v[n]) {
    long long run;
    if (!cli_parse_int(v, 1, LLONG_MAX, &run))
      return cli_usage(c, "handoffs", "--since needs a run number (1 or "
                       "more) or a time, not '%s'", v);
    o->since_run = run;
    return CLI_OK;
  }
  long long t;
  if (lr_parse_time(v, &t) != LR_OK)
    return cli_usage(c, "handoffs", "--since needs a run number or a time "
                     "(ISO-8601, e.g. 2026-11-01), not '%s'", v);
  if (t <= 0)
    return cli_usage(c, "handoffs", "--since %s: a time before "
                     "1970-01-01T00:00:01Z takes every handoff; leave "
                     "--since out", v);
  o->since = t;
  return CLI_OK;
}

int cmd_handoffs(cli *c, int argc, char **argv) {
  lr_handoffs_opts o = LR_HANDOFFS_OPTS_INIT;
  const char *since = NULL, *after = NULL;
  int json = 0, csv = 0;
  const cli_optv opts[] = {
    { "--since", &since, "a run number or a time", 1, NULL },
    { "--after", &after, "a cursor (a whole number >= 0)", 0, cli_ok_limit },
    { "--owner", &o.owner, "an owner", 1, NULL },
    { "--stage", &o.stage, "a stage name", 1, NULL }, { NULL },
  };
  const cli_flagv flags[] = {
    { "--json", &json, 0 },
    { "--csv", &csv, 0 }, { "--raw", &o.raw, 0 }, { "--epoch", &o.epoch, 0 },
    { NULL },
  };
  const cli_spec spec = { "handoffs", opts, flags, 1, NULL, 0,
                          "unexpected argument '%s'", NULL };
  if (cli_parse(c, &spec, argc, argv) != CLI_OK) return CLI_USAGE;
  if (json && csv)
    return cli_usage(c, "handoffs", "--json and --csv: choose one");
  if (o.raw && !csv)
    return cli_usage(c, "handoffs", "--raw goes with --csv (JSON is never "
                     "altered)");
  if (since && parse_since(c, since, &o) != CLI_OK) return CLI_USAGE;
  if (after) o.after = cli_int(after);
  o.format = json ? LR_FMT_JSON : csv ? LR_FMT_CSV : LR_FMT_TEXT;
  lr_db *db = cli_db(c);
  if (!db) return CLI_ERR;
  int rc = lr_handoffs(db, &o, cli_write_file, stdout, NULL);
  if (rc == LR_OK && fflush(stdout) != 0)
    return cli_error(c, "handoffs: writing to stdout failed");
  return rc == LR_OK ? CLI_OK : cli_fail(c, rc);
}
