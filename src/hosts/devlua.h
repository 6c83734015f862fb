/*
** devlua.h -- what policy test files and the shell share: load_policy(),
** the policy object with :evaluate() and fixture contacts.
**
** The test file or shell runs in its own sandboxed state; each policy it
** loads has its own state (a normal lr_policy).  policy:evaluate() builds
** an lrs_contact from a fixture table (or reads a stored contact) and
** runs lrp_eval_contact, the one evaluation path, then hands the result
** back as a plain table.
*/
#ifndef LR_DEVLUA_H
#define LR_DEVLUA_H

#include <lua.h>

#include "../leadrules.h"
#include "../util/buf.h"

typedef struct lrp_devpol {
  char *path;                       /* as loaded (resolved) */
  lr_policy *p;
  char **fields;                    /* fields the source reads statically */
  int nfields;
} lrp_devpol;

typedef struct lrp_dev {
  lr_db *db;                        /* policies load here; stored contacts */
  lr_db *scratch;                   /* ":memory:" db for fixture SQL */
  int own_scratch;
  char *base_dir;                   /* relative policy paths; NULL: cwd */
  lr_policy_opts opts;
  long long now;                    /* default clock; 0: the current time */
  volatile int *cancel;             /* polled during evaluation */
  lrp_devpol *pols;
  int npols;
  char **base_cols;                 /* the contacts schema's columns */
  int nbase;
} lrp_dev;

/* Set up d (nothing is opened yet).  scratch may be NULL: a private
** in-memory database is opened on first need. */
void lrp_dev_init(lrp_dev *d, lr_db *db, lr_db *scratch, const char *base_dir,
                  const lr_policy_opts *opts);
/* Register load_policy, parse_time and parse_duration as globals of L. */
void lrp_dev_register(lua_State *L, lrp_dev *d);
/* Free the policies and the scratch database: call after closing the Lua
** state that used them. */
void lrp_dev_free(lrp_dev *d);

#endif
