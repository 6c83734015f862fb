/*
** event_json.c -- an event from a JSON object (see event_json.h).
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../store/contact.h"
#include "event_json.h"

int lrv_json_text(json_t *v, lr_arena *arena, const char **out) {
  char num[64];
  *out = NULL;
  switch (json_typeof(v)) {
  case JSON_NULL: return 0;
  case JSON_STRING: *out = json_string_value(v); return 0;
  case JSON_TRUE: *out = "true"; return 0;
  case JSON_FALSE: *out = "false"; return 0;
  case JSON_INTEGER:
    snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    break;
  case JSON_REAL: snprintf(num, sizeof num, "%.17g", json_real_value(v)); break;
  default: return -1;
  }
  *out = lra_strdup(arena, num);
  return *out ? 0 : -1;
}

static int bad(char *err, size_t n, const char *fmt, const char *what) {
  snprintf(err, n, fmt, what);
  return -1;
}

/* "at": ISO-8601 text or unix seconds. */
static int read_at(json_t *v, long long *at, char *err, size_t n) {
  if (json_is_integer(v)) {
    *at = (long long)json_integer_value(v);
    if (*at < LR_TIME_MIN || *at > LR_TIME_MAX)
      return bad(err, n, "field 'at': %s", "time out of range");
    return 0;
  }
  if (!json_is_string(v))
    return bad(err, n, "field 'at': %s", "must be an ISO-8601 text or unix "
               "seconds");
  if (lr_parse_time(json_string_value(v), at) != LR_OK) {
    char shown[48];
    snprintf(shown, sizeof shown, "%.40s", json_string_value(v));
    return bad(err, n, "field 'at': cannot read \"%s\" as a time (use "
               "ISO-8601 such as 2026-03-01T10:00:00Z, or unix seconds)",
               shown);
  }
  return 0;
}

static int read_fields(json_t *f, const char *key, lr_arena *arena,
                       lr_event *e, char *err, size_t n) {
  if (!json_is_object(f)) {
    snprintf(err, n, "field '%s': must be an object of field: value", key);
    return -1;
  }
  size_t count = json_object_size(f);
  const char **pairs = lra_alloc(arena, (2 * count + 1) * sizeof *pairs);
  if (!pairs) return bad(err, n, "%s", "out of memory");
  const char *name;
  json_t *v;
  int i = 0;
  json_object_foreach(f, name, v) {
    pairs[2 * i] = name;
    if (lrv_json_text(v, arena, &pairs[2 * i + 1]) != 0) {
      snprintf(err, n, "field '%s': '%s' must be a string, number, boolean "
               "or null", key, name);
      return -1;
    }
    i++;
  }
  e->fields = pairs;
  e->n_fields = i;
  return 0;
}

const char *lrv_json_why(const json_error_t *je) {
  if (strstr(je->text, "JSON_ALLOW_NUL"))
    return "\\u0000 (a NUL) is not allowed in text";
  return je->text;
}

static const char *const KNOWN[] = {
  "contact", "type", "at", "value", "campaign", NULL,
};

static int known(const char *k, const char *fields_key) {
  if (strcmp(k, fields_key) == 0) return 1;
  for (int i = 0; KNOWN[i]; i++)
    if (strcmp(k, KNOWN[i]) == 0) return 1;
  return 0;
}

int lrv_event_from_json(json_t *o, const char *fields_key, int mode,
                        lr_arena *arena, lr_event *e, char *err, size_t n) {
  memset(e, 0, sizeof *e);
  if (!json_is_object(o))
    return bad(err, n, "%s", "an event must be a JSON object");
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    if (!known(k, fields_key)) {
      snprintf(err, n, "unknown field '%.60s' (an event has contact, type, "
               "at, value, campaign, %s)", k, fields_key);
      return -1;
    }
  }
  v = json_object_get(o, "contact");
  if (!json_is_string(v) || !*json_string_value(v))
    return bad(err, n, "%s", "field 'contact': the contact's key is required "
               "(a string)");
  e->key = json_string_value(v);
  if (strlen(e->key) > LRS_MAX_KEY)
    return snprintf(err, n, "field 'contact': a key is at most %d bytes",
                    LRS_MAX_KEY), -1;
  if ((v = json_object_get(o, "type")) && !json_is_null(v)) {
    if (!json_is_string(v) || !*json_string_value(v))
      return bad(err, n, "%s", "field 'type': must be a non-empty string");
    e->type = json_string_value(v);
    if (strlen(e->type) > LRS_MAX_KEY)
      return snprintf(err, n, "field 'type': an activity type is at most %d "
                      "bytes", LRS_MAX_KEY), -1;
  }
  if ((v = json_object_get(o, "at")) && !json_is_null(v) &&
      read_at(v, &e->at, err, n) != 0)
    return -1;
  if ((v = json_object_get(o, "value")) && !json_is_null(v)) {
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
      return bad(err, n, "%s", "field 'value': must be a number");
    e->has_value = 1;
    e->value = json_number_value(v);
  }
  if ((v = json_object_get(o, "campaign")) && !json_is_null(v)) {
    if (lrv_json_text(v, arena, &e->campaign) != 0)
      return bad(err, n, "%s", "field 'campaign': must be a string");
  }
  if ((v = json_object_get(o, fields_key))) {
    if (read_fields(v, fields_key, arena, e, err, n) != 0) return -1;
    e->create = mode;
  }
  if (!e->type && !e->create)
    return bad(err, n, "field 'type': %s", "required (the activity type, "
               "e.g. \"demo_request\")");
  return 0;
}
