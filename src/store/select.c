/*
** select.c -- filtered id streams for scripts (leads{}).
*/
#include "select.h"

#include "db_int.h"
#include "pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counts.h"

#define BATCH 512

typedef struct stream {
  sqlite3_stmt *st;
  char *pgsql, *arg;             /* on PostgreSQL: its SQL ($1 arg, $2 after) */
  long long buf[BATCH];
  int n, pos;
  long long last;                /* keyset: the last id fetched */
  int done;
} stream;

struct lrs_select {
  lrs_snap *snap;
  stream a;                      /* contacts matching stage and where */
  stream b;                      /* members of the segment */
  int has_segment;
};

/* refill on PostgreSQL: an LR code, lrs_snap_errmsg says why. */
static int refill_pg(lrs_snap *snap, stream *s, int user) {
  s->n = s->pos = 0;
  if (s->done) return LR_OK;
  int rc = lrs_pg_select_ids(snap, s->pgsql, s->arg, s->last, s->buf, BATCH,
                             &s->n, user);
  if (rc != LR_OK) return rc;
  if (s->n) s->last = s->buf[s->n - 1];
  if (s->n < BATCH) s->done = 1;
  return LR_OK;
}

static int open_pg(lrs_snap *snap, const char *stage, const char *where,
                   const char *segment, lrs_select *s, char *err,
                   size_t errlen) {
  int rc = lrs_pg_select_sql(snap, where, BATCH, &s->a.pgsql, err, errlen);
  if (rc == LR_OK && stage && !(s->a.arg = strdup(stage))) rc = LR_NOMEM;
  if (rc == LR_OK && segment) {
    s->has_segment = 1;
    s->b.pgsql = strdup("SELECT contact_id FROM segment_members WHERE "
                        "segment = $1 AND contact_id > $2::bigint ORDER BY "
                        "contact_id LIMIT 512");
    s->b.arg = strdup(segment);
    if (!s->b.pgsql || !s->b.arg) rc = LR_NOMEM;
  }
  if (rc == LR_NOMEM) snprintf(err, errlen, "out of memory");
  return rc;
}

static int refill(stream *s, int base) {
  s->n = s->pos = 0;
  if (s->done) return SQLITE_OK;
  sqlite3_reset(s->st);
  sqlite3_bind_int64(s->st, base, s->last);
  sqlite3_bind_int(s->st, base + 1, BATCH);
  int rc;
  while ((rc = sqlite3_step(s->st)) == SQLITE_ROW)
    s->buf[s->n++] = sqlite3_column_int64(s->st, 0);
  sqlite3_reset(s->st);
  if (rc != SQLITE_DONE) return rc;
  if (s->n) s->last = s->buf[s->n - 1];
  if (s->n < BATCH) s->done = 1;
  return SQLITE_OK;
}

int lrs_select_open(lrs_snap *snap, const char *stage, const char *where,
                    const char *segment, lrs_select **out, char *err,
                    size_t errlen) {
  *out = NULL;
  sqlite3 *conn = snap->conn;
  lrs_select *s = calloc(1, sizeof *s);
  if (!s) return snap->pg ? LR_NOMEM : lrs__snap_rc(snap, SQLITE_NOMEM);
  s->snap = snap;
  s->a.last = s->b.last = -9223372036854775807LL - 1;
  if (snap->pg) {
    int rc = open_pg(snap, stage, where, segment, s, err, errlen);
    if (rc != LR_OK) {
      lrs_select_close(s);
      return rc;
    }
    *out = s;
    return LR_OK;
  }
  /* ?1 stage, ?2 after id, ?3 limit */
  int rc = lrs_prepare_user(conn,
      "SELECT id FROM contacts WHERE (?1 IS NULL OR stage = ?1 COLLATE "
      "NOCASE) AND id > ?2 AND ", where && *where ? where : "1",
      " ORDER BY id LIMIT ?3", &s->a.st, err, errlen);
  if (rc != SQLITE_OK) {
    lrs_select_close(s);
    return lrs__snap_rc(snap, rc);
  }
  if (stage) sqlite3_bind_text(s->a.st, 1, stage, -1, SQLITE_TRANSIENT);
  if (segment) {
    s->has_segment = 1;
    rc = sqlite3_prepare_v2(conn, "SELECT contact_id FROM segment_members "
                            "WHERE segment = ?1 AND contact_id > ?2 "
                            "ORDER BY contact_id LIMIT ?3", -1, &s->b.st,
                            NULL);
    if (rc != SQLITE_OK) {
      snprintf(err, errlen, "%s", sqlite3_errmsg(conn));
      lrs_select_close(s);
      return lrs__snap_rc(snap, rc);
    }
    sqlite3_bind_text(s->b.st, 1, segment, -1, SQLITE_TRANSIENT);
  }
  *out = s;
  return LR_OK;
}

int lrs_select_next(lrs_select *s, long long *ids, int max, int *n,
                    char *err, size_t errlen) {
  *n = 0;
  int rc;
  while (*n < max) {
    if (s->a.pos == s->a.n) {
      /* The user's `where`: under the limits and budget of user SQL. */
      if (s->snap->pg) {
        rc = refill_pg(s->snap, &s->a, 1);
        if (rc != LR_OK) {
          snprintf(err, errlen, "SQL failed on PostgreSQL: %s",
                   lrs_snap_errmsg(s->snap));
          return rc;
        }
        if (!s->a.n) break;
        goto merge;
      }
      lrs__user_enter(s->snap, LRS_USER_SELECT);
      rc = refill(&s->a, 2);
      lrs__user_leave(s->snap);
      if (rc != SQLITE_OK) {
        lrs_user_sqlerr(s->snap, rc, "SQL failed", err, errlen);
        return lrs__snap_rc(s->snap, rc);
      }
      if (!s->a.n) break;
    }
  merge:;
    long long a = s->a.buf[s->a.pos];
    if (!s->has_segment) {
      ids[(*n)++] = a;
      s->a.pos++;
      continue;
    }
    if (s->b.pos == s->b.n && s->snap->pg) {
      if ((rc = refill_pg(s->snap, &s->b, 0)) != LR_OK) {
        snprintf(err, errlen, "%s", lrs_snap_errmsg(s->snap));
        return rc;
      }
      if (!s->b.n) break;
    } else if (s->b.pos == s->b.n) {
      if ((rc = refill(&s->b, 2)) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(s->snap->conn));
        return lrs__snap_rc(s->snap, rc);
      }
      if (!s->b.n) break;
    }
    long long b = s->b.buf[s->b.pos];
    if (a == b) {
      ids[(*n)++] = a;
      s->a.pos++;
      s->b.pos++;
    } else if (a < b) {
      s->a.pos++;
    } else {
      s->b.pos++;
    }
  }
  return LR_OK;
}

void lrs_select_close(lrs_select *s) {
  if (!s) return;
  sqlite3_finalize(s->a.st);
  sqlite3_finalize(s->b.st);
  free(s->a.pgsql);
  free(s->a.arg);
  free(s->b.pgsql);
  free(s->b.arg);
  free(s);
}

int lrs_distinct(lrs_snap *snap, int what,
                 int (*cb)(void *ctx, const char *name), void *ctx) {
  if (snap->pg)
    return lrs_pg_distinct(snap, what == LRS_DISTINCT_STAGES, cb, ctx);
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(snap->conn, what == LRS_DISTINCT_STAGES
      ? "WITH r AS (SELECT stages FROM runs WHERE kind = 'run'"
        " AND dry_run = 0 AND json_valid(stages) ORDER BY id DESC LIMIT 1)"
        /* one spelling per name: the contacts', then the history's */
        " SELECT s, min(p) FROM (SELECT stage AS s, 0 AS p FROM contacts"
        " UNION ALL SELECT to_stage, 1 FROM stage_history"
        " UNION ALL SELECT j.value, 2 FROM r, json_each(r.stages, '$.funnel') j"
        " UNION ALL SELECT j.value, 2 FROM r, json_each(r.stages, '$.side') j)"
        " WHERE s <> '' GROUP BY lower(s) ORDER BY lower(s)"
      : "SELECT DISTINCT segment FROM segment_members ORDER BY 1",
      -1, &st, NULL);
  if (rc != SQLITE_OK) return lrs__snap_rc(snap, rc);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    if (cb(ctx, (const char *)sqlite3_column_text(st, 0))) break;
  sqlite3_finalize(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? LR_OK : lrs__snap_rc(snap, rc);
}
