/*
** manual.h -- corrections made by people (leadrules move / set) and by
** scripts (lead:set, lead:move_to): every one recorded with who, when and
** why, in stage_history or the audit table, under a run row.
*/
#ifndef LR_MANUAL_H
#define LR_MANUAL_H

#include "contact.h"
#include "store.h"

/* Type a text value like the importer: an integer or a real when the text
** round-trips through the number unchanged ("42", "2.5"), else text
** ("02134", "1e5", "+1 555").  The value points into s. */
void lrs_type_text(const char *s, lrs_value *v);

/* Check that `field` may be written by a person or a script: it exists
** (fields registry), is not engine-owned, and v (NULL: not known yet)
** fits it: text in a field that leadrules declares a number
** (company_size) is refused, as an import refuses it.  On success *type
** is its declared type (LRS_TEXT...).  Returns LR_OK, LR_NOTFOUND
** (unknown field), LR_MISUSE (engine-owned, or the stage) or LR_INPUT
** (a value that does not fit) with the error set. */
int lrs_field_writable(lr_db *db, const char *field, const lrs_value *v,
                       int *type);

/* Write one field of a contact (inside the caller's transaction): read
** the old value, and when it differs update the column, bump data_at and
** updated_at, append an audit row, and widen the field's declared type
** when the value needs it.  *changed says whether anything was written. */
int lrs_field_write(lr_db *db, long long id, const char *field,
                    const lrs_value *v, const char *by, const char *reason,
                    long long run_id, long long now, int *changed);

/* Move a contact by hand (inside the caller's transaction): stage_history
** row (by, reason, run_id), contacts.stage, manual_at = now and
** manual_until = until (0: NULL, the lock has no expiry) and updated_at;
** due_at is cleared (a person acted on the lead: its SLA is met). */
int lrs_stage_write(lr_db *db, long long id, const char *from,
                    const char *to, const char *by, const char *reason,
                    long long run_id, long long now, long long until);

/* The stage `want` names, spelled as the data or the last run spells it
** (out), when it is known: a stage contacts are in, one in the stage
** history, or one the last run's policy declared (the rule lead:move_to
** follows too).  A database that knows no stage yet takes any name.
** LR_INPUT, with "did you mean" and the known stages, for another. */
int lrs_stage_known(lr_db *db, const char *want, char *out, size_t n);

/* Whether `until` may end the lock of a move made at `now`: 0 (none), or
** a time after now and within LR_TIME_MAX.  LR_OK, or LR_MISUSE with a
** message giving both times. */
int lrs_lock_until_ok(lr_db *db, long long now, long long until);

/* A contact's id and stored stage by key ("#ID" for an id); LR_NOTFOUND
** with a message when missing.  stage (may be NULL) gets "" for none. */
int lrs_contact_find(lr_db *db, const char *key, long long *id, char *stage,
                     size_t n);

/* One manual event, newest first (lrs_manual_events). */
typedef struct lrs_manual_event {
  const char *kind;        /* "move" or "set" */
  long long at;
  const char *by, *reason;
  const char *run_kind;    /* "manual", "script" (NULL when unknown) */
  const char *from, *to;   /* move */
  const char *field, *old_value, *new_value;   /* set (values as text) */
} lrs_manual_event;

/* The latest `limit` manual moves and edits of a contact, newest first,
** on a snapshot.  The callback returns non-zero to stop.  Returns an LR
** code; lrs_snap_errmsg says why. */
int lrs_manual_events(lrs_snap *snap, long long id, int limit,
                      int (*cb)(void *ctx, const lrs_manual_event *e),
                      void *ctx);

/* The stage the manual move made at manual_at (contacts.manual_at) left
** the contact in: *stage a malloc'd copy, NULL when no move by a person or
** a script is on record at that time.  The contact's stage says it only
** while the lock holds; a run may have moved it on after the lock ended.
** Returns an LR code (LR_NOMEM, or lrs_snap_errmsg says why). */
int lrs_manual_stage(lrs_snap *snap, long long id, long long manual_at,
                     char **stage);

#endif
