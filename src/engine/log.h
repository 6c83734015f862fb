/*
** log.h -- the policies' log(...) (see log.c).
*/
#ifndef LR_ENGINE_LOG_H
#define LR_ENGINE_LOG_H

#include "model.h"

/* Register the global log(...) in the instance's state. */
void lrp_log_register(lrp_instance *in);

#endif
