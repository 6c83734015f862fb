/*
** apply.h -- the writes of a run: contacts' score/stage/grade, history,
** score parts, segment members, assignments, routing state, the run row.
** Called by the single writer inside its transaction.
*/
#ifndef LR_APPLY_H
#define LR_APPLY_H

#include "store.h"

int lrs_run_start(lr_db *db, const char *kind, const char *policy,
                  const char *hash, long long now, const char *by,
                  long long *run_id);
int lrs_run_finish(lr_db *db, long long run_id, long long evaluated,
                   long long score_changes, long long moves,
                   long long handoffs, long long errors);
int lrs_run_error(lr_db *db, long long run_id, long long contact_id,
                  const char *msg);

/* Update what changed: pass NULL / has_* = 0 to keep a column. */
int lrs_contact_update(lr_db *db, long long id, int has_score, double score,
                       const char *stage, int has_grade, const char *grade,
                       int has_scores, const char *scores,
                       long long updated_at);
int lrs_history_add(lr_db *db, long long contact_id, const char *from,
                    const char *to, long long at, long long run_id,
                    const char *reason, const char *transition,
                    const char *by);
/* n moves of one contact at one time, in order. */
int lrs_history_add_many(lr_db *db, long long contact_id, int n,
                         const char *const *from, const char *const *to,
                         long long at, long long run_id,
                         const char *const *reason,
                         const char *const *transition);
int lrs_parts_clear(lr_db *db, long long contact_id);
/* n parts of one contact at once. */
int lrs_parts_add(lr_db *db, long long contact_id, int n,
                  const char *const *rules, const char *const *grps,
                  const double *points);
int lrs_member_set(lr_db *db, long long contact_id, const char *segment,
                   int member);
/* Record a handoff and set the contact's owner, due and assigned times. */
int lrs_assign(lr_db *db, long long contact_id, const char *owner,
               const char *stage, long long at, long long run_id,
               long long due);

/* Routing state of one owner of one router. */
int lrs_routing_get(lr_db *db, const char *router, const char *owner,
                    long long *total, long long *day, long long *today,
                    int *found);
int lrs_routing_put(lr_db *db, const char *router, const char *owner,
                    long long total, long long day, long long today);

/* Rows changed by this connection so far (sqlite3_total_changes). */
long long lrs_total_changes(lr_db *db);

#endif
