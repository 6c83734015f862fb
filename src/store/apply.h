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
int lrs_parts_clear(lr_db *db, long long contact_id);

/* stage_history and score_parts rows of a run, queued and written many to
** a statement, in the order queued.  Strings must stay valid until the
** queue is flushed (the reason is copied); at and run_id are the run's. */
#define LRS_QROWS 32
struct lrs_qhist {
  long long id;
  const char *from, *to, *reason, *transition;
  char reason_buf[320];
};
struct lrs_qpart {
  long long id;
  const char *rule, *grp;
  double points;
};
typedef struct lrs_queue {
  lr_db *db;
  long long at, run_id;
  int nh, np;
  struct lrs_qhist h[LRS_QROWS];
  struct lrs_qpart p[LRS_QROWS];
} lrs_queue;
void lrs_queue_init(lrs_queue *q, lr_db *db, long long at, long long run_id);
int lrs_queue_history(lrs_queue *q, long long contact_id, const char *from,
                      const char *to, const char *reason,
                      const char *transition);
int lrs_queue_part(lrs_queue *q, long long contact_id, const char *rule,
                   const char *grp, double points);
/* Write what is queued. */
int lrs_queue_flush(lrs_queue *q);

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

/* Rows written through db so far (inserted, updated or deleted). */
long long lrs_total_changes(lr_db *db);

#endif
