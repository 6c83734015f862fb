/*
** pg_manual_read.c -- manual.h's reads on a PostgreSQL snapshot, for
** explain: a contact's latest moves and edits by a person or a script,
** and the stage the move that locked it left it in.  The same
** statements as manual.c's, in PostgreSQL's spelling.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "manual.h"
#include "pg_int.h"

static const char EVENTS[] =
    "SELECT kind, at, by, reason, rk, a, b, c FROM ("
    " SELECT 'move' AS kind, h.at AS at, h.by AS by, h.reason AS reason,"
    "  r.kind AS rk, h.from_stage AS a, h.to_stage AS b, NULL AS c,"
    "  h.id AS seq, 0 AS src"
    " FROM stage_history h JOIN runs r ON r.id = h.run_id"
    " WHERE h.contact_id = $1 AND r.kind IN ('manual', 'script')"
    " UNION ALL"
    " SELECT 'set', a.at, a.by, a.reason, r.kind, a.field,"
    "  a.old_value #>> '{}', a.new_value #>> '{}', a.id, 1"
    " FROM audit a LEFT JOIN runs r ON r.id = a.run_id"
    " WHERE a.contact_id = $1) e"
    " ORDER BY at DESC, src DESC, seq DESC LIMIT $2";

static const char *col(const PGresult *r, int row, int i) {
  return PQgetisnull(r, row, i) ? NULL : PQgetvalue(r, row, i);
}

int lrs_pg_manual_events(lrs_snap *snap, long long id, int limit,
                         int (*cb)(void *ctx, const lrs_manual_event *e),
                         void *ctx) {
  char ids[24], lim[24];
  snprintf(ids, sizeof ids, "%lld", id);
  snprintf(lim, sizeof lim, "%d", limit);
  const char *p[] = { ids, lim };
  PGresult *res;
  int rc = lrs_pg_snap_query(snap, EVENTS, 2, p, &res);
  if (rc != LR_OK) return rc;
  for (int i = 0, n = PQntuples(res); i < n; i++) {
    lrs_manual_event e;
    memset(&e, 0, sizeof e);
    e.kind = col(res, i, 0);
    e.at = strtoll(PQgetvalue(res, i, 1), NULL, 10);
    e.by = col(res, i, 2);
    e.reason = col(res, i, 3);
    e.run_kind = col(res, i, 4);
    if (e.kind && strcmp(e.kind, "move") == 0) {
      e.from = col(res, i, 5);
      e.to = col(res, i, 6);
    } else {
      e.field = col(res, i, 5);
      e.old_value = col(res, i, 6);
      e.new_value = col(res, i, 7);
    }
    if (cb(ctx, &e)) break;
  }
  PQclear(res);
  return LR_OK;
}

int lrs_pg_manual_stage(lrs_snap *snap, long long id, long long manual_at,
                        char **stage) {
  *stage = NULL;
  char ids[24], at[24];
  snprintf(ids, sizeof ids, "%lld", id);
  snprintf(at, sizeof at, "%lld", manual_at);
  const char *p[] = { ids, at };
  PGresult *res;
  int rc = lrs_pg_snap_query(snap, "SELECT h.to_stage FROM stage_history h "
      "JOIN runs r ON r.id = h.run_id WHERE h.contact_id = $1 AND h.at = $2 "
      "AND r.kind IN ('manual', 'script') ORDER BY h.id DESC LIMIT 1", 2, p,
      &res);
  if (rc != LR_OK) return rc;
  if (PQntuples(res) && !PQgetisnull(res, 0, 0) &&
      !(*stage = strdup(PQgetvalue(res, 0, 0))))
    rc = LR_NOMEM;
  PQclear(res);
  return rc;
}
