/*
** pg_fields.c -- the fields registry on PostgreSQL.  A field that is not a
** column of contacts (every imported one but the well-known) is a key of
** contacts.data: adding it is one registry row, no ALTER TABLE.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "pg_int.h"

static const char *const TYPE_NAMES[] = { "text", "integer", "real" };

static int type_of(const char *s) {
  if (strcmp(s, "integer") == 0) return LRS_INTEGER;
  if (strcmp(s, "real") == 0) return LRS_REAL;
  return LRS_TEXT;
}

int lrs_pg_fields_load(lr_db *db, lrs_fields *out) {
  out->v = NULL;
  out->n = 0;
  PGresult *res;
  int rc = lrs_pg_query(db, "SELECT name, header, type, builtin, import_seq "
                        "IS NOT NULL FROM fields ORDER BY ord", 0, NULL, &res,
                        "fields");
  if (rc != LR_OK) return rc;
  int n = PQntuples(res);
  out->v = calloc((size_t)n + 1, sizeof *out->v);
  for (int i = 0; out->v && i < n; i++) {
    lrs_field *f = &out->v[out->n++];
    f->name = strdup(PQgetvalue(res, i, 0));
    f->header = strdup(PQgetvalue(res, i, 1));
    f->type = type_of(PQgetvalue(res, i, 2));
    f->builtin = atoi(PQgetvalue(res, i, 3));
    f->imported = PQgetvalue(res, i, 4)[0] == 't';
    if (!f->name || !f->header) break;
  }
  PQclear(res);
  if (!out->v || out->n < n || (n && !out->v[n - 1].header)) {
    lrs_fields_free(out);
    return lr__err(db, LR_NOMEM, "out of memory");
  }
  return LR_OK;
}

int lrs_pg_field_add(lr_db *db, const char *name, const char *header,
                     int type) {
  const char *p[] = { name, TYPE_NAMES[type], header };
  PGresult *res;
  int rc = lrs_pg_query(db, "INSERT INTO fields(name, type, header, builtin) "
                        "VALUES($1, $2, $3, 0)", 3, p, &res, "register field");
  PQclear(res);
  return rc;
}

int lrs_pg_field_note(lr_db *db, const char *name, const char *header,
                      int type, long long seq) {
  char s[24];
  snprintf(s, sizeof s, "%lld", seq);
  const char *p[] = { name, header, s, type >= 0 ? TYPE_NAMES[type] : NULL };
  PGresult *res;
  int rc = lrs_pg_query(db, "UPDATE fields SET "
      "header = CASE WHEN import_seq IS NULL THEN $2 ELSE header END, "
      "import_seq = $3::bigint, type = coalesce($4, type) WHERE name = $1",
      4, p, &res, "field");
  PQclear(res);
  return rc;
}

int lrs_pg_field_set_type(lr_db *db, const char *name, const char *type) {
  const char *p[] = { name, type };
  PGresult *res;
  int rc = lrs_pg_query(db, "UPDATE fields SET type = $2 WHERE name = $1", 2,
                        p, &res, "field type");
  PQclear(res);
  return rc;
}
