/*
** embed.c -- leadrules embedded in a C program.
**
** Opens a database, imports contacts from a CSV file, loads a policy,
** gives the policy a host function (enrich_domain: company size from the
** program's own data), runs the policy and prints the handoffs, ready to
** be pushed to a CRM.  Everything the program creates it frees.
**
**   usage: embed DB CONTACTS.csv POLICY.lua [NOW]
**   build: see Makefile (pkg-config) or CMakeLists.txt (find_package)
*/
#define _POSIX_C_SOURCE 200809L   /* gmtime_r */
#include <leadrules.h>

#include <lauxlib.h>    /* only for the host function; lua.h comes with it */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The enrichment data: in real life a lookup in your own service. */
typedef struct domain_size {
  const char *domain;
  int employees;
} domain_size;

static const domain_size DOMAINS[] = {
  {"globex.example", 12000},
  {"umbrella.example", 54000},
  {"hooli.example", 3000},
  {"initech.example", 850},
  {NULL, 0},
};

/* enrich_domain(email) -> employees at the email's domain, or nil. */
static int enrich_domain(lua_State *L) {
  const char *email = luaL_optstring(L, 1, "");
  const domain_size *t = lua_touserdata(L, lua_upvalueindex(1));
  const char *at = strrchr(email, '@');
  for (; at && t->domain; t++) {
    if (strcasecmp(at + 1, t->domain) == 0) {
      lua_pushinteger(L, t->employees);
      return 1;
    }
  }
  lua_pushnil(L);
  return 1;
}

static void iso_date(long long t, char *buf, size_t n) {
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int main(int argc, char **argv) {
  if (argc < 4 || argc > 5) {
    fprintf(stderr, "usage: %s DB CONTACTS.csv POLICY.lua [NOW]\n", argv[0]);
    return 2;
  }
  long long now = 0;                          /* 0: the current time */
  if (argc == 5 && lr_parse_time(argv[4], &now) != LR_OK) {
    fprintf(stderr, "embed: bad time '%s'\n", argv[4]);
    return 2;
  }

  /* lr_open sets db even when it fails, so that lr_errmsg can say why. */
  lr_db *db = NULL;
  lr_policy *policy = NULL;
  lr_run_result result = {0};
  int status = 1;
  int rc = lr_open(argv[1], &db);
  if (rc != LR_OK) goto fail;

  lr_import_report rep;
  rc = lr_import_csv(db, LR_CONTACTS, argv[2], NULL, &rep);   /* defaults */
  if (rc != LR_OK) goto fail;
  printf("imported %lld rows (%lld new, %lld updated)\n", rep.rows_read,
         rep.inserted, rep.updated);

  rc = lr_policy_load(db, argv[3], &policy);
  if (rc != LR_OK) goto fail;

  /* Give the policy enrich_domain(), with the table as an upvalue.  The
  ** policy's globals are frozen: store it with lr_policy_setglobal, not
  ** lua_setglobal. */
  lua_State *L = lr_policy_lua(policy);
  lua_pushlightuserdata(L, (void *)DOMAINS);
  lua_pushcclosure(L, enrich_domain, 1);
  rc = lr_policy_setglobal(policy, "enrich_domain");
  if (rc != LR_OK) goto fail;

  lr_run_opts opts = LR_RUN_OPTS_INIT;
  opts.now = now;
  opts.collect = 1;                           /* keep moves and handoffs */
  rc = lr_run(policy, &opts, &result);
  if (rc != LR_OK) goto fail;
  printf("run #%lld: %lld contacts evaluated, %lld stage moves, "
         "%lld handoffs\n", result.run_id, result.evaluated, result.moves,
         result.handoffs);

  /* The handoffs are committed: push them wherever they need to go. */
  for (long long i = 0; i < lr_run_handoff_count(&result); i++) {
    const lr_handoff *h = lr_run_handoff(&result, i);
    char due[32] = "no SLA";
    if (h->due) iso_date(h->due, due, sizeof due);
    printf("handoff %s -> %s (stage %s, due %s)\n", h->key, h->owner,
           h->stage, due);
  }
  status = 0;

fail:
  if (status != 0)
    fprintf(stderr, "embed: %s (%s)\n", lr_errmsg(db), lr_errstr(rc));
  lr_run_result_free(&result);   /* safe after any lr_run outcome */
  lr_policy_free(policy);        /* before lr_close; NULL is fine */
  lr_close(db);
  return status;
}
