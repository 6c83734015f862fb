/*
** pg_cancel.c -- a statement on a snapshot that Ctrl-C stops, on
** PostgreSQL.  SQLite's progress handler (snap.c) looks at the snapshot's
** cancel flag every thousand VM steps; libpq's PQexec waits in the kernel
** for the server's answer and looks at no flag, so a long query() in the
** shell ran on to its statement_timeout.  Here the statement is sent,
** and the wait for its answer polls the socket and the flag (a signal
** ends poll() at once with EINTR; else every 50 ms): once the flag is
** set, a cancel request goes to the server (PQcancel), whose answer is
** the statement's error 57014, which lrs_pg_snap_err maps to
** LR_INTERRUPT.  The connection stays usable.
*/
#include <errno.h>
#include <poll.h>

#include "db_int.h"
#include "pg_int.h"

#define TICK_MS 50

static void cancel_now(PGconn *c) {
  PGcancel *k = PQgetCancel(c);
  char err[256];
  if (k) PQcancel(k, err, sizeof err);  /* its failure: the wait goes on */
  PQfreeCancel(k);
}

/* Wait for what was sent, watching *cancel: PQexec's answer (the last
** result, or the first error). */
PGresult *lrs_pg_wait(PGconn *c, volatile int *cancel) {
  int asked = 0;
  while (PQisBusy(c)) {
    if (cancel && *cancel && !asked) {
      cancel_now(c);
      asked = 1;
    }
    struct pollfd p = { PQsocket(c), POLLIN, 0 };
    int r = poll(&p, 1, TICK_MS);
    if (r < 0 && errno != EINTR) break;     /* PQgetResult says what */
    if (r > 0 && !PQconsumeInput(c)) break;
  }
  PGresult *last = NULL, *res;
  while ((res = PQgetResult(c)) != NULL) {
    ExecStatusType st = PQresultStatus(res);
    if (last && PQresultStatus(last) == PGRES_FATAL_ERROR) {
      PQclear(res);                        /* the first error is the one */
      continue;
    }
    PQclear(last);
    last = res;
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT ||
        st == PGRES_COPY_BOTH || PQstatus(c) == CONNECTION_BAD)
      break;
  }
  return last;
}
