/*
** event_json.h -- events as JSON (jansson): what POST /v1/events,
** POST /v1/contacts and `ingest --format ndjson` read.  One reader, so the
** server and ingest accept and refuse the same things with the same words.
*/
#ifndef LR_EVENT_JSON_H
#define LR_EVENT_JSON_H

#include <jansson.h>

#include "../leadrules.h"
#include "../util/arena.h"

/* Why jansson refused a document, in our words where its own names an
** option of its API ("\u0000 is not allowed without JSON_ALLOW_NUL"). */
const char *lrv_json_why(const json_error_t *je);

/* Fill *e from the object `o` ({"contact", "type", "at", "value",
** "campaign", "create": {FIELD: VALUE}}); strings point into o or the
** arena, so keep both until the event is applied.  `fields_key` names
** the member that holds fields ("create" for events, "fields" for
** contacts) and `mode` the lr_event.create it means.  `now` is the clock
** for a missing "at" (0 leaves it 0: the clock of lr_apply_events).
** Returns 0, or -1 with err = "field 'at': cannot read ... as a time". */
int lrv_event_from_json(json_t *o, const char *fields_key, int mode,
                        lr_arena *arena, lr_event *e, char *err, size_t n);

/* A JSON value as the text a field gets (NULL for null); -1 for an array
** or object. */
int lrv_json_text(json_t *v, lr_arena *arena, const char **out);

#endif
