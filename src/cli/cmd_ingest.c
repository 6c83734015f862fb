/*
** cmd_ingest.c -- leadrules ingest POLICY.lua [FILE|-]: append events,
** re-evaluate the contacts they touch, print the decisions.
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The plural ending of a count: "1 event", "2 events". */
#define S(n) ((n) == 1 ? "" : "s")

static int ok_format(const char *v) {
  return strcmp(v, "ndjson") == 0 || strcmp(v, "csv") == 0;
}

int cmd_ingest(cli *c, int argc, char **argv) {
  const char *path = NULL, *file = NULL, *now_s = NULL, *batch_s = NULL,
             *format = NULL;
  lr_ingest_opts o = LR_INGEST_OPTS_INIT;
  lr_policy_opts po = LR_POLICY_OPTS_INIT;
  int json = 0;
  const cli_optv opts[] = {
    CLI_OPT_NOW(now_s),
    { "--format", &format, "ndjson or csv", 0, ok_format },
    { "--batch", &batch_s, "a number of events (a whole number >= 1)", 0,
      cli_ok_count },
    { "--rejects", &o.rejects, "a FILE", 1, NULL },
    { NULL },
  };
  const cli_flagv flags[] = {
    { "--json", &json, 0 },
    { "--allow-local-modules", &po.allow_local_modules, 0 }, { NULL },
  };
  const char **pos[] = { &path, &file };
  const cli_spec spec = { "ingest", opts, flags, 1, pos, 2,
                          "unexpected argument '%s'", NULL };
  if (cli_parse(c, &spec, argc, argv) != CLI_OK) return CLI_USAGE;
  if (!path)
    return cli_usage(c, "ingest", "which policy? (leadrules ingest "
                     "POLICY.lua [FILE|-])");
  if (!file) file = "-";
  if (format && strcmp(format, "csv") == 0) o.format = LR_INGEST_CSV;
  if (batch_s) o.batch = cli_int(batch_s);
  o.now = cli_parse_now(c, now_s);
  if (o.now < 0) return CLI_USAGE;
  if (json) {
    o.decisions = cli_write_file;
    o.decisions_ctx = stdout;
  }
  o.cancel = &cli_interrupted;
  lr_db *db = cli_db(c);
  if (!db) return CLI_ERR;
  lr_policy *p = NULL;
  int rc = lr_policy_load_v2(db, path, &po, &p);
  if (rc != LR_OK) return cli_fail(c, rc);
  lr_ingest_report r;
  rc = lr_ingest(p, file, &o, &r);
  lr_policy_free(p);
  if (rc != LR_OK) return cli_fail(c, rc);
  fprintf(json ? stderr : stdout, "ingested %lld event%s in %lld batch%s: "
          "%lld contact%s re-evaluated, %lld move%s, %lld handoff%s",
          r.events, S(r.events), r.batches, r.batches == 1 ? "" : "es",
          r.contacts, S(r.contacts), r.moves, S(r.moves), r.handoffs,
          S(r.handoffs));
  if (r.rejected)
    fprintf(json ? stderr : stdout, "; %lld set aside in %s", r.rejected,
            o.rejects);
  fprintf(json ? stderr : stdout, "\n");
  return CLI_OK;
}
