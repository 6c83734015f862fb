/*
** stable.h -- how long an evaluation holds (run --changed,
** docs/incremental.md).
**
** As rules read time-dependent answers (lead:count/did/last/days_since,
** activities(), sla_breached, time_in_stage, the global `now`, a manual
** lock's expiry), each read notes the earliest time at which its answer
** would differ; the minimum is the contact's stable_until.  Until then,
** and until the contact's data changes, evaluating it again gives the same
** result.  A read whose answer changes continuously notes `now`.
*/
#ifndef LR_STABLE_H
#define LR_STABLE_H

#include <limits.h>

#include "eval.h"

#define LRP_NEVER LLONG_MAX           /* no time-dependent read */

/* Start a contact's evaluation: nothing read yet. */
void lrp_stable_begin(lrp_eval *ev);
/* A read whose answer changes at time t (> ev->now), described by fmt
** (kept only when it sets the minimum and ev->trace is on: explain). */
void lrp_stable_note(lrp_eval *ev, long long t, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
/* End the evaluation: reads of the global `now` since begin make it
** continuous.  Returns ev->stable. */
long long lrp_stable_end(lrp_eval *ev);

/* Whether a run writes contacts.stable_until: stored is the column (0:
** NULL), su the new value (LRP_NEVER: NULL).  A value at or before `now`
** means "evaluate again next run", whichever it is; a value equal to the
** run's own clock is left as it is, so that a re-run at the same clock
** writes nothing (the next run at a later clock settles it).  forced: the
** run changes what the contact's next evaluation reads (su is now), and
** now is written unless already stored, so that a re-run at this clock
** finds it there. */
int lrp_stable_changed(long long stored, long long su, long long now,
                       int forced);

#endif
