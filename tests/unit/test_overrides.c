/*
** test_overrides.c -- manual moves and edits (lr_contact_move,
** lr_contact_set) on real database files: what is recorded (who, when,
** why), what is refused, how values are typed, and the rule for later
** runs: a manual move holds until a later move, an outcome closed after
** it, its expiry or a run that overrides it; data changes never end it.
*/
#include "tqdb.h"

#define NOW 1000000LL

static const char *SETUP =
  "INSERT INTO contacts(id,key,email,title,company_size,country) VALUES"
  " (1,'ann@a.example','ann@a.example','VP Sales',5000,'US'),"
  " (2,'bob@b.example','bob@b.example','Intern',10,'DE');"
  "ALTER TABLE contacts ADD COLUMN postal_code TEXT;"
  "INSERT INTO fields(name,type,header) VALUES('postal_code','text','Postal Code');"
  "ALTER TABLE contacts ADD COLUMN visits INTEGER;"
  "INSERT INTO fields(name,type,header) VALUES('visits','integer','Visits');";

/* The stages a run's policy declared, as the run row records them: a
** move may name any of them. */
static const char *RAN =
  "INSERT INTO runs(kind, now, started_at, stages) VALUES('run', 1, 1,"
  " '{\"funnel\": [\"lead\", \"mql\", \"sql\"], \"side\": [\"nurture\"]}')";

static void test_move_recorded(void) {
  fresh_db("overrides", SETUP);
  sql(RAN);
  sql("UPDATE contacts SET stage='sql', owner='ana', due_at=1200000 WHERE id=1");
  CHECK_INT(lr_contact_move(db, "ann@a.example", "nurture", "ops@corp",
                            "budget frozen until Q3", NOW), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "nurture");
  CHECK_INT(sql_int("SELECT manual_at FROM contacts WHERE id=1"), NOW);
  CHECK_INT(sql_int("SELECT updated_at FROM contacts WHERE id=1"), NOW);
  /* a person acted: the SLA is met */
  CHECK_INT(sql_int("SELECT due_at IS NULL FROM contacts WHERE id=1"), 1);
  CHECK_STR(sql_text("SELECT owner FROM contacts WHERE id=1"), "ana");
  CHECK_STR(sql_text("SELECT from_stage || '>' || to_stage || '|' || by || '|' || "
                     "reason || '|' || at FROM stage_history"),
            "sql>nurture|ops@corp|budget frozen until Q3|1000000");
  CHECK_STR(sql_text("SELECT r.kind || '|' || r.by || '|' || r.moves || '|' || "
                     "r.now FROM stage_history h JOIN runs r ON r.id = h.run_id"),
            "manual|ops@corp|1|1000000");
  CHECK_INT(sql_int("SELECT transition IS NULL FROM stage_history"), 1);
  /* the stage keeps the spelling the data has; keys are normalised */
  sql("UPDATE contacts SET stage='MQL' WHERE id=2");
  CHECK_INT(lr_contact_move(db, " ANN@A.EXAMPLE", "mql", NULL, "typo", NOW + 1),
            LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "MQL");
  CHECK_STR(sql_text("SELECT by FROM stage_history ORDER BY id DESC"), "unknown");
  /* #id */
  CHECK_INT(lr_contact_move(db, "#2", "lead", "ops", "back", NOW + 2), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=2"), "lead");
}

static void test_move_refused(void) {
  fresh_db("overrides", SETUP);
  CHECK_INT(lr_contact_move(db, "nobody@x.example", "mql", "ops", "x", NOW),
            LR_NOTFOUND);
  CHECK_CONTAINS(lr_errmsg(db), "no contact with key 'nobody@x.example'");
  CHECK_INT(lr_contact_move(db, "ann@a.example", "mql", "ops", NULL, NOW),
            LR_MISUSE);
  CHECK_CONTAINS(lr_errmsg(db), "a reason");
  CHECK_INT(lr_contact_move(db, "ann@a.example", "mql", "ops", "", NOW),
            LR_MISUSE);
  CHECK_INT(lr_contact_move(db, "ann@a.example", "", "ops", "x", NOW),
            LR_MISUSE);
  /* nothing half-written */
  CHECK_INT(sql_int("SELECT count(*) FROM runs"), 0);
  CHECK_INT(sql_int("SELECT count(*) FROM stage_history"), 0);
  CHECK_INT(sql_int("SELECT manual_at IS NULL FROM contacts WHERE id=1"), 1);
}

static void test_set_recorded_and_typed(void) {
  fresh_db("overrides", SETUP);
  CHECK_INT(lr_contact_set(db, "ann@a.example", "title", "Head of Sales",
                           "ops@corp", "LinkedIn", NOW), LR_OK);
  CHECK_STR(sql_text("SELECT title FROM contacts WHERE id=1"), "Head of Sales");
  CHECK_INT(sql_int("SELECT data_at FROM contacts WHERE id=1"), NOW);
  CHECK_STR(sql_text("SELECT field || '|' || old_value || '|' || new_value || '|' "
                     "|| at || '|' || by || '|' || reason FROM audit"),
            "title|VP Sales|Head of Sales|1000000|ops@corp|LinkedIn");
  CHECK_STR(sql_text("SELECT r.kind FROM audit a JOIN runs r ON r.id=a.run_id"),
            "manual");
  /* typed like the importer: numbers when they round-trip */
  CHECK_INT(lr_contact_set(db, "ann@a.example", "visits", "42", "ops", "x",
                           NOW + 1), LR_OK);
  CHECK_STR(sql_text("SELECT typeof(visits) FROM contacts WHERE id=1"), "integer");
  CHECK_STR(sql_text("SELECT typeof(new_value) FROM audit WHERE field='visits'"),
            "integer");
  CHECK_INT(lr_contact_set(db, "ann@a.example", "postal_code", "02134", "ops",
                           "x", NOW + 2), LR_OK);
  CHECK_STR(sql_text("SELECT postal_code || typeof(postal_code) FROM contacts "
                     "WHERE id=1"), "02134text");
  CHECK_INT(lr_contact_set(db, "bob@b.example", "postal_code", "2.5", "ops",
                           "x", NOW + 2), LR_OK);
  CHECK_STR(sql_text("SELECT typeof(new_value) FROM audit WHERE contact_id=2"),
            "real");
  CHECK_INT(lr_contact_set(db, "bob@b.example", "postal_code", "1e5", "ops",
                           "x", NOW + 3), LR_OK);
  CHECK_STR(sql_text("SELECT typeof(new_value) || new_value FROM audit "
                     "WHERE contact_id=2 ORDER BY id DESC"), "text1e5");
  /* a text value widens an integer field */
  CHECK_INT(lr_contact_set(db, "bob@b.example", "visits", "a few", "ops", "x",
                           NOW + 4), LR_OK);
  CHECK_STR(sql_text("SELECT type FROM fields WHERE name='visits'"), "text");
  /* NULL */
  CHECK_INT(lr_contact_set(db, "ann@a.example", "title", NULL, "ops",
                           "left the company", NOW + 5), LR_OK);
  CHECK_INT(sql_int("SELECT title IS NULL FROM contacts WHERE id=1"), 1);
  CHECK_STR(sql_text("SELECT old_value || '>' || ifnull(new_value, 'NULL') "
                     "FROM audit ORDER BY id DESC"), "Head of Sales>NULL");
  /* the same value again: nothing written, no trace of a non-change */
  long long audits = sql_int("SELECT count(*) FROM audit");
  long long runs = sql_int("SELECT count(*) FROM runs");
  CHECK_INT(lr_contact_set(db, "ann@a.example", "visits", "42", "ops", "x",
                           NOW + 6), LR_OK);
  CHECK_INT(sql_int("SELECT count(*) FROM audit"), audits);
  CHECK_INT(sql_int("SELECT count(*) FROM runs"), runs);
  CHECK_INT(sql_int("SELECT data_at FROM contacts WHERE id=1"), NOW + 5);
  /* owner is data a person may correct */
  CHECK_INT(lr_contact_set(db, "ann@a.example", "owner", "ben", "ops",
                           "ana is on leave", NOW + 7), LR_OK);
  CHECK_STR(sql_text("SELECT owner FROM contacts WHERE id=1"), "ben");
}

static void test_set_refused(void) {
  fresh_db("overrides", SETUP);
  static const char *const engine[] = {"score", "id", "key", "grade",
      "scores", "manual_at", "data_at", "due_at", "updated_at", NULL};
  for (const char *const *f = engine; *f; f++) {
    CHECK_INT(lr_contact_set(db, "ann@a.example", *f, "1", "ops", "x", NOW),
              LR_MISUSE);
    CHECK_CONTAINS(lr_errmsg(db), "is owned by the engine");
  }
  CHECK_INT(lr_contact_set(db, "ann@a.example", "titel", "x", "ops", "x", NOW),
            LR_NOTFOUND);
  CHECK_CONTAINS(lr_errmsg(db), "unknown field 'titel'");
  CHECK_INT(lr_contact_set(db, "ann@a.example", "title", "x", "ops", NULL, NOW),
            LR_MISUSE);
  CHECK_INT(lr_contact_set(db, "nobody", "title", "x", "ops", "x", NOW),
            LR_NOTFOUND);
  CHECK_INT(sql_int("SELECT count(*) FROM audit"), 0);
  CHECK_INT(sql_int("SELECT count(*) FROM runs"), 0);
  CHECK_STR(sql_text("SELECT title FROM contacts WHERE id=1"), "VP Sales");
}

/* One naming rule (issue 15): a header or its folded form names the field
** it became; text never goes into a number field leadrules declares. */
static void test_set_names_and_numbers(void) {
  fresh_db("overrides", SETUP);
  CHECK_INT(lr_contact_set(db, "ann@a.example", "Postal Code", "02139", "ops",
                           "moved", NOW), LR_OK);
  CHECK_INT(lr_contact_set(db, "bob@b.example", "postal_code", "10115", "ops",
                           "moved", NOW), LR_OK);
  CHECK_STR(sql_text("SELECT group_concat(postal_code, ',') FROM contacts"),
            "02139,10115");
  CHECK_STR(sql_text("SELECT group_concat(field, ',') FROM audit"),
            "postal_code,postal_code");
  CHECK_INT(lr_contact_set(db, "ann@a.example", "company_size", "lots", "ops",
                           "x", NOW), LR_INPUT);
  CHECK_STR(lr_errmsg(db), "'lots' is not a number, and company_size is a "
            "number field (leave it empty to clear it)");
  CHECK_INT(sql_int("SELECT company_size FROM contacts WHERE id=1"), 5000);
  CHECK_STR(sql_text("SELECT type FROM fields WHERE name='company_size'"),
            "integer");
  CHECK_INT(lr_contact_set(db, "ann@a.example", "company_size", "2.5", "ops",
                           "x", NOW), LR_OK);      /* a number fits */
  CHECK_INT(lr_contact_set(db, "ann@a.example", "company_size", NULL, "ops",
                           "x", NOW), LR_OK);
  CHECK_INT(sql_int("SELECT company_size IS NULL FROM contacts WHERE id=1"), 1);
  /* a user field still widens: its type is what its values are */
  CHECK_INT(lr_contact_set(db, "bob@b.example", "visits", "n/a", "ops", "x",
                           NOW), LR_OK);
}

static const char *group_concat_history(int id) {
  char q[256];
  snprintf(q, sizeof q, "SELECT group_concat(to_stage, ',') FROM (SELECT "
           "to_stage FROM stage_history WHERE contact_id=%d ORDER BY id)", id);
  return sql_text(q);
}

static const char *FUNNEL =
  "stages { 'lead', 'mql', 'sql' }\n"
  "stage 'nurture'\n"
  "rule 'senior' { points = 60, when = function(l)\n"
  "  return (l.title or ''):find('VP') ~= nil end }\n"
  "transition { from = 'nurture', to = 'lead', when = function() return true end }\n"
  "transition { from = 'lead', to = 'mql', when = function(l) return l.score >= 50 end }\n";

/* Import a CSV (written to a file first) of `kind` at clock `now`. */
static int import_at(int kind, const char *csv, long long now) {
  static int n;
  char name[64];
  snprintf(name, sizeof name, "in%d.csv", n++);
  const char *path = t_path(name);
  t_write(path, csv);
  lr_import_opts o = LR_IMPORT_OPTS_INIT;
  o.now = now;
  int rc = lr_import_csv(db, kind, path, &o, NULL);
  if (rc != LR_OK) fprintf(stderr, "import failed: %s\n", lr_errmsg(db));
  return rc;
}

/* A run at `now` (one job, maybe dry): how many transitions locks held. */
static long long held_at(lr_policy *p, long long now, int dry, int override) {
  lr_run_opts o = LR_RUN_OPTS_INIT;
  o.now = now;
  o.jobs = 1;
  o.dry_run = dry;
  o.override_manual = override;
  lr_run_result r;
  int rc = lr_run(p, &o, &r);
  CHECK_INT(rc, LR_OK);
  long long held = rc == LR_OK ? lr_run_held_by_manual(&r) : -1;
  lr_run_result_free(&r);
  return held;
}

static const char *stage_of(int id) {
  char q[128];
  snprintf(q, sizeof q, "SELECT stage FROM contacts WHERE id=%d", id);
  return sql_text(q);
}

/* A manual move holds through every kind of data change: imports of
** contacts, activities and fields, `set`; each run counts what it held. */
static void test_lock_holds_through_data(void) {
  fresh_db("overrides", SETUP);
  lr_policy *p = policy(FUNNEL);
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_STR(stage_of(1), "mql");
  CHECK_STR(stage_of(2), "lead");
  CHECK_INT(sql_int("SELECT held_by_manual FROM runs ORDER BY id DESC"), 0);
  /* ops parks ann in nurture: the policy would send her back to lead */
  CHECK_INT(lr_contact_move(db, "ann@a.example", "nurture", "ops",
                            "on parental leave", NOW + 10), LR_OK);
  CHECK_INT(sql_int("SELECT manual_at FROM contacts WHERE id=1"), NOW + 10);
  CHECK_INT(sql_int("SELECT manual_until IS NULL FROM contacts WHERE id=1"), 1);
  /* nurture -> lead -> mql held back: 2 transitions, in the result and
  ** in the runs row */
  CHECK_INT(held_at(p, NOW + 20, 0, 0), 2);
  CHECK_STR(stage_of(1), "nurture");
  CHECK_INT(sql_int("SELECT held_by_manual FROM runs ORDER BY id DESC"), 2);
  /* the nightly CRM sync refreshes ann's row (a new column, a changed
  ** title), her activities, and ops corrects a field: none releases */
  CHECK_INT(import_at(LR_CONTACTS, "email,title,Last Activity\n"
                      "ann@a.example,SVP Sales,2024-01-01\n", NOW + 30),
            LR_OK);
  CHECK_INT(sql_int("SELECT data_at FROM contacts WHERE id=1"), NOW + 30);
  CHECK_INT(held_at(p, NOW + 40, 0, 0), 2);
  CHECK_STR(stage_of(1), "nurture");
  CHECK_INT(import_at(LR_ACTIVITIES, "email,type,occurred_at\n"
                      "ann@a.example,page_view,1000045\n", NOW + 50), LR_OK);
  CHECK_INT(held_at(p, NOW + 60, 0, 0), 2);
  CHECK_STR(stage_of(1), "nurture");
  CHECK_INT(lr_contact_set(db, "ann@a.example", "country", "CA", "ops",
                           "moved to Toronto", NOW + 70), LR_OK);
  CHECK_INT(sql_int("SELECT data_at FROM contacts WHERE id=1"), NOW + 70);
  CHECK_INT(held_at(p, NOW + 80, 0, 0), 2);
  CHECK_STR(stage_of(1), "nurture");
  /* scores still follow the data while the stage is held */
  CHECK_INT(sql_int("SELECT score FROM contacts WHERE id=1"), 60);
  /* a dry run with --override-manual shows what the policy would do and
  ** ends nothing */
  {
    lr_run_opts o = LR_RUN_OPTS_INIT;
    o.now = NOW + 90;
    o.dry_run = 1;
    o.override_manual = 1;
    lr_run_result r;
    CHECK_INT(lr_run(p, &o, &r), LR_OK);
    CHECK_INT(r.moves, 2);                 /* nurture -> lead -> mql */
    CHECK_INT(lr_run_held_by_manual(&r), 0);
    lr_run_result_free(&r);
  }
  CHECK_STR(stage_of(1), "nurture");
  CHECK_INT(sql_int("SELECT manual_at FROM contacts WHERE id=1"), NOW + 10);
  /* a dry run counts what it would hold */
  CHECK_INT(held_at(p, NOW + 95, 1, 0), 2);
  /* --override-manual: the policy wins and the lock is over */
  CHECK_INT(held_at(p, NOW + 100, 0, 1), 0);
  CHECK_STR(stage_of(1), "mql");
  CHECK_INT(sql_int("SELECT manual_at IS NULL AND manual_until IS NULL "
                    "FROM contacts WHERE id=1"), 1);
  CHECK_INT(held_at(p, NOW + 110, 0, 0), 0);
  CHECK_STR(group_concat_history(1), "lead,mql,nurture,lead,mql");
  /* a manual move into a stage the policy would not leave is kept as is,
  ** and holds nothing back */
  CHECK_INT(lr_contact_move(db, "bob@b.example", "sql", "ops", "asked for a "
                            "quote on the phone", NOW + 120), LR_OK);
  CHECK_INT(held_at(p, NOW + 130, 0, 0), 0);
  CHECK_STR(stage_of(2), "sql");
  lr_policy_free(p);
}

/* A later move replaces the lock: its clock, its expiry or none; `set`
** of the stage is a move. */
static void test_later_move_and_set_stage(void) {
  fresh_db("overrides", SETUP);
  lr_policy *p = policy(FUNNEL);
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_INT(lr_contact_move_v2(db, "ann@a.example", "nurture", "ops", "wait",
                               NOW + 10, NOW + 1000), LR_OK);
  CHECK_INT(sql_int("SELECT manual_until FROM contacts WHERE id=1"), NOW + 1000);
  /* a move without expiry: the lock no longer ends at NOW + 1000 */
  CHECK_INT(lr_contact_move(db, "ann@a.example", "lead", "ops", "call her",
                            NOW + 20), LR_OK);
  CHECK_INT(sql_int("SELECT manual_at FROM contacts WHERE id=1"), NOW + 20);
  CHECK_INT(sql_int("SELECT manual_until IS NULL FROM contacts WHERE id=1"), 1);
  CHECK_INT(held_at(p, NOW + 2000, 0, 0), 1);            /* lead -> mql */
  CHECK_STR(stage_of(1), "lead");
  /* set stage=... : a move with history, by and reason, and a new lock */
  CHECK_INT(lr_contact_set(db, "ann@a.example", "stage", "nurture", "ana",
                           "not now", NOW + 2100), LR_OK);
  CHECK_STR(stage_of(1), "nurture");
  CHECK_STR(sql_text("SELECT from_stage || '>' || to_stage || '|' || by || "
                     "'|' || reason || '|' || at FROM stage_history "
                     "ORDER BY id DESC"), "lead>nurture|ana|not now|1002100");
  CHECK_INT(sql_int("SELECT manual_at FROM contacts WHERE id=1"), NOW + 2100);
  CHECK_INT(sql_int("SELECT count(*) FROM audit"), 0);
  CHECK_INT(held_at(p, NOW + 2200, 0, 0), 2);
  CHECK_STR(stage_of(1), "nurture");
  /* no stage to set */
  CHECK_INT(lr_contact_set(db, "ann@a.example", "stage", NULL, "ana", "x",
                           NOW + 2300), LR_MISUSE);
  CHECK_CONTAINS(lr_errmsg(db), "a stage is required");
  lr_policy_free(p);
}

/* (b) An outcome releases the lock when it closed after the move; one
** closed at the move's second or before (however late it is imported)
** was known to the person who moved the contact. */
static void test_lock_outcome_boundary(void) {
  fresh_db("overrides", SETUP);
  lr_policy *p = policy(FUNNEL);
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_INT(lr_contact_move(db, "ann@a.example", "nurture", "ops", "lost it",
                            NOW + 100), LR_OK);
  /* closed a day before the move, imported after it: holds */
  CHECK_INT(import_at(LR_OUTCOMES, "email,result,closed_at\n"
                      "ann@a.example,lost,913700\n", NOW + 200), LR_OK);
  CHECK_INT(sql_int("SELECT closed_at FROM outcomes"), NOW + 100 - 86400);
  CHECK_INT(held_at(p, NOW + 300, 0, 0), 2);
  CHECK_STR(stage_of(1), "nurture");
  /* closed at the move's very second: holds */
  CHECK_INT(import_at(LR_OUTCOMES, "email,result,closed_at\n"
                      "ann@a.example,lost,1000100\n", NOW + 400), LR_OK);
  CHECK_INT(held_at(p, NOW + 500, 0, 0), 2);
  CHECK_STR(stage_of(1), "nurture");
  /* closed one second after the move: released */
  CHECK_INT(import_at(LR_OUTCOMES, "email,result,closed_at\n"
                      "ann@a.example,won,1000101\n", NOW + 600), LR_OK);
  CHECK_INT(held_at(p, NOW + 700, 0, 0), 0);
  CHECK_STR(stage_of(1), "mql");
  /* the lock is not cleared: the outcome keeps it released */
  CHECK_INT(sql_int("SELECT manual_at FROM contacts WHERE id=1"), NOW + 100);
  /* a move after that outcome locks again */
  CHECK_INT(lr_contact_move(db, "ann@a.example", "nurture", "ops", "again",
                            NOW + 800), LR_OK);
  CHECK_INT(held_at(p, NOW + 900, 0, 0), 2);
  CHECK_STR(stage_of(1), "nurture");
  lr_policy_free(p);
}

/* (c) An expiry: the lock holds at until - 1 and ends at until. */
static void test_lock_expiry_boundary(void) {
  fresh_db("overrides", SETUP);
  lr_policy *p = policy(FUNNEL);
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  const long long until = NOW + 100 + 30 * 86400;
  CHECK_INT(lr_contact_move_v2(db, "ann@a.example", "nurture", "ops",
                               "not ready", NOW + 100, until), LR_OK);
  CHECK_INT(sql_int("SELECT manual_until FROM contacts WHERE id=1"), until);
  CHECK_INT(held_at(p, until - 1, 1, 0), 2);             /* dry runs */
  CHECK_INT(held_at(p, until, 1, 0), 0);
  CHECK_INT(held_at(p, until - 1, 0, 0), 2);
  CHECK_STR(stage_of(1), "nurture");
  CHECK_INT(held_at(p, until, 0, 0), 0);
  CHECK_STR(stage_of(1), "mql");
  /* refused: an expiry at or before the move, or out of range; nothing
  ** written */
  long long runs = sql_int("SELECT count(*) FROM runs");
  CHECK_INT(lr_contact_move_v2(db, "ann@a.example", "nurture", "ops", "x",
                               NOW + 5000, NOW + 5000), LR_MISUSE);
  CHECK_CONTAINS(lr_errmsg(db), "the lock's expiry (1970-01-12T15:10:00Z) is "
                 "not after the move (1970-01-12T15:10:00Z)");
  CHECK_INT(lr_contact_move_v2(db, "ann@a.example", "nurture", "ops", "x",
                               NOW + 5000, NOW), LR_MISUSE);
  CHECK_INT(lr_contact_move_v2(db, "ann@a.example", "nurture", "ops", "x",
                               NOW + 5000, -1), LR_MISUSE);
  CHECK_INT(lr_contact_move_v2(db, "ann@a.example", "nurture", "ops", "x",
                               NOW + 5000, LR_TIME_MAX + 1), LR_MISUSE);
  CHECK_CONTAINS(lr_errmsg(db), "out of range");
  CHECK_INT(sql_int("SELECT count(*) FROM runs"), runs);
  CHECK_STR(stage_of(1), "mql");
  /* the latest possible expiry is taken */
  CHECK_INT(lr_contact_move_v2(db, "ann@a.example", "nurture", "ops", "x",
                               NOW + 5000, LR_TIME_MAX), LR_OK);
  lr_policy_free(p);
}

/* An import stamped with the caller's clock: imports.at and data_at. */
static void test_import_clock(void) {
  fresh_db("overrides", SETUP);
  CHECK_INT(import_at(LR_CONTACTS, "email,title\nann@a.example,CTO\n",
                      NOW + 7), LR_OK);
  CHECK_INT(sql_int("SELECT at FROM imports ORDER BY id DESC"), NOW + 7);
  CHECK_INT(sql_int("SELECT data_at FROM contacts WHERE id=1"), NOW + 7);
  CHECK_INT(import_at(LR_ACTIVITIES, "email,type,occurred_at\n"
                      "bob@b.example,page_view,1000000\n", NOW + 8), LR_OK);
  CHECK_INT(sql_int("SELECT at FROM imports ORDER BY id DESC"), NOW + 8);
  CHECK_INT(sql_int("SELECT data_at FROM contacts WHERE id=2"), NOW + 8);
  CHECK_INT(import_at(LR_OUTCOMES, "email,result,closed_at\n"
                      "bob@b.example,won,1000000\n", NOW + 9), LR_OK);
  CHECK_INT(sql_int("SELECT at FROM imports ORDER BY id DESC"), NOW + 9);
  /* the clock's range is the run's */
  long long n = sql_int("SELECT count(*) FROM imports");
  CHECK_INT(import_at(LR_CONTACTS, "email\nx@y.example\n", -1), LR_MISUSE);
  CHECK_CONTAINS(lr_errmsg(db), "lr_import_csv: now -1 is out of range");
  CHECK_INT(import_at(LR_CONTACTS, "email\nx@y.example\n", LR_TIME_MAX + 1),
            LR_MISUSE);
  CHECK_INT(sql_int("SELECT count(*) FROM imports"), n);
}

/* A version-2 file: a lock version 2 had released (data changed after
** the move) stays released; one that held keeps holding. */
static void test_migrate_v2_locks(void) {
  T_SQLITE_ONLY("version 2 was an SQLite file (PostgreSQL began at 4)");
  fresh_db("overrides", SETUP);
  lr_close(db);
  db = NULL;
  sql("UPDATE contacts SET stage='nurture', manual_at=100, data_at=200 "
      "WHERE id=1;"
      "UPDATE contacts SET stage='nurture', manual_at=300, data_at=200 "
      "WHERE id=2;"
      "ALTER TABLE contacts DROP COLUMN manual_until;"
      "ALTER TABLE contacts DROP COLUMN stage_since;"
      "ALTER TABLE contacts DROP COLUMN grades;"
      "ALTER TABLE runs DROP COLUMN held_by_manual;"
      "ALTER TABLE runs DROP COLUMN stages;"
      /* version 4's */
      "DROP INDEX contacts_by_stable_until;"
      "DROP INDEX contacts_by_change_mark;"
      "ALTER TABLE contacts DROP COLUMN stable_until;"
      "ALTER TABLE contacts DROP COLUMN change_mark;"
      "ALTER TABLE runs DROP COLUMN scope;"
      "ALTER TABLE runs DROP COLUMN reads_others;"
      "ALTER TABLE runs DROP COLUMN full_reason;"
      "DROP TABLE outbox; DROP TABLE outbox_acks;"
      /* schema 4 adds the accounts */
      "DROP INDEX contacts_by_account;"
      "ALTER TABLE contacts DROP COLUMN account_key;"
      "DROP TABLE account_parts; DROP TABLE account_assignments;"
      "DROP TABLE account_history; DROP TABLE accounts;"
      "PRAGMA user_version=2;");
  CHECK_INT(lr_open(dbpath, &db), LR_OK);
  CHECK_INT(sql_int("PRAGMA user_version"), 4);
  CHECK_INT(sql_int("SELECT manual_at IS NULL FROM contacts WHERE id=1"), 1);
  CHECK_INT(sql_int("SELECT manual_at FROM contacts WHERE id=2"), 300);
}

/* A move names a known stage: one contacts are in, one in the history,
** or one the last run declared; a typo is refused with the nearest. */
static void test_move_unknown_stage(void) {
  fresh_db("overrides", SETUP);
  /* nothing known yet: any name is taken (nothing to check against) */
  CHECK_INT(lr_contact_move(db, "ann@a.example", "Fresh", "ops", "x", NOW),
            LR_OK);
  CHECK_STR(stage_of(1), "Fresh");
  /* known from the contacts and the history: case folds to their spelling */
  CHECK_INT(lr_contact_move(db, "bob@b.example", "FRESH", "ops", "x", NOW),
            LR_OK);
  CHECK_STR(stage_of(2), "Fresh");
  CHECK_INT(lr_contact_move(db, "bob@b.example", "nurture", "ops", "x",
                            NOW + 1), LR_INPUT);
  CHECK_CONTAINS(lr_errmsg(db), "unknown stage 'nurture'");
  CHECK_CONTAINS(lr_errmsg(db), "the known stages: Fresh");
  /* a run declared more: those are known, a typo gets "did you mean" */
  sql(RAN);
  CHECK_INT(lr_contact_move(db, "bob@b.example", "nurtrue", "ops", "x",
                            NOW + 2), LR_INPUT);
  CHECK_CONTAINS(lr_errmsg(db), "did you mean 'nurture'?");
  CHECK_CONTAINS(lr_errmsg(db), "Fresh, lead, mql, nurture, sql");
  /* set stage=... is a move: the same rule */
  CHECK_INT(lr_contact_set(db, "bob@b.example", "stage", "bogus", "ops", "x",
                           NOW + 3), LR_INPUT);
  CHECK_CONTAINS(lr_errmsg(db), "unknown stage 'bogus'");
  /* nothing written by the refusals */
  CHECK_INT(sql_int("SELECT count(*) FROM stage_history"), 2);
  CHECK_STR(stage_of(2), "Fresh");
  CHECK_INT(lr_contact_move(db, "bob@b.example", "Nurture", "ops", "x",
                            NOW + 4), LR_OK);
  CHECK_STR(stage_of(2), "nurture");
  /* a dry run's stages are not the policy that runs */
  sql("INSERT INTO runs(kind, now, started_at, dry_run, stages) VALUES("
      "'run', 2, 2, 1, '{\"funnel\": [\"trial\"], \"side\": []}')");
  CHECK_INT(lr_contact_move(db, "bob@b.example", "trial", "ops", "x",
                            NOW + 5), LR_INPUT);
  /* the latest (real) run's declaration counts, not an older one's */
  sql("INSERT INTO runs(kind, now, started_at, stages) VALUES('run', 3, 3,"
      " '{\"funnel\": [\"lead\", \"won\"], \"side\": []}')");
  CHECK_INT(lr_contact_move(db, "bob@b.example", "won", "ops", "x", NOW + 6),
            LR_OK);
  CHECK_INT(lr_contact_move(db, "bob@b.example", "sql", "ops", "x", NOW + 7),
            LR_INPUT);
}

/* A move to the stage the contact is in renews its lock (manual_at, the
** expiry, an audit row) but is no move: no S->S history row, and
** stage_since (what cool-downs count from) stays. */
static void test_move_same_stage_renews(void) {
  fresh_db("overrides", SETUP);
  sql(RAN);
  CHECK_INT(lr_contact_move(db, "ann@a.example", "nurture", "ops", "wait",
                            NOW), LR_OK);
  CHECK_INT(sql_int("SELECT stage_since FROM contacts WHERE id=1"), NOW);
  CHECK_INT(lr_contact_move_v2(db, "ann@a.example", "NURTURE", "ana",
                               "still waiting", NOW + 50, NOW + 1000), LR_OK);
  CHECK_STR(stage_of(1), "nurture");
  CHECK_INT(sql_int("SELECT count(*) FROM stage_history"), 1);
  CHECK_INT(sql_int("SELECT stage_since FROM contacts WHERE id=1"), NOW);
  CHECK_INT(sql_int("SELECT manual_at FROM contacts WHERE id=1"), NOW + 50);
  CHECK_INT(sql_int("SELECT manual_until FROM contacts WHERE id=1"),
            NOW + 1000);
  CHECK_STR(sql_text("SELECT field || '|' || ifnull(old_value, 'none') || '|'"
                     " || new_value || '|' || a.by || '|' || a.reason || '|' || "
                     "r.kind || '|' || r.moves FROM audit a JOIN runs r ON "
                     "r.id = a.run_id"),
            "manual_until|none|1001000|ana|still waiting|manual|0");
  /* renewed again without an expiry: the lock has none */
  CHECK_INT(lr_contact_move(db, "ann@a.example", "nurture", "ana", "open",
                            NOW + 60), LR_OK);
  CHECK_INT(sql_int("SELECT manual_until IS NULL FROM contacts WHERE id=1"), 1);
  CHECK_INT(sql_int("SELECT count(*) FROM audit"), 2);
  CHECK_INT(sql_int("SELECT count(*) FROM stage_history"), 1);
  CHECK_INT(sql_int("SELECT stage_since FROM contacts WHERE id=1"), NOW);
}

/* The key field names the contact and matches import rows: never set. */
static void test_set_key_field_refused(void) {
  fresh_db("overrides", SETUP);
  CHECK_INT(lr_contact_set(db, "ann@a.example", "email", "new@a.example",
                           "ops", "x", NOW), LR_MISUSE);
  CHECK_CONTAINS(lr_errmsg(db), "'email' is the key field");
  CHECK_STR(sql_text("SELECT email FROM contacts WHERE id=1"), "ann@a.example");
  CHECK_INT(sql_int("SELECT count(*) FROM audit"), 0);
  /* another key field: that one is refused, email may be set */
  sql(t_pg() ? "INSERT INTO meta(k, v) VALUES('key_field', 'country') "
              "ON CONFLICT (k) DO UPDATE SET v = excluded.v"
            : "INSERT OR REPLACE INTO meta(k, v) VALUES('key_field', 'country')");
  lr_close(db);
  CHECK_INT(lr_open(dbpath, &db), LR_OK);
  CHECK_INT(lr_contact_set(db, "ann@a.example", "country", "FR", "ops", "x",
                           NOW), LR_MISUSE);
  CHECK_CONTAINS(lr_errmsg(db), "'country' is the key field");
  CHECK_INT(lr_contact_set(db, "ann@a.example", "email", "new@a.example",
                           "ops", "x", NOW), LR_OK);
}

int main(void) {
  t_tmpdir();
  test_move_recorded();
  test_move_refused();
  test_set_recorded_and_typed();
  test_set_refused();
  test_set_names_and_numbers();
  test_lock_holds_through_data();
  test_later_move_and_set_stage();
  test_lock_outcome_boundary();
  test_lock_expiry_boundary();
  test_import_clock();
  test_migrate_v2_locks();
  test_move_unknown_stage();
  test_move_same_stage_renews();
  test_set_key_field_refused();
  lr_close(db);
  return t_done();
}
