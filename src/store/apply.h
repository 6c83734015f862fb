/*
** apply.h -- the writes of a run: the run row, the routing state, and each
** chunk's changes (contacts' score/stage/grade, stage history, score
** parts, segment members, assignments, errors) handed over as one batch,
** lrs_changes.  The batch is the one operation a backend implements for
** a run's rows: it may write them as it likes (SQLite: many rows to a
** statement) as long as the database ends up as if each change had been
** written when it was added.  Called by the single writer inside its
** transaction.
*/
#ifndef LR_APPLY_H
#define LR_APPLY_H

#include "store.h"

int lrs_run_start(lr_db *db, const char *kind, const char *policy,
                  const char *hash, long long now, const char *by,
                  long long *run_id);
/* lrs_run_start that also records the stages the run's policy declared
** (runs.stages, JSON text: see schema.c) in the same row. */
int lrs_run_start_stages(lr_db *db, const char *kind, const char *policy,
                         const char *hash, long long now, const char *by,
                         const char *stages, long long *run_id);
/* lrs_run_start_stages that also records which contacts the run
** evaluates (runs.scope: "full", "changed", "ids"; NULL for other kinds)
** and why a run --changed evaluates all of them (NULL: it does not). */
int lrs_run_start_scope(lr_db *db, const char *kind, const char *policy,
                        const char *hash, long long now, const char *by,
                        const char *stages, const char *scope,
                        const char *full_reason, long long *run_id);
int lrs_run_finish(lr_db *db, long long run_id, long long evaluated,
                   long long score_changes, long long moves,
                   long long handoffs, long long errors);
/* How many transitions manual locks held back in the run (runs row). */
int lrs_run_held(lr_db *db, long long run_id, long long held);

/* One stage_history row, written now (a move by hand, manual.c). */
int lrs_history_add(lr_db *db, long long contact_id, const char *from,
                    const char *to, long long at, long long run_id,
                    const char *reason, const char *transition,
                    const char *by);

/* A chunk's changes of run run_id (0: none), stamped `now`.  Every adder
** copies the strings it is given, so the caller's memory may be reused
** as soon as it returns; adders return LR_OK or LR_NOMEM.  Each table's
** rows are written in the order added, and a contact's update comes
** before its assignment, its cleared parts before its new ones.
** lrs_changes_apply writes everything added and empties the batch for
** the next chunk (whatever it returns). */
typedef struct lrs_changes lrs_changes;
/* NULL when out of memory. */
lrs_changes *lrs_changes_new(lr_db *db, long long run_id, long long now);
/* Update what changed: pass NULL / has_* = 0 to keep a column.  A new
** stage ends the SLA of the stage it was handed off in (due_at NULL) and
** sets stage_since to the batch's `now`.  has_grade writes grade (the
** first grade) and grades (every grade, a JSON object) together. */
int lrs_changes_contact(lrs_changes *b, long long id, int has_score,
                        double score, const char *stage, int has_grade,
                        const char *grade, const char *grades, int has_scores,
                        const char *scores);
int lrs_changes_history(lrs_changes *b, long long id, const char *from,
                        const char *to, const char *reason,
                        const char *transition);
/* Delete one score part of the contact. */
int lrs_changes_part_del(lrs_changes *b, long long id, const char *rule);
/* Write one score part: a new row (is_new), else the stored one's group
** and points. */
int lrs_changes_part(lrs_changes *b, long long id, const char *rule,
                     const char *group, double points, int is_new);
/* Add the contact to a segment (member 1) or take it out (0). */
int lrs_changes_member(lrs_changes *b, long long id, const char *segment,
                       int member);
/* Record a handoff and set the contact's owner, due (0: none) and
** assigned time. */
int lrs_changes_assign(lrs_changes *b, long long id, const char *owner,
                       const char *stage, long long due);
/* Clear the contact's owner, assigned_at and due_at (a recycled lead, or
** one that entered a handoff stage whose handoff found nobody). */
int lrs_changes_unassign(lrs_changes *b, long long id);
/* A contact the policy failed on, and why. */
int lrs_changes_error(lrs_changes *b, long long id, const char *msg);
/* End the contact's manual lock (manual_at, manual_until NULL): a run
** with override_manual applied the policy over it. */
int lrs_changes_unlock(lrs_changes *b, long long id);
/* Store the stage the contact is in with the policy's spelling (stored
** "SQL", declared "sql"): not a move, so due_at and stage_since stay. */
int lrs_changes_spell(lrs_changes *b, long long id, const char *stage);
/* Set contacts.stable_until (at 0: NULL), see engine/stable.h; right
** after lrs_changes_contact of the same contact, in its statement. */
int lrs_changes_stable(lrs_changes *b, long long id, long long at);
int lrs_changes_apply(lrs_changes *b);
void lrs_changes_free(lrs_changes *b);

/* Routing state of one owner of one router. */
int lrs_routing_get(lr_db *db, const char *router, const char *owner,
                    long long *total, long long *day, long long *today,
                    int *found);
int lrs_routing_put(lr_db *db, const char *router, const char *owner,
                    long long total, long long day, long long today);

/* Rows written through db so far (inserted, updated or deleted). */
long long lrs_total_changes(lr_db *db);

#endif
