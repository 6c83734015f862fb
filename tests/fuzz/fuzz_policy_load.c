/*
** fuzz_policy_load.c -- arbitrary text as a policy, under a small
** instruction budget (100,000 per contact) and memory cap (16 MiB): load
** it, and when it loads, dry-run it on a tiny in-memory database (3
** contacts with activities and an outcome), with the moves collected, and
** explain contact #1.
** Checks: no crash, leak or undefined behaviour; every failure has a
** message; the database is unchanged (dry run).
*/
#include "fuzz.h"
#include "leadrules.h"
#include "oracle.h"
#include "store/db_int.h"

static lr_db *db;
static uint64_t clean;

static void setup(void) {
  if (lr_open(":memory:", &db) != LR_OK) abort();
  const char *seed =
    "INSERT INTO contacts(id,key,email,title,company_size,country) VALUES"
    " (1,'ann@a.example','ann@a.example','VP Sales',5000,'US'),"
    " (2,'bob@b.example','bob@b.example','Intern',10,'DE'),"
    " (3,'cy@c.example','cy@c.example',NULL,NULL,NULL);"
    "INSERT INTO activities(contact_id,type,occurred_at,value,campaign) VALUES"
    " (1,'email_open',1793404800-86400*2,NULL,'spring'),"
    " (1,'demo_request',1793404800-86400,3.5,NULL),"
    " (2,'email_open',1793404800-3600,NULL,NULL);"
    "INSERT INTO outcomes(contact_id,result,amount,closed_at) VALUES"
    " (1,'won',1200,1793404800-86400*9);";
  if (sqlite3_exec(db->sql, seed, NULL, NULL, NULL) != SQLITE_OK) abort();
  clean = or_digest(db->sql);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  setup();
  return 0;
}

static int on_item(void *ctx, const lr_explain_item *it) {
  (void)ctx;
  FUZZ_CHECK(it->kind >= LR_EX_CONTACT && it->kind <= LR_EX_STABLE);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!db) setup();
  lr_policy_opts po = LR_POLICY_OPTS_INIT;
  po.max_instructions = 100000;
  po.max_memory = 16u << 20;
  lr_policy *p = NULL;
  int rc = lr_policy_load_string(db, "fuzz.lua", (const char *)data, size,
                                 &po, &p);
  if (rc != LR_OK) {
    FUZZ_CHECK(p == NULL);
    FUZZ_CHECK(lr_errmsg(db)[0] != 0);
    return 0;
  }
  lr_run_opts ro = LR_RUN_OPTS_INIT;
  ro.dry_run = 1;
  ro.jobs = 1;
  ro.now = 1793404800;
  ro.keep_going = size & 1;
  ro.collect = 1;
  lr_run_result r;
  rc = lr_run(p, &ro, &r);
  if (rc != LR_OK) FUZZ_CHECK(lr_errmsg(db)[0] != 0);
  for (long long i = 0; i < r.n_move_list; i++)
    FUZZ_CHECK(r.move_list[i].to != NULL);
  lr_run_result_free(&r);
  rc = lr_explain_v2(p, "#1", 1793404800, on_item, NULL);
  if (rc != LR_OK) FUZZ_CHECK(lr_errmsg(db)[0] != 0);
  lr_policy_free(p);
  FUZZ_CHECK(or_digest(db->sql) == clean);          /* dry run: unchanged */
  return 0;
}
