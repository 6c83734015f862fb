/*
** load.c -- lr_policy_load*: read the policy, run it in a fresh sandbox to
** collect its declarations, validate them.
*/
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/store.h"
#include "../util/readfile.h"
#include "../util/sha256.h"
#include "collect.h"
#include "log.h"
#include "model.h"

/* Assign stable routing ids from the handoff stage and field values, so
** that routing state survives edits to unrelated parts of the policy. */
static void router_ids(lrp_model *m, int ri, const char *id, int depth) {
  if (ri < 0 || depth > 16) return;
  lrp_router *r = &m->routers[ri];
  if (r->id[0] && strncmp(r->id, "router", 6) != 0) return;  /* named */
  snprintf(r->id, sizeof r->id, "%s", id);
  if (r->kind == LRP_ROUTER_FIELD) {
    char sub[64];
    for (int k = 0; k < r->nvalues; k++) {
      snprintf(sub, sizeof sub, "%s/%s=%s", id, r->field, r->values[k]);
      router_ids(m, r->targets[k], sub, depth + 1);
    }
    snprintf(sub, sizeof sub, "%s/%s=*", id, r->field);
    router_ids(m, r->fallback, sub, depth + 1);
  } else if (r->kind == LRP_ROUTER_ACCOUNT) {
    char sub[64];
    snprintf(sub, sizeof sub, "%s/account_owner", id);
    router_ids(m, r->fallback, sub, depth + 1);
  }
}

/* Run the host's setup callback inside the protected call, so that a Lua
** error in it (or a memory error registering functions) is reported, not
** a panic. */
static int call_setup(lua_State *L) {
  lr_policy *p = lua_touserdata(L, 1);
  lua_settop(L, 0);
  if (p->opts.setup(p->opts.setup_ctx, L) != 0)
    return luaL_error(L, "%s: the host's setup callback failed", p->name);
  lua_settop(L, 0);
  return 0;
}

int lrp_instance_load(lrp_instance *in, lr_policy *p, char *err,
                      size_t errlen) {
  memset(in, 0, sizeof *in);
  in->policy = p;
  in->rt = lrl_new(p->opts.max_memory, p->opts.max_instructions);
  if (!in->rt) {
    snprintf(err, errlen, "out of memory creating the Lua state");
    return LR_NOMEM;
  }
  in->rt->owner = in;
  if (p->path)
    lrl_set_module_dir_of(in->rt, p->path, p->opts.allow_local_modules);
  lrp_declare_open(in);
  lrp_log_register(in);
  if (p->collect) lrp_collect_wrap(in);
  int rc = LR_OK;
  if (p->opts.setup) {
    lua_pushcfunction(in->rt->L, call_setup);
    lua_pushlightuserdata(in->rt->L, p);
    lrl_budget_reset(in->rt);
    rc = lrl_pcall(in->rt, 1, 0);
  }
  if (rc == LR_OK)
    rc = lrl_load_buffer(in->rt, p->source, p->source_len, p->name);
  if (rc == LR_OK) {
    lrl_budget_reset(in->rt);
    rc = lrl_pcall(in->rt, 0, 0);
  }
  if (rc != LR_OK) {
    snprintf(err, errlen, "%s", in->rt->errmsg);
    if (p->collect) lrp_collect_error(p, err);
    return rc == LR_LIMIT || rc == LR_NOMEM || rc == LR_INTERRUPT ? rc
                                                                  : LR_POLICY;
  }
  rc = lrp_model_validate(in, err, errlen);
  if (rc != LR_OK && p->collect) lrp_collect_error(p, err);
  if (rc != LR_OK) return rc;
  if (p->collect && p->ncollected) {
    snprintf(err, errlen, "%s", "the policy has errors");
    return LR_POLICY;
  }
  for (int h = 0; h < in->m.nhandoffs; h++)
    router_ids(&in->m, in->m.handoffs[h].router,
               in->m.stages[in->m.handoffs[h].stage].name, 0);
  for (int h = 0; h < in->acc.nhandoffs; h++) {       /* "account:STAGE" */
    char id[64];
    snprintf(id, sizeof id, "account:%s",
             in->acc.stages[in->acc.handoffs[h].stage].name);
    router_ids(&in->m, in->acc.handoffs[h].router, id, 0);
  }
  lrl_freeze_globals(in->rt);
  return LR_OK;
}

void lrp_instance_free(lrp_instance *in) {
  if (!in->rt) return;
  lrp_model_free(&in->m, in->rt->L);
  lrp_model_free(&in->acc, in->rt->L);
  for (int i = 0; i < in->nfreemail; i++) free(in->freemail[i]);
  free(in->freemail);
  in->freemail = NULL;
  in->nfreemail = 0;
  lrl_free(in->rt);
  in->rt = NULL;
}

static int load_common(lr_db *db, const char *path, const char *name,
                       char *source, size_t len, const lr_policy_opts *opts,
                       lr_buf *collect, int *ncollected, lr_policy **out) {
  lr_policy *p = calloc(1, sizeof *p);
  if (!p) {
    free(source);
    return lr__err(db, LR_NOMEM, "out of memory");
  }
  p->magic = LRP_POLICY_MAGIC;
  p->db = db;
  p->source = source;
  p->source_len = len;
  p->path = path ? strdup(path) : NULL;
  /* Chunk names are shown in messages: keep just the file's own name
  ** unless it is short. */
  p->name = strdup(name);
  if ((path && !p->path) || !p->name) {
    lr_policy_free(p);
    return lr__err(db, LR_NOMEM, "out of memory");
  }
  if (lr__opts(db, &p->opts, sizeof p->opts, opts, "lr_policy_load") != LR_OK) {
    int rc = lr_errcode(db);
    lr_policy_free(p);
    return rc;
  }
  lr_sha256_hex(source, len, p->hash);
  if (lrs_field_aliases(db, &p->aliases, &p->naliases) != LR_OK) {
    int rc = lr_errcode(db);
    lr_policy_free(p);
    return rc;
  }
  char err[2048] = "";
  p->collect = collect;
  int rc = lrp_instance_load(&p->main, p, err, sizeof err);
  if (ncollected) *ncollected = p->ncollected;
  p->collect = NULL;
  if (rc != LR_OK) {
    lr__err(db, rc, "%s", err);
    lr_policy_free(p);
    return rc;
  }
  lrs_hold(db);
  p->counted = 1;
  *out = p;
  return lr__ok(db);
}

static int load_file(lr_db *db, const char *path, const lr_policy_opts *opts,
                     lr_buf *collect, int *ncollected, lr_policy **out) {
  if (out) *out = NULL;
  if (!db || !out) return LR_MISUSE;
  if (!path) return lr__err(db, LR_MISUSE, "lr_policy_load: no path");
  size_t len = 0;
  char err[1024];
  char *src = lrb_read_named(path, "policy", &len, err, sizeof err);
  if (!src) return lr__err(db, LR_IO, "%s", err);
  if (memchr(src, 0x1b, len > 0 ? 1 : 0))
    return free(src), lr__err(db, LR_POLICY, "%s: binary chunks are not "
                              "accepted (policies are Lua text)", path);
  return load_common(db, path, path, src, len, opts, collect, ncollected,
                     out);
}

int lr_policy_load_v2(lr_db *db, const char *path, const lr_policy_opts *opts,
                      lr_policy **out) {
  if (out) *out = NULL;
  return load_file(db, path, opts, NULL, NULL, out);
}

int lrp_policy_load_collect(lr_db *db, const char *path,
                            const lr_policy_opts *opts, lr_buf *found,
                            int *n, lr_policy **out) {
  *n = 0;
  return load_file(db, path, opts, found, n, out);
}

int lr_policy_load(lr_db *db, const char *path, lr_policy **out) {
  return lr_policy_load_v2(db, path, NULL, out);
}

int lr_policy_load_string(lr_db *db, const char *name, const char *source,
                          size_t len, const lr_policy_opts *opts,
                          lr_policy **out) {
  if (out) *out = NULL;
  if (!db || !out || !source) return LR_MISUSE;
  char *copy = malloc(len + 1);
  if (!copy) return lr__err(db, LR_NOMEM, "out of memory");
  memcpy(copy, source, len);
  copy[len] = '\0';
  return load_common(db, NULL, name ? name : "policy", copy, len, opts, NULL,
                     NULL, out);
}

int lrp_policy_ok(const lr_policy *p) {
  return p && p->magic == LRP_POLICY_MAGIC;
}

void lrp_misuse_abort(const char *fn, const char *what) {
  fprintf(stderr, "leadrules: %s: not a live %s (freed twice, or not made "
          "by leadrules); aborting\n", fn, what);
  fflush(stderr);                  /* abort() flushes nothing */
  abort();
}

void lr_policy_free(lr_policy *p) {
  if (!p) return;
  if (p->magic != LRP_POLICY_MAGIC) lrp_misuse_abort("lr_policy_free", "policy");
  p->magic = 0;
  lrp_realtime_free(p);              /* before the state its worker uses */
  lrp_instance_free(&p->main);
  if (p->counted) lrs_release(p->db);
  lrs_aliases_free(p->aliases, p->naliases);
  free(p->source);
  free(p->path);
  free(p->name);
  free(p);
}

struct lua_State *lr_policy_lua(lr_policy *p) {
  if (!lrp_policy_ok(p)) return NULL;
  p->lua_touched = 1;     /* custom functions: runs stay on this state */
  return p->main.rt->L;
}

/* Store stack[1] as global `name` (stack[2], a light userdata), past the
** frozen globals: only host code can get here. */
static int set_global(lua_State *L) {
  const char *name = lua_touserdata(L, 2);
  lua_settop(L, 1);
  lrl_setglobal(L, name);
  return 0;
}

int lr_policy_setglobal(lr_policy *p, const char *name) {
  if (!lrp_policy_ok(p)) return LR_MISUSE;
  lr_db *db = p->db;
  lua_State *L = p->main.rt->L;
  if (lua_gettop(L) < 1)
    return lr__err(db, LR_MISUSE, "lr_policy_setglobal(%s): push the value "
                   "on lr_policy_lua()'s stack first", name ? name : "NULL");
  if (!name || !*name) {
    lua_pop(L, 1);
    return lr__err(db, LR_MISUSE, "lr_policy_setglobal: no name");
  }
  if (!lua_checkstack(L, 2)) {
    lua_pop(L, 1);
    return lr__err(db, LR_NOMEM, "out of memory");
  }
  p->lua_touched = 1;            /* the global lives in this state only */
  lua_pushcfunction(L, set_global);          /* allocates nothing */
  lua_insert(L, -2);
  lua_pushlightuserdata(L, (void *)name);
  lrl_budget_reset(p->main.rt);
  int rc = lrl_pcall(p->main.rt, 2, 0);      /* pops the value either way */
  if (rc != LR_OK)
    return lr__err(db, rc, "lr_policy_setglobal(%s): %s", name,
                   p->main.rt->errmsg);
  return lr__ok(db);
}

const char *lr_policy_hash(lr_policy *p) {
  return lrp_policy_ok(p) ? p->hash : NULL;
}
