/*
** apply_rows.h -- the rows of a chunk's changes (apply.h's lrs_changes) as
** the adders of apply.c keep them, for the backend that writes them:
** apply.c on SQLite, pg_apply.c on PostgreSQL.  Internal to src/store/.
*/
#ifndef LR_APPLY_ROWS_H
#define LR_APPLY_ROWS_H

#include "../util/arena.h"
#include "apply.h"

/* The rows of one kind, in the order added; kept from chunk to chunk. */
typedef struct rows {
  void *v;
  long long n, cap;
} rows;

typedef struct contact_row {
  long long id;
  int which;                       /* CONTACT_UPDATE's index; 16: stable */
  long long stable;                /* stable_until (0: NULL) */
  double score;
  const char *stage, *grade, *grades, *scores;
} contact_row;
typedef struct hist_row {
  long long id;
  const char *from, *to, *reason, *transition;
} hist_row;
typedef struct part_row {
  long long id;
  const char *rule, *grp;
  double points;
} part_row;
/* A cleared contact (no text), a segment added or dropped, an error. */
typedef struct text_row {
  long long id;
  const char *text;
} text_row;
/* contacts.stable_until (at 0: NULL). */
typedef struct stable_row {
  long long id, at;
} stable_row;
typedef struct assign_row {
  long long id;
  const char *owner, *stage;
  long long due;
} assign_row;

struct lrs_changes {
  lr_db *db;
  long long run_id, now;
  int oom;                         /* an adder failed: apply refuses */
  lr_arena arena;                  /* the rows' strings */
  rows contacts, hist, clears, sets, parts, adds, dels, assigns, unassigns,
       errors;                     /* clears: parts deleted, sets: updated */
  rows unlocks;                    /* manual locks a run overrode */
  rows spells;                     /* stages respelled as declared */
  rows stables;                    /* stable_until (run --changed) */
};

/* Write every row of c on PostgreSQL (pg_apply.c); LR code. */
int lrs_pg_changes_write(lrs_changes *c);

#endif
