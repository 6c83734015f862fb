/*
** collect.h -- loading a policy that goes on after a failed declaration
** (lr_policy_errors; see collect.c).
*/
#ifndef LR_ENGINE_COLLECT_H
#define LR_ENGINE_COLLECT_H

#include "model.h"

/* Wrap the instance's declaration globals so that each failure is
** recorded in in->policy->collect instead of ending the chunk. */
void lrp_collect_wrap(lrp_instance *in);
/* Record an error that ended the load ("file:LINE: message"). */
void lrp_collect_error(lr_policy *p, const char *msg);

#endif
