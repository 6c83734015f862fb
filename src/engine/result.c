/*
** result.c -- accessors for lr_run_result.  Addresses are computed here,
** inside the library, so that callers do not compile in the layout of the
** lists (see the ABI note in leadrules.h).
*/
#include "../leadrules.h"

long long lr_run_move_count(const lr_run_result *r) {
  return r ? r->n_move_list : 0;
}

const lr_move *lr_run_move(const lr_run_result *r, long long i) {
  if (!r || i < 0 || i >= r->n_move_list) return NULL;
  return &r->move_list[i];
}

long long lr_run_handoff_count(const lr_run_result *r) {
  return r ? r->n_handoff_list : 0;
}

const lr_handoff *lr_run_handoff(const lr_run_result *r, long long i) {
  if (!r || i < 0 || i >= r->n_handoff_list) return NULL;
  return &r->handoff_list[i];
}

long long lr_run_error_count(const lr_run_result *r) {
  return r ? r->n_error_list : 0;
}

const char *lr_run_error(const lr_run_result *r, long long i) {
  if (!r || i < 0 || i >= r->n_error_list) return NULL;
  return r->error_list[i];
}
