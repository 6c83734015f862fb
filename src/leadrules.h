/*
** leadrules.h -- the public API of libleadrules.
**
** leadrules is a lead-qualification engine: contacts live in one SQLite
** file, qualification policies are Lua scripts, and the engine applies a
** policy to every contact, records what changed and why, and hands
** qualified leads to sales.
**
** Conventions (in the manner of sqlite3.h):
**
**  Objects.  Handles are opaque: lr_db (an open database), lr_policy (a
**  loaded policy, bound to one lr_db) and lr_session (an interactive Lua
**  session, bound to one lr_db).  Every object is owned by whoever created
**  it and released by the matching destructor (lr_close, lr_policy_free,
**  lr_session_close, lr_run_result_free); every destructor accepts NULL.
**  A policy or session must be freed before its database: lr_close()
**  refuses with LR_MISUSE while any is alive, and closes nothing.
**
**  Errors.  Functions return an integer result code: LR_OK (0) on
**  success, one of the LR_* codes below otherwise; lr_errstr(rc) names a
**  code.  The message for the last call on a database handle is
**  lr_errmsg(db) (and its code lr_errcode(db)); it is owned by the handle
**  and valid until the next call on that handle or anything bound to it.
**  Errors of a policy or session are reported through its database.  A
**  NULL handle or a NULL required argument returns LR_MISUSE and touches
**  nothing (there is no handle to hold a message; lr_errmsg(NULL) returns
**  a static text).  The library never prints, never calls exit() or
**  abort(), and keeps no global state, with one exception: a debugging
**  aid for a policy or session freed twice (lr_policy_free).
**
**  Options.  Every `opts` argument may be NULL for the defaults.  Option
**  structs start with `size_t size`: initialise them with their LR_*_INIT
**  macro (which sets size to sizeof the struct and every field to its
**  default, zero) and then set the fields you want.  This lets a struct
**  grow at the end without breaking callers:
**   - a smaller size (a caller built with an older leadrules.h) gives the
**     default to every field the caller does not know about;
**   - a larger size (a newer header than the library) is accepted when
**     the fields this library does not know are all zero, and refused
**     with LR_MISUSE otherwise (the caller asked for something this
**     library cannot do);
**   - size 0 is refused with LR_MISUSE: a struct cleared with memset or
**     "= {0}" would otherwise silently lose fields such as dry_run.
**  A clock (`now`, in options or as an argument) is 0 for the current
**  time, or unix seconds from 1 to LR_TIME_MAX (9999-12-31T23:59:59Z);
**  any other value is refused with LR_MISUSE, never replaced by the
**  current time (see LR_TIME_MAX below).
**
**  Results.  Every `report`, `result` or `summary` argument may be NULL
**  when the caller does not want it.  These structs are filled by the
**  library and allocated by the caller, so their size is part of the ABI:
**  they never change within one SONAME (libleadrules.so.0).  Newer
**  information comes through new accessor functions or _v2 entry points,
**  never through a changed struct or signature.
**
**  Strings.  Strings passed in are copied when the library keeps them.
**  Strings handed out are owned by the library: those inside a
**  callback's argument are valid only during the call, those in a result
**  until its release function, those of a handle until it is closed.
**
**  Callbacks (progress, change, explain, write, setup) run on the calling
**  thread unless documented otherwise.  They must not call the library on
**  the same lr_db (or anything bound to it); they may stop the work by
**  returning non-zero, which fails the call with LR_INTERRUPT (LR_IO for
**  a write callback, LR_POLICY for setup) and rolls everything back.
**
**  Threads.  An lr_db and everything bound to it must be used by one
**  thread at a time (the library takes no locks on it).  Separate
**  handles, even on the same file, may be used from different threads or
**  processes concurrently: readers see the last committed state and do
**  not wait for writers; a second writer waits up to the busy timeout
**  (lr_busy_timeout, default 5000 ms) for the first to commit, then fails
**  with LR_BUSY.  Keep a non-zero busy timeout on readers too: SQLite
**  locks the file for a moment when a connection opens or closes it.
**  lr_run is a writer for its whole duration, even a dry run (it holds
**  the write lock so that every worker evaluates the same snapshot).
**  lr_run may use worker threads internally (opts->jobs); that is
**  invisible to the caller except for lr_policy_opts.setup.  Functions
**  that take no handle (lr_libversion, lr_errstr, lr_parse_*, ...) are
**  safe from any thread.
*/
#ifndef LEADRULES_H
#define LEADRULES_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
** Version of the header.  lr_libversion() gives the library actually
** linked; they differ when a program runs against another build.
*/
#define LR_VERSION        "0.1.0"
#define LR_VERSION_NUMBER 1000        /* major*1000000 + minor*1000 + patch */

#if defined(__GNUC__)
#  define LR_API __attribute__((visibility("default")))
#else
#  define LR_API
#endif

/*
** Result codes.  lr_errstr(rc) gives a short English description.
*/
#define LR_OK         0   /* success */
#define LR_ERROR      1   /* generic error; see lr_errmsg() */
#define LR_MISUSE     2   /* API used wrongly (NULL handle, handle in use) */
#define LR_NOTFOUND   3   /* no such contact, file or object */
#define LR_BUSY       4   /* database locked by another writer past timeout */
#define LR_NOMEM      5   /* out of memory */
#define LR_POLICY     6   /* policy failed to load or raised an error */
#define LR_LIMIT      7   /* a sandbox limit (instructions, memory) was hit */
#define LR_INPUT      8   /* bad input data (CSV row, duration, date) */
#define LR_NOTADB     9   /* file is not a leadrules database */
#define LR_SCHEMA    10   /* database written by a newer leadrules */
#define LR_IO        11   /* file could not be read or written */
#define LR_INTERRUPT 12   /* cancelled through a cancel flag or callback */
#define LR_READONLY  13   /* database or file is read-only */
#define LR_CORRUPT   14   /* database file is malformed */
#define LR_FULL      15   /* disk or file-size limit reached */
#define LR_TESTFAIL  16   /* policy unit tests ran and some failed */

typedef struct lr_db lr_db;             /* an open database */
typedef struct lr_policy lr_policy;     /* a loaded policy, bound to a db */
typedef struct lr_session lr_session;   /* a Lua session, bound to a db */
struct lua_State;                       /* from <lua.h>, Lua 5.4 */

/* The version of the library actually linked ("0.1.0"); static. */
LR_API const char *lr_libversion(void);
/* The same as a number (LR_VERSION_NUMBER of the library's build). */
LR_API int lr_libversion_number(void);
/* Static English text for a result code; "unknown error" for codes this
** version does not know; never NULL. */
LR_API const char *lr_errstr(int rc);

/*
** Databases
*/

/* Flags for lr_open_v2. */
#define LR_OPEN_READONLY  0x01  /* open read-only; fails if file is missing */
#define LR_OPEN_NOCREATE  0x02  /* do not create a missing file: a program
                                ** that only reads (the CLI's export,
                                ** report, info, explain, backtest, diff,
                                ** check, shell) opens with it so that a
                                ** mistyped path creates nothing */

/*
** Open (creating it if missing) the database at `path` and bring its
** schema up to date with forward migrations (in one transaction).
** ":memory:" opens a private in-memory database.
**
** *db is set even on failure, so that lr_errmsg(*db) can say why; the
** caller must lr_close() it in both cases.  *db is NULL only when memory
** ran out (LR_NOMEM) or `db` itself is NULL (LR_MISUSE).  Errors: a NULL
** or empty path LR_MISUSE; a directory, an unopenable file or a missing
** directory LR_IO (a file this user may not read says so); a new
** file in a directory this user may not write, or a database whose -wal
** and -shm files cannot be created beside it, LR_READONLY; a file that is
** not a leadrules database LR_NOTADB, one written by a newer version
** LR_SCHEMA (both left unchanged); a locked file LR_BUSY.
*/
LR_API int lr_open(const char *path, lr_db **db);
/*
** PostgreSQL: a `path` that starts with postgresql:// or postgres:// is a
** libpq connection URI (postgresql://user@host:port/dbname; libpq's PG*
** environment variables fill in what it leaves out) and opens the
** PostgreSQL store (docs/postgresql.md), creating the schema on first use
** of an empty database.  The handle keeps the URI without its password
** (lr_db_path, messages).  An unreachable server is LR_IO; a schema holding
** other tables LR_NOTADB.  Imports of contacts, activities and outcomes,
** export and info work on it; any other call fails with LR_ERROR and
** "... is not supported on PostgreSQL yet".
*/
/*
** lr_open with LR_OPEN_* flags and a busy timeout in milliseconds
** (negative: the default, 5000).  A missing file with LR_OPEN_READONLY or
** LR_OPEN_NOCREATE is LR_NOTFOUND; a read-only open of a database that
** needs migrating is LR_READONLY.
*/
LR_API int lr_open_v2(const char *path, lr_db **db, int flags, int busy_ms);
/*
** Close the database and free the handle.  Refused with LR_MISUSE (and
** nothing closed: the handle stays usable, lr_errmsg says why) while
** policies, sessions or outputs (lr_output) on it are still alive.  A
** transaction left open by a failure is rolled back.  On PostgreSQL, a
** handle that created the schema, committed nothing and had an import
** fail (a failed first import: a bad row, or before anything was read, a
** file that cannot be read or a refused option) drops that empty schema,
** so the database is as it was; the command-line tool removes a new SQLite file the same way.  It
** drops nothing when another connection has made something in that
** schema or on its tables meanwhile (a table, view, function, index ...):
** the empty leadrules tables then stay, and the next import fills them.
** lr_close(NULL) is a no-op (LR_OK).
*/
LR_API int lr_close(lr_db *db);
/*
** English message for the last call on db: "not an error" after a
** success.  Owned by db, valid until the next call on db or anything
** bound to it.  Messages name what failed, e.g. "leads.csv:12: column
** 'created_at': not a date" or "policy.lua:7: contact ann@x.example:
** attempt to compare nil with number".  lr_errmsg(NULL) returns a static
** text (there is no handle: out of memory in lr_open, or a NULL argument).
*/
LR_API const char *lr_errmsg(lr_db *db);
/* Result code of the last call on db (LR_OK after a success); LR_NOMEM
** for a NULL db, matching lr_open's only way to leave one. */
LR_API int lr_errcode(lr_db *db);
/* Set how long a writer waits for another writer's lock, in milliseconds
** (negative counts as 0: fail at once).  LR_MISUSE for a NULL or failed
** handle. */
LR_API int lr_busy_timeout(lr_db *db, int ms);
/* The path the database was opened with (owned by db); NULL for NULL. */
LR_API const char *lr_db_path(lr_db *db);
/* "sqlite" or "postgresql": the store db is on (static); NULL for NULL. */
LR_API const char *lr_db_backend(lr_db *db);

/*
** Import
*/
#define LR_CONTACTS   1
#define LR_ACTIVITIES 2
#define LR_OUTCOMES   3
#define LR_ACCOUNTS   4     /* companies keyed by domain (issue 19) */

typedef struct lr_import_opts {
  size_t size;              /* sizeof(lr_import_opts): use the INIT macro */
  const char *key;          /* the contact key column, by header or field
                               name (default: the db's key field, which is
                               "email" until a first contacts import keys
                               it otherwise; a db has one key field) */
  char delimiter;           /* 0: detect among , ; TAB */
  const char *const *nulls; /* cell values that mean NULL, e.g. "Select" */
  int n_nulls;
  const char *const *maps;  /* "Header=field" renames; "Header=" skips */
  int n_maps;
  const char *encoding;     /* input encoding for iconv (NULL: UTF-8) */
  const char *rejects;      /* write bad rows here and commit the rest
                               (cells as read + a reject_reason cell) */
  /* Called every 16384 rows, on the caller's thread; return non-zero to
  ** cancel. */
  int (*progress)(void *ctx, long long rows);
  void *progress_ctx;
  volatile int *cancel;     /* set non-zero (e.g. from a signal) to cancel */
  long long now;            /* the import's clock (unix s; 0: current time):
                               imports.at and the contacts' data_at */
} lr_import_opts;
#define LR_IMPORT_OPTS_INIT { sizeof(lr_import_opts), 0,0,0,0,0,0,0,0,0,0,0,0 }

/* What an import did (frozen layout; see "Results" above). */
typedef struct lr_import_report {
  long long rows_read;      /* data rows read (header excluded) */
  long long inserted;       /* new rows */
  long long updated;        /* rows that replaced an existing key */
  long long merged;         /* rows whose key appeared earlier in the file */
  long long rejected;       /* rows written to the rejects file */
  int fields_created;       /* columns added to the contacts table */
  int columns;              /* columns in the file */
  char key_field[64];       /* contacts: the field used as key */
} lr_import_report;

/*
** Import a CSV file of `kind` (LR_CONTACTS, LR_ACTIVITIES, LR_OUTCOMES) in
** one transaction, streaming it in constant memory; contacts are upserted
** on their key, new columns become fields.  On a bad row the whole import
** is rolled back (the database is unchanged) and lr_errmsg() says
** "file:line: column 'Header': problem" (line: the physical line where the
** row starts), unless opts->rejects is set, in which case bad rows are
** written there with the reason and the rest commits.  Damage to the CSV
** structure itself (a quote never closed, a stray quote) and problems
** with the header always roll back.  The rejects file is an lr_output
** (below) for "--rejects" with `path` as its input: the database, its
** files and the CSV itself are refused (LR_MISUSE) before anything is
** read, and the file is renamed into place only after the commit (should
** that rename fail, LR_IO says so and the import stays committed); a
** rolled-back import leaves an older file as it was.  `path` "-" reads
** stdin.  `report` may be NULL.
** Returns LR_INPUT for bad data, LR_NOTFOUND for a missing file, LR_IO
** for unreadable files, LR_MISUSE for a NULL db or path, an unknown kind
** or bad options (--map, --encoding, a refused --rejects), LR_INTERRUPT
** when cancelled, LR_BUSY when another writer holds the database.  A contacts import parses on a
** second thread, and so does an activities import of a file large next to
** the contacts table (or from stdin); callbacks still run on the caller's
** thread.
*/
LR_API int lr_import_csv(lr_db *db, int kind, const char *path,
                         const lr_import_opts *opts, lr_import_report *report);

/*
** Export and other text output
*/

/* Output sink: write n bytes (not NUL-terminated; valid only during the
** call).  Return non-zero to stop: the call then fails with LR_IO.
** lr_export, lr_info and lr_report need one (NULL is LR_MISUSE); for
** lr_check, lr_test, lr_backtest, lr_diff, lr_script and lr_session_eval
** NULL discards the output (their counts, summary or return code still
** tell the caller what happened). */
typedef int (*lr_write_fn)(void *ctx, const char *data, size_t n);

/*
** Output files.  A file the user names for output (a report, a rejects
** file) is written through an lr_output, so that no option can overwrite
** the database or an input, and a failed command leaves the file as it
** was:
**
**   lr_output *out;
**   const char *inputs[] = { "policy.lua" };
**   if (lr_output_open(db, "--html", "report.html", inputs, 1, &out) != LR_OK)
**     return fail(lr_errmsg(db));    // refused: nothing was created
**   o.html_write = lr_output_write;   // any lr_write_fn with ctx = out
**   o.html_ctx = out;
**   rc = lr_report(db, &o, write, ctx);
**   rc = rc == LR_OK ? lr_output_commit(out) : (lr_output_abort(out), rc);
**
** lr_output_open refuses, before creating anything, a path that is the
** same file as the database of db or its -wal, -shm or -journal file, as
** one of inputs[0..n_inputs-1] ("-" is the standard input; NULL entries
** are skipped), or as the file of another lr_output open on db; "the
** same" is the same device and inode, or for files that do not exist yet
** the same name once symlinks and ".." are resolved.  A directory is
** refused too.  Refusals are LR_MISUSE with lr_errmsg(db) "OPT PATH: that
** is the database; choose another file" (OPT: the option that named the
** file, e.g. "--html"; NULL leaves it out).  A path that cannot be
** written (a missing or read-only directory, a read-only file) is LR_IO,
** "OPT PATH: cannot write: REASON".  Otherwise the output is written to
** a new temporary file beside PATH (through a symlink: beside the file it
** points to), mode 0666 less the umask, and PATH is untouched until
** lr_output_commit fsyncs it and renames it over PATH.  An existing PATH
** that is not a regular file (/dev/stdout, a pipe) is written in place.
** The output holds db like a policy does: lr_close refuses while it is
** open.
*/
typedef struct lr_output lr_output;
LR_API int lr_output_open(lr_db *db, const char *opt, const char *path,
                          const char *const *inputs, int n_inputs,
                          lr_output **out);
/* An lr_write_fn: append n bytes to the output (ctx is the lr_output).
** Non-zero after a failed write; lr_output_commit then says why. */
LR_API int lr_output_write(void *output, const char *data, size_t n);
/* Put the output in place and free it.  LR_OK; or LR_IO (LR_FULL for a
** full disk) with lr_errmsg(db) "OPT PATH: cannot write: REASON", the
** temporary file removed and PATH as it was.  NULL is LR_MISUSE. */
LR_API int lr_output_commit(lr_output *output);
/* Give the output up: remove the temporary file, leave PATH as it was,
** free the output.  NULL is a no-op. */
LR_API void lr_output_abort(lr_output *output);

typedef struct lr_export_opts {
  size_t size;              /* sizeof(lr_export_opts): use the INIT macro */
  const char *stage;        /* only contacts in this stage */
  const char *segment;      /* only members of this segment */
  const char *fields;       /* comma-separated field names (default: all) */
  int json;                 /* JSON array of objects instead of CSV */
  int raw;                  /* do not neutralise formula-like cells */
  int field_names;          /* header uses field names, not original headers */
  const char *sort;         /* comma-separated fields to sort by (names,
                               headers or grade_NAME), then id; NULL: id */
  int desc;                 /* sort descending (ties still by id, ascending) */
  int epoch;                /* times as unix seconds, not ISO-8601 text */
  /* NULL, or where a note for the user goes: when stage or segment
  ** matched no contact, one line ending in a newline that says which and
  ** lists the stages or segments that have contacts ("no contact is in
  ** stage 'sqll' (the stages with contacts: lead 3, mql 1)"); the export
  ** itself is still LR_OK, an empty CSV (header only) or JSON array. */
  lr_write_fn note;
  void *note_ctx;
} lr_export_opts;
#define LR_EXPORT_OPTS_INIT { sizeof(lr_export_opts), 0,0,0,0,0,0,0,0,0, 0,0 }

/*
** Export contacts as RFC 4180 CSV (or a JSON array of objects) through
** `write`, from one read snapshot, in id order or sorted by opts->sort
** (empty values first, last with opts->desc): the key field, the imported
** fields in table order, then stage, owner, score, grade (the first
** declared grade) and one grade_NAME column per grade the last run stored
** (grade_fit, grade_total...; a field of the same name wins), or
** opts->fields.  Times (created_at, due_at, assigned_at, stage_since,
** updated_at, manual_at, manual_until, data_at) are ISO-8601 UTC text
** ("2026-03-01T09:00:00Z", which imports back as the same time) unless
** opts->epoch.  Numbers are written as numbers in their shortest exact
** form; in CSV, text cells starting with = + - @ TAB or CR get a leading '
** unless opts->raw.  Returns LR_INPUT for an unknown field in
** opts->fields or opts->sort, LR_IO when write fails.
*/
LR_API int lr_export(lr_db *db, const lr_export_opts *opts,
                     lr_write_fn write, void *ctx);

/*
** Policies
*/
typedef struct lr_policy_opts {
  size_t size;              /* sizeof(lr_policy_opts): use the INIT macro */
  int allow_local_modules;  /* require() may load modules beside the policy */
  long long max_instructions; /* per contact; 0: default (10,000,000) */
  size_t max_memory;        /* bytes for the Lua state; 0: default (256 MiB) */
  /*
  ** Called for every Lua state the policy uses, before the policy chunk
  ** runs in it: once in lr_policy_load*, and once per worker state when a
  ** run or another entry point evaluates in parallel, possibly on worker
  ** threads at the same time.  Register host functions here (lua_register)
  ** so that the policy can call them at load time and in every worker.
  ** Runs in protected mode: a Lua error or a non-zero return fails the
  ** load with LR_POLICY.  Must be thread-safe, and so must the functions
  ** it registers when runs use more than one job.  NULL: none.
  */
  int (*setup)(void *ctx, struct lua_State *L);
  void *setup_ctx;
  /*
  ** Where the policy's log(...) lines go: each call gets one whole line
  ** ("policy.lua:12: log: contact KEY: values
", control characters
  ** escaped, values cut at 2000 bytes), possibly from several worker
  ** threads at once, so it must be thread-safe.  NULL: stderr, one
  ** fwrite per line.
  */
  void (*log)(void *ctx, const char *line, size_t n);
  void *log_ctx;
} lr_policy_opts;
#define LR_POLICY_OPTS_INIT { sizeof(lr_policy_opts), 0, 0, 0, 0, 0, 0, 0 }

/*
** Load the policy file at `path` into a sandboxed Lua state bound to db.
** On success *policy is a new handle, owned by the caller, to be freed
** with lr_policy_free() before lr_close(db).  On failure *policy is NULL
** and lr_errmsg(db) names "file:line: problem": LR_IO for an unreadable
** file, LR_POLICY for a syntax or declaration error (unknown stage,
** duplicate rule...), LR_LIMIT when loading exceeds a sandbox limit,
** LR_MISUSE for a NULL argument.  Binary (precompiled) chunks are refused.
*/
LR_API int lr_policy_load(lr_db *db, const char *path, lr_policy **policy);
/* lr_policy_load with options (NULL: defaults). */
LR_API int lr_policy_load_v2(lr_db *db, const char *path,
                             const lr_policy_opts *opts, lr_policy **policy);
/* Load a policy from memory (`source`, `len` bytes, copied); `name`
** (NULL: "policy") appears in error messages as the file name.  Modules
** are not searched beside it.  Errors as lr_policy_load. */
LR_API int lr_policy_load_string(lr_db *db, const char *name,
                                 const char *source, size_t len,
                                 const lr_policy_opts *opts,
                                 lr_policy **policy);
/* Free a policy and its Lua state (NULL is a no-op).  Results of runs
** made with it stay valid.  Freeing it twice is caught while its memory
** is not reused (a field cleared on free; a debugging aid, not a
** promise): a message on stderr, then abort().  Functions returning a code
** give LR_MISUSE for a freed policy, likewise.  The same holds for
** lr_session_close. */
LR_API void lr_policy_free(lr_policy *policy);
/*
** The policy's main Lua state, owned by the policy (never lua_close it),
** or NULL for NULL.  Use it to give the policy host functions that its
** rules call at evaluation time: push the value on this state and store
** it with lr_policy_setglobal():
**
**   lua_State *L = lr_policy_lua(policy);
**   lua_pushcclosure(L, enrich_domain, 0);
**   lr_policy_setglobal(policy, "enrich_domain");
**
** The policy's globals are frozen once it has loaded: lua_setglobal(),
** lua_register() and lua_getglobal() of an undefined name raise a Lua
** error, which outside a protected call aborts the process.  Functions
** stored this way exist only in this state, so once lr_policy_lua() was
** called the entry points evaluate in this state on the calling thread
** (opts->jobs is ignored); to keep parallel runs, register through
** lr_policy_opts.setup instead.  Host functions run under the sandbox
** limits.  Leave the stack as you found it.
*/
LR_API struct lua_State *lr_policy_lua(lr_policy *policy);
/*
** Pop the value on top of lr_policy_lua(policy)'s stack and make it the
** global `name` of the policy (replacing any), past the freeze.  The
** value is popped whatever the result.  Returns LR_OK, LR_MISUSE for a
** NULL policy, a NULL or empty name or an empty stack, LR_NOMEM.
*/
LR_API int lr_policy_setglobal(lr_policy *policy, const char *name);
/* SHA-256 of the policy source as 64 hex digits (owned by the policy);
** NULL for NULL. */
LR_API const char *lr_policy_hash(lr_policy *policy);

/*
** Running a policy
*/

/* One contact whose score, stage or grade changed, passed to on_change.
** Built by the library: never allocate one (it may grow at the end). */
typedef struct lr_change {
  long long contact_id;
  const char *key;          /* the contact's key */
  double old_score, new_score;
  const char *old_stage, *new_stage;  /* NULL: no stage */
  /* The first declared grade, as stored before and after (NULL: none;
  ** every grade: lr_contact_get after the run). */
  const char *old_grade, *new_grade;
  /* "policy.lua:LINE" of the policy's notify { when = ... } declaration
  ** that selected this change, or NULL (docs/realtime.md). */
  const char *notify;
} lr_change;

typedef struct lr_run_opts {
  size_t size;              /* sizeof(lr_run_opts): use the INIT macro */
  int dry_run;              /* compute everything, then roll back */
  long long now;            /* the run's clock (unix s); 0: current time */
  int keep_going;           /* record a failing contact's error, go on */
  int jobs;                 /* evaluation threads; 0: number of cores */
  int override_manual;      /* apply the policy over manual locks, and end
                               them (not in a dry run) */
  int collect;              /* keep moves and handoffs in the result */
  /* Called on the calling thread as contacts are evaluated (and once at
  ** the end with done == total); return non-zero to cancel. */
  int (*progress)(void *ctx, long long done, long long total);
  void *progress_ctx;
  /* Called for each contact whose score, stage or grade changed, in
  ** contact order, before commit
  ** (so a later failure may still roll it back: push to other systems
  ** from the result after lr_run returns LR_OK).  Non-zero cancels. */
  int (*on_change)(void *ctx, const lr_change *change);
  void *change_ctx;
  /* Polled between contacts and by the Lua hook inside rules; set it
  ** non-zero (a signal handler may) to cancel: LR_INTERRUPT, rolled back. */
  volatile int *cancel;
  /* With collect: keep at most this many moves and this many handoffs
  ** (the first, in contact order); the counts in the result stay whole.
  ** 0: keep them all (about 100 bytes each). */
  long long collect_max;
  /* A filtered run: with ids non-NULL, evaluate only the contacts
  ** ids[0..n_ids) (strictly increasing; ids of no contact are skipped;
  ** n_ids 0 evaluates none), through the same path as a full run: the
  ** same routing state and round-robin order, history, handoffs, SQL
  ** segments evaluated for those contacts, and a runs row (evaluated
  ** counts the set).  For each contact in the set the result equals that
  ** of a full run at the same now; the others are left as they are.
  ** The array is only read during the call.  NULL: every contact. */
  const long long *ids;
  long long n_ids;
  /* An incremental run (run --changed, docs/incremental.md): evaluate
  ** only the contacts whose result can differ from the last run of this
  ** policy, those whose data changed since (imports, moves, sets) and
  ** those whose contacts.stable_until has come; the database ends up as
  ** a full run at the same now would leave it (but for the runs row).
  ** When that cannot be known it evaluates every contact and says why:
  ** lr_run_full_reason().  Not with ids, nor with override_manual (a
  ** full run, reason LR_FULL_OVERRIDE). */
  int changed;
  /* Write no outbox rows (run --no-outbox; docs/realtime.md).  By
  ** default a run appends each move, handoff (the contacts', then the
  ** accounts') and notify verdict to the outbox in its transaction; a
  ** dry run never does. */
  int no_outbox;
} lr_run_opts;
#define LR_RUN_OPTS_INIT { sizeof(lr_run_opts), 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0 }

/* A stage move, as collected with opts->collect. */
typedef struct lr_move {
  long long contact_id;
  const char *key;
  const char *from, *to;    /* from is NULL for a contact without stage */
  const char *transition;   /* "policy.lua:LINE" of the transition; NULL
                               for the initial stage */
  const char *reason;
} lr_move;

/* A handoff to sales, as collected with opts->collect. */
typedef struct lr_handoff {
  long long contact_id;
  const char *key;
  const char *stage;
  const char *owner;
  long long at, due;        /* unix seconds; due 0 when no SLA */
} lr_handoff;

typedef struct lr_count {
  const char *name;         /* transition "from->to", or owner */
  long long n;
} lr_count;

/*
** What a run did.  Allocated by the caller (on the stack is fine), filled
** by lr_run, released with lr_run_result_free().  Everything it points to
** is owned by the result, stays valid after lr_policy_free() and until
** lr_run_result_free().
**
** ABI note: moves and handoffs are best read through the accessors below
** (lr_run_move_count/lr_run_move, lr_run_handoff_count/lr_run_handoff,
** lr_run_error_count/lr_run_error).  The arrays stay for source
** compatibility, but arrays in a caller-allocated struct are a poor ABI:
** the caller compiles in both the struct's size and each element's
** stride, so neither lr_run_result nor lr_move/lr_handoff/lr_count could
** ever gain a field, and the library could never change how it stores
** them (e.g. spill a million handoffs to disk).  The accessors compute
** addresses inside the library, so they survive such changes; the arrays
** and these element layouts are frozen for SONAME 0 and may go in the
** next one.
*/
typedef struct lr_run_result {
  long long run_id;         /* id in the runs table (0 for a dry run) */
  long long now;            /* the clock the run used */
  long long evaluated;      /* contacts evaluated */
  long long score_changes;  /* contacts whose score changed */
  long long stage_changes;  /* contacts whose stage changed */
  long long moves;          /* stage moves (a contact may move twice) */
  long long handoffs;
  long long errors;         /* contacts skipped with keep_going */
  long long rows_written;   /* rows inserted/updated/deleted */
  double seconds;
  /* Per-transition and per-owner counts, and (with opts->collect) the
  ** moves and handoffs themselves, in contact order. */
  lr_count *by_transition;  int n_by_transition;
  lr_count *by_owner;       int n_by_owner;
  lr_move *move_list;       long long n_move_list;
  lr_handoff *handoff_list; long long n_handoff_list;
  char **error_list;        long long n_error_list;  /* first 100 errors */
  void *priv_;              /* storage of the lists */
} lr_run_result;

/*
** Apply the policy to every contact in one transaction: rebuild segments,
** score, move stages, hand off, write what changed, record the run.  On
** error everything is rolled back and lr_errmsg() names
** "policy.lua:LINE: contact KEY: problem"; with opts->keep_going a
** contact whose rules fail is skipped and listed in the result instead.
** With opts->dry_run the database is left byte-for-byte unchanged.
**
** `result` may be NULL.  When given, lr_run zeroes it on entry (even for
** LR_MISUSE), so lr_run_result_free() is safe whatever the return code;
** after a failure it holds what was counted before the error.
** Returns LR_POLICY / LR_LIMIT for a failing rule, LR_INTERRUPT when
** cancelled, LR_BUSY when another writer holds the database past the
** busy timeout, LR_MISUSE for a NULL policy or bad opts.
*/
LR_API int lr_run(lr_policy *policy, const lr_run_opts *opts,
                  lr_run_result *result);
/* Release what a result holds and zero it (NULL, or a zeroed result, is a
** no-op).  Never call it on a result lr_run did not fill. */
LR_API void lr_run_result_free(lr_run_result *result);

/* Collected moves: count, and the i-th (0-based; NULL out of range or for
** a NULL result).  Valid until lr_run_result_free(). */
LR_API long long lr_run_move_count(const lr_run_result *result);
LR_API const lr_move *lr_run_move(const lr_run_result *result, long long i);
/* Collected handoffs, as for moves. */
LR_API long long lr_run_handoff_count(const lr_run_result *result);
LR_API const lr_handoff *lr_run_handoff(const lr_run_result *result,
                                        long long i);
/* Errors of skipped contacts (keep_going; at most the first 100), each
** "policy.lua:LINE: contact KEY: problem". */
LR_API long long lr_run_error_count(const lr_run_result *result);
LR_API const char *lr_run_error(const lr_run_result *result, long long i);
/* Transitions the policy would have made but a manual lock held back (a
** contact held from lead -> mql -> sql counts 2); also in a dry run, and
** stored in runs.held_by_manual.  0 with override_manual, and for NULL or
** a result lr_run did not fill.  An accessor, not a field: lr_run_result
** is caller-allocated and its size is frozen for SONAME 0. */
LR_API long long lr_run_held_by_manual(const lr_run_result *result);

/* Why a run with opts->changed evaluated every contact (LR_FULL_NONE: it
** did not, or was not asked to be incremental); *msg (may be NULL) gets a
** sentence for people, "" for LR_FULL_NONE.  An accessor, as for
** lr_run_held_by_manual. */
#define LR_FULL_NONE     0  /* incremental (or a plain run) */
#define LR_FULL_NO_BASE  1  /* no earlier complete run to start from */
#define LR_FULL_POLICY   2  /* the policy changed, or another one ran */
#define LR_FULL_OTHERS   3  /* a rule reads other contacts (count()) */
#define LR_FULL_CLOCK    4  /* now is before the last run's */
#define LR_FULL_OVERRIDE 5  /* override_manual: every lock is ended */
#define LR_FULL_SQL      6  /* an SQL segment reads other rows or the clock */
#define LR_FULL_ACCOUNTS 7  /* the policy scores accounts */
LR_API int lr_run_full_reason(const lr_run_result *result, const char **msg);

/*
** Explain one contact
*/
/* Items come in this order: the contact, manual events, segments, rules,
** groups (then "total"), transitions, next, handoff, stable; errors last.
** `note` is a sentence for people that completes the item. */
#define LR_EX_CONTACT    1  /* name=key, detail=stored stage (NULL: none),
                               points=stored score, note=owner, grade, id */
#define LR_EX_RULE       2  /* name=rule, group, points, fired, detail=the
                               reads made while it ran (why) */
#define LR_EX_GROUP      3  /* name=group or "total", points=total,
                               detail=grade letter (NULL: no grade) */
#define LR_EX_SEGMENT    4  /* name=segment, fired=member, detail=reads or
                               the segment's SQL */
#define LR_EX_TRANSITION 5  /* name="from->to" with the stage the contact
                               was in when tried, fired, detail=reads;
                               note set when a manual lock held it back
                               (fired then says whether it would fire) */
#define LR_EX_NEXT       6  /* name=next funnel stage (NULL: none),
                               points=points missing (0: not a matter of
                               points), fired=1 when it would pass now,
                               detail: what is missing */
#define LR_EX_HANDOFF    7  /* name=stage, detail=owner (NULL: nobody),
                               fired=1 when this evaluation hands off,
                               note: how the owner was chosen */
#define LR_EX_MANUAL     8  /* name="move", "set" or "lock"; detail: what,
                               who and when; note: the reason; for "lock"
                               fired=1 while the lock holds */
#define LR_EX_ERROR      9  /* evaluation error: detail */
#define LR_EX_MEMBER    10  /* lr_explain_account: a contact of the account:
                               name=key, points=its score in this
                               evaluation, detail=its stage, group=grade */
#define LR_EX_STABLE    11  /* name="stable_until", detail=when this
                               result may change first with the data as it
                               is (ISO-8601 UTC; NULL: only when the data
                               changes), fired=1 when a run evaluates the
                               contact again each time, note: which read
                               set it, and the value stored by the last
                               run (docs/incremental.md) */

/* One step of an explanation.  Built by the library: never allocate one
** (it may grow at the end).  Strings may be NULL. */
typedef struct lr_explain_item {
  int kind;                 /* LR_EX_* */
  const char *name;
  const char *group;        /* rule's score group, or NULL */
  double points;
  int fired;
  const char *detail;
  const char *where;        /* "policy.lua:LINE" of the declaration */
  const char *note;         /* completing sentence, or NULL */
} lr_explain_item;

/* Return non-zero to stop (the call then returns LR_INTERRUPT).  Strings
** are valid only during the call. */
typedef int (*lr_explain_fn)(void *ctx, const lr_explain_item *item);

/*
** Evaluate one contact (by key, or "#ID") without writing, through the
** same evaluation as lr_run, and report each step in the order listed
** with the LR_EX_* kinds above through `callback` (required: LR_MISUSE
** when NULL).  What is missing for the next funnel stage (LR_EX_NEXT) is
** found by re-running only that transition's condition with higher
** scores, whole points at a time up to +1000.  A round robin's owner is
** the one a run would pick now; explain does not count it.  The clock is the current time; use lr_explain_v2 to set it
** (now 0: current time).  Returns LR_NOTFOUND for an unknown contact,
** LR_POLICY / LR_LIMIT when the policy fails on it (also reported as an
** LR_EX_ERROR item).
*/
LR_API int lr_explain(lr_policy *policy, const char *key,
                      lr_explain_fn callback, void *ctx);
LR_API int lr_explain_v2(lr_policy *policy, const char *key, long long now,
                         lr_explain_fn callback, void *ctx);

/*
** Manual overrides: recorded with who (`by`; NULL: "unknown"), when
** (`now`; 0: current time) and why (`reason`: required, LR_MISUSE
** without one), under a run of kind 'manual'.  LR_NOTFOUND for an unknown
** key (key or "#ID").
**
** The rule for later runs: a manual move locks the contact's stage.
** Runs leave the stage alone (scores are still computed) until one of:
**   - a later manual move (or lr_contact_set of "stage"), which replaces
**     the lock with its own;
**   - an outcome (won or lost) whose closed_at is after the move: a sale
**     closed at the move's second or earlier was known to the person who
**     moved it, whenever its row is imported;
**   - the lock's expiry: a run whose now >= `until` applies the policy;
**   - a run with lr_run_opts.override_manual, which applies the policy and
**     ends the lock (contacts.manual_at and manual_until cleared; a dry
**     run clears nothing).
** Imports of contacts, activities or fields and lr_contact_set never end
** it.  The lock is stored as contacts.manual_at (the move's `now`) and
** contacts.manual_until (NULL: no expiry).  Each run counts the
** transitions locks held back (lr_run_held_by_manual).  A move
** also ends a pending SLA (due_at).
*/
/* Move a contact to `stage`, spelled as the data already spells it.  The
** stage must be known: one a contact is in, one in the stage history, or
** one the latest (non-dry) run's policy declared; another is LR_INPUT
** ("unknown stage 'nurtrue' (did you mean 'nurture'? ...)").  A database
** that knows no stage yet takes any name.  Writes stage_history (by,
** reason, run) and contacts.stage/manual_at/stage_since; the lock has no
** expiry (lr_contact_move_v2 with until 0).  A move to the stage the
** contact is in only renews the lock: manual_at and manual_until are
** restamped and an audit row (field "manual_until") records it; no
** history row, and stage_since stays. */
LR_API int lr_contact_move(lr_db *db, const char *key, const char *stage,
                           const char *by, const char *reason, long long now);
/* lr_contact_move with an expiry: the lock ends for runs whose now is at
** or after `until` (unix seconds; 0: no expiry).  `until` must be after
** the move's clock (now, or the current time for 0), else LR_MISUSE:
**
**   long long now = time(NULL);
**   lr_contact_move_v2(db, "ann@example.com", "nurture", "ops",
**                      "not ready until Q3", now, now + 30 * 86400);
*/
LR_API int lr_contact_move_v2(lr_db *db, const char *key, const char *stage,
                              const char *by, const char *reason,
                              long long now, long long until);
/* Set one field to `value`, typed like an import: an integer or a real
** when the text round-trips through the number ("42", "2.5"), else text
** ("02134"); a value the field's declared type cannot hold widens it.
** NULL sets NULL.  Writes the audit table (old and new value) and
** data_at; setting the value the field already has writes nothing.  It
** does not end a manual lock.  `stage` is a move (lr_contact_move: stage
** history, a new lock; NULL is LR_MISUSE).  LR_NOTFOUND for an unknown
** field, LR_MISUSE for an engine-owned field (score, grade, scores, id,
** key, manual_at, ...) and for the key field (meta key_field, e.g.
** email: the next import would add the contact again); `owner` may be
** set (a reassignment). */
LR_API int lr_contact_set(lr_db *db, const char *key, const char *field,
                          const char *value, const char *by,
                          const char *reason,
                          long long now);


/*
** Reading one contact
*/
/* A name and a number, or a name and a text (a group's score, a grade). */
typedef struct lr_named_score { const char *name; double score; } lr_named_score;
typedef struct lr_named_grade { const char *name; const char *grade; } lr_named_grade;

/* One contact as the database holds it now: what the last run and manual
** changes stored.  Allocated by the library, released with
** lr_contact_free(); everything it points to is owned by it and valid
** until then (not beyond: copy what you keep).  It may grow at the end:
** never allocate one.  Strings are NULL when the column is NULL; times are
** unix seconds, 0 when NULL. */
typedef struct lr_contact {
  long long id;
  const char *key;
  const char *stage;        /* current stage */
  double score;             /* total score of the last run */
  const char *grade;        /* the first declared grade (compatibility) */
  const lr_named_grade *grades; int n_grades;  /* every grade, in the
                               order the policy declares them ("total" for
                               a grade of the total score) */
  const lr_named_score *scores; int n_scores;  /* group scores */
  const char *owner;        /* sales owner */
  long long assigned_at;    /* when the owner was assigned */
  long long due_at;         /* SLA due time of the pending handoff */
  long long stage_since;    /* when the contact entered its stage */
  long long manual_at;      /* the latest manual move */
  long long manual_until;   /* when that manual lock expires */
  long long updated_at;     /* the last run that changed it */
} lr_contact;

/* Read the contact `key` (or "#ID") into a new lr_contact (*contact; NULL
** on error).  LR_NOTFOUND for an unknown key, LR_MISUSE for a NULL
** argument; the read is one snapshot.  Typical use:
**
**   lr_contact *c;
**   if (lr_contact_get(db, "ann@x.example", &c) == LR_OK) {
**     printf("%s %g %s\n", c->stage ? c->stage : "-", c->score,
**            c->grade ? c->grade : "-");
**     lr_contact_free(c);
**   }
*/
LR_API int lr_contact_get(lr_db *db, const char *key, lr_contact **contact);
/* Free a contact of lr_contact_get (NULL is a no-op). */
LR_API void lr_contact_free(lr_contact *contact);

/*
** The handoff list: the leads handed to sales (one row per assignment a
** run made), newest first, with a cursor for syncing another system.
**
** Cursor.  Each handoff has a cursor, a whole number that only grows:
** the assignment's id, given out by the single writer as it commits (a
** run's handoffs are committed at once, runs one after another), never
** reused (leadrules never deletes an assignment, nor a contact that has
** one).  So "the handoffs with a cursor above C" are exactly those made
** after the list that gave C was read, however runs and syncs interleave:
** a sync that passes the last cursor back as opts->after never misses a
** handoff and never takes one twice.  The filters only narrow the list;
** they do not change the cursor.
*/
typedef struct lr_handoffs_opts {
  size_t size;              /* sizeof(lr_handoffs_opts): use the INIT macro */
  long long after;          /* only handoffs with a cursor above this: the
                               cursor of an earlier list (0: all) */
  long long since_run;      /* only handoffs of this run and later ones
                               (0: all); LR_INPUT for a run that does not
                               exist */
  long long since;          /* only handoffs at or after this time (unix
                               s; 0: all) */
  const char *owner;        /* only this owner's (LR_INPUT for an owner no
                               handoff or contact has) */
  const char *stage;        /* only handoffs into this stage (LR_INPUT for a
                               stage no handoff or contact has) */
  int format;               /* lr_handoffs: LR_FMT_TEXT, LR_FMT_JSON, LR_FMT_CSV */
  int raw;                  /* CSV: do not neutralise formula-like cells */
  int epoch;                /* times as unix seconds, not ISO-8601 text */
  long long run;            /* only the handoffs of this run (0: any) */
} lr_handoffs_opts;
#define LR_HANDOFFS_OPTS_INIT { sizeof(lr_handoffs_opts), 0,0,0,0,0,0,0,0,0 }

/* One handoff, as lr_handoffs_each hands it out.  Built by the library
** (it may grow at the end); strings valid only during the callback. */
typedef struct lr_handoff_row {
  long long cursor;         /* the assignment id (see Cursor above) */
  long long contact_id;
  const char *key;
  const char *name;         /* first and last name (NULL: neither) */
  const char *company;
  const char *stage;        /* the stage it was handed off in */
  const char *current_stage;  /* where the contact is now */
  double score;             /* the contact's score now */
  const char *grade;        /* its first grade now */
  const char *owner;
  long long assigned_at;    /* when the run handed it off */
  long long due_at;         /* SLA due time; 0: no SLA */
  const char *reason;       /* why it entered that stage (the transition's
                               reason, or "moved by hand: ...") */
  long long run_id;         /* the run that handed it off */
} lr_handoff_row;
typedef int (*lr_handoff_fn)(void *ctx, const lr_handoff_row *row);

/* Call fn for each handoff matching opts, newest first (by time, then
** cursor), from one read snapshot.  *cursor (may be NULL) gets the cursor
** to pass as opts->after next time: the highest cursor in the database
** when the list was read (opts->after when there is none above it).
** Returns LR_INPUT for a filter that names nothing (the message lists what
** exists) or an `after` above every cursor (a cursor from another
** database), LR_INTERRUPT when fn returns non-zero. */
LR_API int lr_handoffs_each(lr_db *db, const lr_handoffs_opts *opts,
                            lr_handoff_fn fn, void *ctx, long long *cursor);
/*
** The same list written through `write` as opts->format:
**  - text: one line per handoff and a last line "cursor N";
**  - JSON (for programs and CRM imports; never altered): an object
**    {"handoffs": [{"cursor", "key", "name", "company", "stage",
**    "current_stage", "score", "grade", "owner", "assigned_at", "due_at",
**    "reason", "run"}, ...], "count": N, "cursor": N} (absent values null);
**  - CSV (for spreadsheets): the same columns, a header row, formula-like
**    text cells neutralised with a ' as lr_export does (unless opts->raw).
** Times are ISO-8601 UTC unless opts->epoch.
*/
LR_API int lr_handoffs(lr_db *db, const lr_handoffs_opts *opts,
                       lr_write_fn write, void *ctx, long long *cursor);
/*
** Reports, written by the library in text, JSON or HTML through a write
** function.  None of them writes to the database.
*/
#define LR_FMT_TEXT 0
#define LR_FMT_JSON 1
#define LR_FMT_HTML 2
#define LR_FMT_CSV 3             /* lr_handoffs */

typedef struct lr_backtest_opts {
  size_t size;              /* sizeof(lr_backtest_opts): use the INIT macro */
  const char *outcome;      /* contact column holding the outcome, matched
                               exactly, then ignoring case, then folded like
                               an imported header ("Converted" finds
                               "converted").  Values 1/0, yes/no, true/false,
                               won/lost (any case) count; NULL and anything
                               else leave the contact out ("no outcome").
                               NULL: the outcomes table, latest outcome per
                               contact, won = positive; contacts without
                               one are left out. */
  long long now;            /* 0: current time */
  long long capacity;       /* call-list size for a suggested threshold
                               (0: none) */
  int format;               /* LR_FMT_* written through `write` */
  int jobs;                 /* evaluation threads; 0: number of cores */
  /* Called as contacts are evaluated; return non-zero to cancel. */
  int (*progress)(void *ctx, long long done, long long total);
  void *progress_ctx;
  volatile int *cancel;     /* set non-zero to cancel (LR_INTERRUPT) */
  lr_write_fn html_write;   /* non-NULL: also write the HTML report here,
                               from the same evaluation */
  void *html_ctx;
} lr_backtest_opts;
#define LR_BACKTEST_OPTS_INIT { sizeof(lr_backtest_opts), 0,0,0,0,0,0,0,0,0,0 }

/* Headline figures of a backtest (frozen layout). */
typedef struct lr_backtest_summary {
  long long contacts, positives;   /* with an outcome; of those, positive */
  double base_rate, auc;           /* positives/contacts; ROC AUC */
  double best_f1, best_f1_threshold;  /* F1 is highest at score >= this */
  double capacity_threshold;       /* lowest score whose call list fits */
  long long evaluated;             /* contacts scored */
  long long excluded;              /* scored but without an outcome */
  int has_auc;                     /* auc defined: both outcomes present */
  int has_best_f1;                 /* some contact is positive */
  int has_capacity_threshold;      /* a capacity was given and some
                                      threshold keeps the list within it */
  long long best_f1_selected;      /* contacts with score >= best_f1_threshold */
  long long capacity_selected;     /* contacts with score >= capacity_threshold */
} lr_backtest_summary;

/*
** Score every contact with the policy, writing nothing (the same
** evaluation as lr_run, at opts->now), join each contact's outcome, and
** write the report in opts->format through `write` (and the HTML report
** through opts->html_write when set).  The report gives: contacts,
** positives and base rate; ROC AUC (Mann-Whitney: the share of
** (positive, negative) pairs the score orders right, ties counted half);
** conversion and lift by score decile and by final stage; precision,
** recall and F1 at each distinct score t (contacts with score >= t are
** called), the threshold with the best F1 (the highest one on a tie) and,
** with opts->capacity, the lowest threshold that calls at most that many;
** and per rule how often it fires and the conversion rate when it fires
** and when it does not (lift = rate when fired / base rate).
**
** Deciles: contacts sorted by score, highest first; a group of equal
** scores is never split: it goes whole to the decile holding its middle
** position (0-based positions i..j-1, decile floor(10*(i+j-1) / (2n))+1),
** so deciles may be uneven or empty when scores tie a lot.
**
** A policy whose text reads the outcome (lead.COLUMN, or lead:outcome()
** with the outcomes table) gets a warning in the report: its figures
** overstate it.
**
** Memory: 16 bytes per contact with an outcome.  `summary` may be NULL;
** it is zeroed on error.  Errors: LR_INPUT when opts->outcome names no
** field, LR_POLICY when evaluating a contact fails (lr_errmsg names
** "policy.lua:LINE: contact KEY: problem"), LR_INTERRUPT, LR_IO when a
** writer refused.  On a PostgreSQL handle the same report, byte for
** byte (so are lr_diff's and lr_check's).
*/
LR_API int lr_backtest(lr_policy *policy, const lr_backtest_opts *opts,
                       lr_write_fn write, void *ctx,
                       lr_backtest_summary *summary);

typedef struct lr_report_opts {
  size_t size;              /* sizeof(lr_report_opts) */
  const char *by;           /* split by "segment" (segment_members; a
                               contact counts in each of its segments, or in
                               "(none)") or a contacts field such as
                               "source", "owner", "stage" (checked against
                               the fields registry); NULL: no split */
  long long since;          /* only history, handoffs and outcomes at or
                               after this time (unix s); 0: all */
  long long now;            /* the report's clock (SLA breaches); 0: the
                               `now` of the latest run (runs, kind 'run',
                               highest id), or the current time when no
                               run is recorded.  The report's header says
                               which it used. */
  int format;               /* LR_FMT_* written through `write` */
  lr_policy *policy;        /* optional: stages in its funnel order, and
                               conversion between consecutive funnel
                               stages; must be loaded on the same db */
  lr_write_fn html_write;   /* non-NULL: also write the HTML report here */
  void *html_ctx;
  long long since_ago;      /* > 0: since = the clock - since_ago seconds
                               (overrides `since`), so that "the last 30
                               days" counts back from the report's clock */
  const char *currency;     /* HTML: amounts as "12,345.60 EUR"; NULL: no
                               code */
  int tables;               /* HTML: the tables below the charts too */
} lr_report_opts;
#define LR_REPORT_OPTS_INIT { sizeof(lr_report_opts), 0,0,0,0,0,0,0,0,0,0 }

/*
** Report on the database (read only, one snapshot): is the targeting
** working, and where do leads stall?  Each figure is given overall (the
** group "(all)") and, with opts->by, for each group: the 25 largest
** values, the rest folded into "(other)", NULL values as "(none)".
**
**  - Funnel: contacts by current stage (not limited by `since`).
**  - Stage-to-stage conversion: of the contacts whose first entry into
**    stage A (stage_history, ordered by at then row id) is at or after
**    `since`, how many later entered stage B.  Pairs (A, B): with
**    opts->policy, each funnel stage and the next; without, every direct
**    move A -> B seen in stage_history (the history alone cannot tell
**    funnel stages from side stages such as nurture).
**  - Median time in stage: each stage_history row that has a later row
**    for its contact is a completed stay of (next at - at) seconds in its
**    stage; stays still open are not counted.  Median of an even count:
**    the mean of the middle two.
**  - Handoffs per owner (assignments at or after `since`) and SLA
**    breaches.  A handoff is answered by the first stage move of its
**    contact after it (a later time, or the same time in a later run;
**    moves by a run or by hand) or an outcome closed at or after it.  It
**    is breached when its due time is before `now` and nothing answered
**    it at or before due, whatever happened later: a lead recycled to
**    nurture after its due time passed counts as breached, one due
**    exactly at `now` does not.
**  - Outcomes (every outcome row closed at or after `since`): won, lost,
**    close ratio won / (won + lost), average sale = mean amount of won
**    rows that have an amount.
**  - When contacts have grades: a matrix of grade x engagement band, the
**    band of the "engagement" group in `scores` (< 0, 0-10, 10-25,
**    25-50, >= 50, half-open; "none" without one).  Not split.
**
** Stage order: the policy's stages (funnel, then side stages) when given;
** otherwise stages by their earliest position in any contact's history
** (1 = a contact's first recorded stage), then mean position, then name,
** and stages found only in contacts.stage last, by name.
**
** LR_FMT_HTML (and html_write) is a dashboard, one page with no scripts:
** the funnel (for the contacts whose history began at or after `since`,
** how many reached each funnel stage or a later one, and how many moved
** to a side stage), time in stage as quartiles, SLA breaches per owner,
** with `by` the share of each group reaching each funnel stage, close
** ratio and average sale (the ten largest groups, the rest as "(other)"),
** and new contacts and handoffs per week or month; a header with the
** clock, the policy's path and sha256, the span of stage_history and the
** figures resting on fewer than 30 cases; the tables when opts->tables.
** LR_FMT_JSON carries the same numbers (reached, moves, trend,
** handoff_trend, quartiles, small_samples, policy, window).
** LR_INPUT when opts->by names no field.
*/
LR_API int lr_report(lr_db *db, const lr_report_opts *opts,
                     lr_write_fn write, void *ctx);

/*
** What the database holds: its path and schema version, the key field,
** counts of contacts, activities and outcomes, every field with its type
** and original header, and the latest imports and runs; on PostgreSQL,
** whom a segment's SQL runs as ("user sql:", JSON "user_sql_role": the
** reader role's name, or null for the login user).  Written through
** `write` as text or JSON (format LR_FMT_TEXT or LR_FMT_JSON).
*/
LR_API int lr_info(lr_db *db, int format, lr_write_fn write, void *ctx);

typedef struct lr_diff_opts {
  size_t size;              /* sizeof(lr_diff_opts): use the INIT macro */
  long long now;            /* clock for both policies; 0: current time */
  int format;               /* LR_FMT_TEXT or LR_FMT_JSON */
  int top;                  /* contacts that change most (0: 10) */
  int jobs;                 /* evaluation threads; 0: number of cores */
  /* Called as contacts are evaluated; return non-zero to cancel. */
  int (*progress)(void *ctx, long long done, long long total);
  void *progress_ctx;
  volatile int *cancel;     /* set non-zero to cancel (LR_INTERRUPT) */
  long long stage_list;     /* contacts that change stage listed, in id
                               order (0: 50; negative: all) */
} lr_diff_opts;
#define LR_DIFF_OPTS_INIT { sizeof(lr_diff_opts), 0,0,0,0,0,0,0,0 }

/*
** Evaluate two policies, loaded on the same database, on the same
** contacts at the same `now`, writing nothing, and report what the change
** would do: a matrix of final stages (rows: under old, columns: under
** new; stages matched by name, case-insensitively), the distribution of
** score changes (new - old: mean, min, max, counts in the buckets
** (-inf,-100] (-100,-50] (-50,-20] (-20,-10] (-10,-5] (-5,0) 0 (0,5)
** [5,10) [10,20) [20,50) [50,100) [100,inf)), the `top` contacts whose
** score changes most (by absolute change, then contact id), and the rules
** matched by name: added, removed, changed (points, max, min, group,
** segment, kind, the text of the when/score function with whitespace
** collapsed, description) or the same, each with its fire counts under
** old and new.  And the contacts whose final stage differs (the first
** opts->stage_list by contact id), each with its old and new stage and
** score, the transition that took it to its final stage under each
** policy (none when it did not move) and the (up to 3) rules, matched by
** name, whose points for it differ most.  Each contact's stored stage is where both evaluations
** start, as in a run.  LR_MISUSE when the policies are on different
** databases; evaluation errors as lr_run ("policy.lua:LINE: contact KEY:
** problem").
*/
LR_API int lr_diff(lr_policy *old_policy, lr_policy *new_policy,
                   const lr_diff_opts *opts, lr_write_fn write, void *ctx);

/* Static and data-aware checks.  Returns LR_OK with *errors and *warnings
** counted (either pointer may be NULL); findings are written as
** "policy.lua:LINE: error|warning: ...", sorted by line, then "N errors,
** N warnings".  The data-aware checks evaluate the contacts (a sample of
** LR_CHECK_SAMPLE spread over the id range when there are more) through
** the same path as lr_run, writing nothing.  On PostgreSQL a segment's
** `where` is checked by the server under the guard of a run's SQL (an
** error is one line: "segment 's': SQL failed on PostgreSQL: ERROR: ..."). */
LR_API int lr_check(lr_policy *policy, lr_write_fn write, void *ctx,
                    int *errors, int *warnings);

/* List every load error of the policy file at `path`: it is loaded as by
** lr_policy_load, except that a declaration that fails (an unknown stage,
** a bad grade, a rule without points, ...) does not end the load; each
** failure is written through `write` as "file:LINE: error: message\n"
** and the chunk goes on with the next statement.  An error outside a
** declaration (a syntax error, a runtime error in the policy's own code)
** ends the load and is listed last.  *errors (may be NULL) gets the
** count, 0 for a policy that loads.  Returns LR_OK, LR_IO when the file
** cannot be read, LR_MISUSE for NULL db, path or write. */
LR_API int lr_policy_errors(lr_db *db, const char *path, lr_write_fn write,
                            void *ctx, int *errors);

#define LR_CHECK_SAMPLE 10000
typedef struct lr_check_opts {
  size_t size;              /* sizeof(lr_check_opts): use the INIT macro */
  long long now;            /* clock for the evaluation; 0: current time */
  long long sample;         /* contacts to evaluate; 0: LR_CHECK_SAMPLE;
                               negative: all */
} lr_check_opts;
#define LR_CHECK_OPTS_INIT { sizeof(lr_check_opts), 0, 0 }

LR_API int lr_check_v2(lr_policy *policy, const lr_check_opts *opts,
                       lr_write_fn write, void *ctx, int *errors,
                       int *warnings);

/* Run a policy unit-test file (no database needed: db may be a handle on
** ":memory:").  Writes results, ending with "N passed, N failed"; passed
** and failed may be NULL.  Returns LR_OK when all pass, LR_TESTFAIL when
** some failed.  The tests run on a private in-memory database (db is
** never read or written; it only receives the error message).  A file
** that cannot run, or defines no tests, returns LR_POLICY (LR_IO if
** unreadable) with "file:LINE: message" in lr_errmsg(db).  The test-file
** API (test, expect, eq, ok, load_policy, policy:evaluate) is in
** docs/devtools.md. */
LR_API int lr_test(lr_db *db, const char *test_path,
                   const lr_policy_opts *opts, lr_write_fn write, void *ctx,
                   int *passed, int *failed);

/*
** Scripts: run an ad-hoc Lua script in the sandbox, with leads{},
** lead:set, lead:move_to, print (through `write`) and arg.  All writes are
** one transaction recorded as a run; an error rolls them all back.
*/
typedef struct lr_script_opts {
  size_t size;              /* sizeof(lr_script_opts): use the INIT macro */
  const char *const *argv;  /* arg[1..argc] */
  int argc;
  long long now;            /* 0: current time */
  int dry_run;              /* run, then roll back every write */
  const char *by;           /* who, for the audit trail */
  int allow_local_modules;
  volatile int *cancel;     /* set non-zero to cancel (rolls back) */
  long long max_instructions; /* per lead (and for the top level); 0: default */
  size_t max_memory;        /* bytes for the Lua state; 0: default */
} lr_script_opts;
#define LR_SCRIPT_OPTS_INIT { sizeof(lr_script_opts), 0,0,0,0,0,0,0,0,0 }

typedef struct lr_script_result {
  long long run_id;         /* the run row (0 for a dry run or on error) */
  long long leads;          /* lead objects handed out by leads{} */
  long long moves;          /* lead:move_to calls that moved a contact */
  long long sets;           /* lead:set calls that changed a value */
  long long fields_created; /* field "name" declarations that added one */
} lr_script_result;

/*
** Run the script at `path` (a first line "#!..." is skipped).  The script
** reads the database as it was when it started (a snapshot); its writes
** go into one transaction, recorded as a run of kind 'script' (by,
** reason), committed when it ends without error, rolled back on error or
** with opts->dry_run.  Errors name "script.lua:LINE: problem"
** (LR_POLICY, LR_LIMIT, LR_IO, LR_INTERRUPT).
*/
LR_API int lr_script(lr_db *db, const char *path, const lr_script_opts *opts,
                     lr_write_fn write, void *ctx);
/* lr_script with counts of what it did (result may be NULL). */
LR_API int lr_script_v2(lr_db *db, const char *path,
                        const lr_script_opts *opts, lr_write_fn write,
                        void *ctx, lr_script_result *result);

/*
** Interactive shell support: evaluate chunks of Lua (expressions or
** statements) in one persistent sandboxed session on db.  A session
** counts as alive for lr_close() until lr_session_close().
*/
LR_API int lr_session_open(lr_db *db, lr_session **session);
/* Evaluate `code`; results and print() go through `write`.  Returns
** LR_OK, LR_POLICY for a Lua error (message in lr_errmsg(db)), or
** LR_INPUT when the chunk is incomplete (more lines expected): call again
** with the same text plus "\n" and the next line.  As in lua.c, code is
** tried as an expression first ("= expr" forces it), and the values an
** expression or a return statement gives are written one line, tab
** separated.  Globals persist across calls.  The session counts as a live
** handle: close it before lr_close(db). */
LR_API int lr_session_eval(lr_session *session, const char *code,
                           lr_write_fn write, void *ctx);
/* Close the session (NULL is a no-op; a second close: lr_policy_free). */
LR_API void lr_session_close(lr_session *session);
/* Set the session's clock: the global `now` and the default `now` of
** p:evaluate (0 or out of range: the current time, as at open).  A line
** that is only `help` prints the helpers; only `now` prints the clock as
** "2026-11-01T00:00:00Z (1793491200)". */
LR_API void lr_session_set_now(lr_session *session, long long now);
/* Poll *cancel while evaluating: when it becomes non-zero (a signal
** handler may set it) the running chunk stops with LR_INTERRUPT.  NULL
** turns polling off.  The caller resets the flag. */
LR_API void lr_session_set_cancel(lr_session *session, volatile int *cancel);

/*
** Utilities (no handle; safe from any thread)
*/
/*
** Times are unix seconds from LR_TIME_MIN (0000-01-01T00:00:00Z) to
** LR_TIME_MAX (9999-12-31T23:59:59Z), the years an ISO-8601 date can
** write; durations are at most LR_DURATION_MAX seconds (10000 years of
** 365 days), so that a time plus or minus a duration never overflows.
** Anything outside is refused, never clamped.
**
** A clock (the `now` of the options and functions above) is 0 for the
** current time, or unix seconds from 1 to LR_TIME_MAX: a `now` before
** 1970-01-01T00:00:01Z or after LR_TIME_MAX is refused with LR_MISUSE
** and a message saying so (0 itself cannot mean 1970-01-01T00:00:00Z,
** since it means the current time).
*/
#define LR_TIME_MIN     (-62167219200LL)
#define LR_TIME_MAX     253402300799LL
#define LR_DURATION_MAX 315360000000LL

/* Parse a duration "30d" "2w" "12h" "90m" "45s" "1y" (combinations
** "1d12h") into seconds.  LR_INPUT on malformed text or more than
** LR_DURATION_MAX, LR_MISUSE on NULL. */
LR_API int lr_parse_duration(const char *text, long long *seconds);
/* Parse an ISO-8601 date or date-time (UTC unless an offset is given;
** "2024-03-05 14:22:10 UTC" and "2024/03/05" too) or unix seconds.  LR_INPUT on malformed text or a time outside
** LR_TIME_MIN..LR_TIME_MAX, LR_MISUSE on NULL. */
LR_API int lr_parse_time(const char *text, long long *unix_seconds);
/* "Did you mean": of names[0..n), the one a mistyped `word` most likely
** meant, by edit distance ignoring case (insertions, deletions,
** substitutions, swaps of two neighbours): at most two edits away and
** keeping most of the name ("in" is no typo of "info").  Returns one of
** `names` (not a copy), or NULL when none is near, or for NULL arguments;
** NULL entries are skipped.  The rule behind every suggestion leadrules
** makes: unknown commands, options and stages. */
LR_API const char *lr_nearest(const char *word, const char *const *names,
                              int n);
/* Fold a CSV header to a field name ("Total Time Spent" ->
** "total_time_spent") into buf (NUL-terminated, truncated to n-1): ASCII
** snake_case, at most 63 bytes, accented Latin letters transliterated,
** "x_" before a leading digit.  "" when nothing foldable is left (an
** import then names the column column_N, N its 1-based position).
** Nothing is written when buf is NULL or n is 0; a NULL header folds
** as "". */
LR_API void lr_fold_name(const char *header, char *buf, size_t n);

/*
** Real time: events in, decisions out (docs/realtime.md).
**
** An event is an activity of one contact, and/or fields to set on it.
** lr_apply_events appends a group of events and re-evaluates exactly the
** contacts they touch through the same evaluation path as lr_run (a run
** filtered to those contacts), and appends every move and handoff it
** makes (its accounts' too, and each change the policy's notify { when
** = ... } selects) to the outbox, all in one transaction: nothing is
** half-applied.  lr_run appends its own the same way (unless
** opts->no_outbox or a dry run).
*/
typedef struct lr_event {
  const char *key;          /* the contact's key (an email key is trimmed
                               and lowercased, as an import does) */
  const char *type;         /* activity type; NULL: no activity (fields
                               only) */
  long long at;             /* when it happened (unix s); 0: the clock */
  int has_value;            /* value given */
  double value;
  const char *campaign;     /* NULL: none */
  const char *const *fields;  /* name, value pairs (2 * n_fields strings;
                               a NULL value sets NULL), typed and audited
                               as lr_contact_set does */
  int n_fields;
  int create;               /* 0: an unknown key is LR_NOTFOUND;
                               LR_EVENT_CREATE: an unknown key creates the
                               contact, and `fields` are set only then;
                               LR_EVENT_UPSERT: creates it too, and sets
                               `fields` whether new or not */
} lr_event;
#define LR_EVENT_CREATE 1
#define LR_EVENT_UPSERT 2

typedef struct lr_apply_opts {
  size_t size;              /* sizeof(lr_apply_opts): use the INIT macro */
  long long now;            /* the clock; 0: current time */
  const char *by;           /* who, for the audit trail of fields set
                               (NULL: "events") */
  volatile int *cancel;     /* set non-zero to cancel (rolled back) */
} lr_apply_opts;
#define LR_APPLY_OPTS_INIT { sizeof(lr_apply_opts), 0, 0, 0 }

/* One contact the events touched, as committed.  Built by the library (it
** may grow at the end); valid only during the callback. */
typedef struct lr_touched {
  long long contact_id;
  const char *key;
  const long long *events;  /* indexes of the events that touched it */
  int n_events;
  int created;              /* an event created it */
  double score;
  const char *scores;       /* group scores, a JSON object (NULL: none) */
  const char *grade;        /* the first grade (NULL: none) */
  const char *grades;       /* every grade, a JSON object (NULL: none) */
  const char *stage;
  const char *owner;
  const lr_move *moves;     /* the moves this evaluation made */
  int n_moves;
  const lr_handoff *handoff;  /* the handoff it made, or NULL */
  long long run_id;         /* the (filtered) run that evaluated it */
} lr_touched;
typedef void (*lr_touched_fn)(void *ctx, const lr_touched *t);

/*
** Apply events[0..n) in one transaction, then call fn (may be NULL) for
** each contact they touched, in contact id order, after the commit.
** Errors roll everything back and leave the database unchanged; *failed
** (may be NULL) gets the index of the event at fault, or -1 when the
** evaluation failed (lr_errmsg: "policy.lua:LINE: contact KEY: ...") or
** for anything else.  LR_NOTFOUND for an unknown contact without
** `create`, LR_INPUT for a bad event ("event 3: ..."), LR_POLICY /
** LR_LIMIT for the policy, LR_BUSY, LR_MISUSE.
*/
LR_API int lr_apply_events(lr_policy *policy, const lr_event *events,
                           long long n, const lr_apply_opts *opts,
                           lr_touched_fn fn, void *ctx, long long *failed);

/* One outbox row: a decision to tell other systems about. */
typedef struct lr_outbox_row {
  long long id;             /* grows with every row, never reused */
  long long at;             /* the clock of the transaction that wrote it */
  const char *kind;         /* "move", "handoff", "account_move",
                               "account_handoff" or "notify" */
  const char *key;          /* the contact (the account for account_*) */
  const char *json;         /* the whole row as a JSON object */
} lr_outbox_row;
/* Call fn for each outbox row with an id above `after`, in id order, at
** most `limit` (<= 0: all); fn returns non-zero to stop (still LR_OK). */
LR_API int lr_outbox_each(lr_db *db, long long after, long long limit,
                          int (*fn)(void *ctx, const lr_outbox_row *row),
                          void *ctx);
/* The last id `consumer` acknowledged (0: none), and acknowledging one
** (an id at or below the recorded one changes nothing). */
LR_API int lr_outbox_acked(lr_db *db, const char *consumer, long long *id);
LR_API int lr_outbox_ack(lr_db *db, const char *consumer, long long id);

#define LR_INGEST_NDJSON 0
#define LR_INGEST_CSV    1
typedef struct lr_ingest_opts {
  size_t size;              /* sizeof(lr_ingest_opts): use the INIT macro */
  int format;               /* LR_INGEST_NDJSON (default) or LR_INGEST_CSV */
  long long batch;          /* events per transaction (0: 10000) */
  long long now;            /* default `at` and the clock; 0: current time */
  const char *rejects;      /* set bad events aside here (an lr_output for
                               "--rejects") and go on; NULL: the first bad
                               event stops the ingest (its batch rolled back,
                               earlier batches stay committed) */
  lr_write_fn decisions;    /* one JSON line per move and handoff */
  void *decisions_ctx;
  volatile int *cancel;
} lr_ingest_opts;
#define LR_INGEST_OPTS_INIT { sizeof(lr_ingest_opts), 0,0,0,0,0,0,0 }

typedef struct lr_ingest_report {
  long long lines, events, rejected, batches, contacts, moves, handoffs;
} lr_ingest_report;

/*
** Read events from `path` ("-": stdin), NDJSON (one object a line:
** {"contact": KEY, "type": T, "at": TIME, "value": N, "campaign": C,
** "create": {FIELD: VALUE...}}) or CSV with a header (contact, type, at,
** value, campaign), and lr_apply_events them opts->batch at a time.  A
** bad event is "FILE:LINE: problem" (LR_INPUT; LR_NOTFOUND for an
** unknown contact).  report may be NULL.
*/
LR_API int lr_ingest(lr_policy *policy, const char *path,
                     const lr_ingest_opts *opts, lr_ingest_report *report);

typedef struct lr_serve_opts {
  size_t size;              /* sizeof(lr_serve_opts): use the INIT macro */
  const char *listen;       /* "HOST:PORT" (NULL: "127.0.0.1:8787") */
  const char *token_file;   /* the bearer token's file (required: its
                               first line, 16 to 511 characters) */
  long long now;            /* a fixed clock (0: the current time) */
  const char *notify_exec;  /* run this shell command per decision */
  const char *notify_url;   /* POST each decision here */
  size_t max_body;          /* request body cap in bytes (0: 1 MiB) */
  volatile int *stop;       /* set non-zero: finish requests, return LR_OK */
  volatile int *reload;     /* set non-zero: reload the policy (cleared) */
  /* Log lines (no newline), possibly from several threads; NULL: stderr. */
  void (*log)(void *ctx, const char *line);
  void *log_ctx;
  /* Called once the server listens, with its port (0 in listen picks a
  ** free one). */
  void (*ready)(void *ctx, int port);
  void *ready_ctx;
  int busy_ms;              /* how long the writer (and each reader) waits
                               for another writer's lock (0: 5000 ms); a
                               group still locked out is answered 503 */
} lr_serve_opts;
#define LR_SERVE_OPTS_INIT { sizeof(lr_serve_opts), 0,0,0,0,0,0,0,0,0,0,0,0,0 }

/*
** Serve the HTTP API of docs/realtime.md for the database at `db_path`
** with the policy at `policy_path` until *opts->stop: one writer applies
** requests in arrival order, grouping those that queue up into one
** transaction; readers never wait for it.  Returns LR_OK after a stop,
** or an error (the policy does not load, the address is taken: LR_IO).
*/
LR_API int lr_serve(const char *db_path, const char *policy_path,
                    const lr_serve_opts *opts);

/*
** Accounts (issue 19): companies keyed by domain, scored from their
** contacts.  lr_import_csv(db, LR_ACCOUNTS, ...) imports them (key: the
** Domain, Website or Company Domain column, or opts->key; a URL is reduced
** to its host, lower-cased); every contacts or accounts import matches
** contacts to accounts again (contacts.account_key: the contact's
** `account` field when it names an account, else its email's domain,
** never a free-mail domain of stdlib/freemail.lua).
*/

/* Write the accounts as CSV (or JSON with opts->json) through `write`, in
** key order: domain, each imported field (original headers unless
** opts->field_names), score, score_GROUP per stored group, grade, stage,
** owner, contacts (matched contacts).  opts->raw as lr_export; the other
** options are ignored.  LR_IO when write fails. */
LR_API int lr_export_accounts(lr_db *db, const lr_export_opts *opts,
                              lr_write_fn write, void *ctx);

/* Explain one account (by key) without writing: its contacts are
** evaluated with `policy` through the same evaluation as lr_run, then the
** account.  Items, in this order: LR_EX_CONTACT (name=account key,
** points=stored score, detail=stored stage, note=owner), one LR_EX_MEMBER
** per contact, LR_EX_RULE per account rule (detail: what it read),
** LR_EX_GROUP per account group and "total" (detail: grade letter),
** LR_EX_TRANSITION per account transition tried (name "from->to"),
** LR_EX_HANDOFF (detail: the owner a run would pick now).  LR_NOTFOUND
** for an unknown account. */
LR_API int lr_explain_account(lr_policy *policy, const char *key,
                              long long now, lr_explain_fn callback,
                              void *ctx);

/* lr_backtest for accounts: every contact evaluated with the policy, then
** every account (the account rules, stages and grades); an account is
** positive when any of its contacts' latest outcome is won, negative when
** some have outcomes and none is won, left out when none has one.  The
** same figures and formats as lr_backtest, over accounts; opts->outcome
** must be NULL (LR_MISUSE). */
LR_API int lr_backtest_accounts(lr_policy *policy,
                                const lr_backtest_opts *opts,
                                lr_write_fn write, void *ctx,
                                lr_backtest_summary *summary);

/* lr_diff for accounts: each policy evaluates every contact and then every
** account with its own results, writing nothing; reported are the matrix
** of final account stages (old x new) and the accounts whose stage or
** score changes, largest change first (the first opts->stage_list: 0 50,
** negative all).  Text or JSON (opts->format). */
LR_API int lr_diff_accounts(lr_policy *old_policy, lr_policy *new_policy,
                            const lr_diff_opts *opts, lr_write_fn write,
                            void *ctx);

/* What lr_run did to accounts (a policy's account_stages, account_rule,
** account_transition, account_handoff): returns the accounts evaluated
** and sets the counts asked for (NULL: not wanted).  Accounts are
** evaluated after every contact of the run, in key order; then the
** contact handoffs through account_owner{} are routed, in contact id
** order.  0 for a result without accounts. */
LR_API long long lr_run_accounts(const lr_run_result *r,
                                 long long *score_changes, long long *moves,
                                 long long *handoffs);
/* The account moves and handoffs of a run with opts.collect (at most
** opts.collect_max each): lr_move/lr_handoff whose key is the account's
** key and contact_id its id.  NULL out of range.  Owned by the result. */
LR_API long long lr_run_account_move_count(const lr_run_result *r);
LR_API const lr_move *lr_run_account_move(const lr_run_result *r, long long i);
LR_API long long lr_run_account_handoff_count(const lr_run_result *r);
LR_API const lr_handoff *lr_run_account_handoff(const lr_run_result *r,
                                                long long i);

#ifdef __cplusplus
}
#endif
#endif /* LEADRULES_H */
