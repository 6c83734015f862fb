/*
** contact.h -- one contact as the store hands it to the engine: its row,
** its activities, its latest outcome and what the last run stored for it.
** All pointers are owned by the producer (a scan, or a test fixture) and
** valid until the next contact is produced.
*/
#ifndef LR_CONTACT_H
#define LR_CONTACT_H

#include <stddef.h>

#define LRS_NULL 0
#define LRS_INT 1
#define LRS_FLOAT 2
#define LRS_STR 3

/* The longest value a contact field holds: an imported cell, a lead:set or
** `leadrules set` value.  SQL written by users (segment `where`, scripts'
** leads{where=}, query()) runs with this as SQLite's length limit, so it
** reads every stored value and builds none longer (usersql.c). */
#define LRS_MAX_VALUE (16u << 20)

/* The longest contact key and activity type: both stores index them, and
** PostgreSQL's index takes an entry of at most about 2.7 KB ("index row
** size exceeds btree maximum"), where SQLite takes any length; the
** imports and events refuse a longer one by line and column on both. */
#define LRS_MAX_KEY 1000

/* One value of a row: what the store reads (scans, queries, exports) and
** what its callers write (imports, corrections).  The store decodes a
** column into it in one place.  Who owns s is said where it is produced. */
typedef struct lrs_value {
  int type;                 /* LRS_NULL, LRS_INT, LRS_FLOAT, LRS_STR */
  long long i;              /* LRS_INT */
  double r;                 /* LRS_FLOAT (LRS_INT read from the store: i) */
  const char *s;            /* LRS_STR: its bytes (NUL-terminated when read
                               from the store) */
  size_t n;                 /* byte length of s */
} lrs_value;

typedef struct lrs_activity {
  int type;                 /* index into the producer's type names */
  long long at;             /* unix seconds */
  double value;
  int has_value;
  const char *campaign;     /* NULL when absent */
} lrs_activity;

typedef struct lrs_part {
  const char *rule;
  const char *grp;          /* NULL when the rule has no group */
  double points;
} lrs_part;

typedef struct lrs_contact {
  long long id;
  const char *key;
  int ncols;                /* row values, in the producer's column order */
  lrs_value *vals;
  lrs_activity *acts;       /* ordered by type, then time */
  int nacts;
  const char *const *types; /* activity type names (producer-wide) */
  int ntypes;
  /* What the store holds now (engine-owned columns). */
  double score;
  const char *stage, *owner, *grade, *scores;
  long long due_at, assigned_at, manual_at, data_at;  /* 0 when NULL */
  long long manual_until, stage_since;                 /* 0 when NULL */
  long long stable_until;                              /* 0 when NULL */
  const char *grades;       /* every grade, a JSON object (NULL: none) */
  /* Latest outcome reported by sales. */
  int has_outcome;
  const char *outcome;      /* "won" or "lost" */
  double amount;
  int has_amount;
  long long closed_at;
  /* The last run's score parts and segment memberships. */
  lrs_part *parts;
  int nparts;
  const char *const *segments;
  int nsegments;
  /* Membership in each SQL segment of the policy (by segment index). */
  const unsigned char *sql_member;
  /* The account the contact is matched to (accounts.key), or NULL. */
  const char *account_key;
} lrs_contact;

#endif
