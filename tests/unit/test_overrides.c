/*
** test_overrides.c -- manual moves and edits (lr_contact_move,
** lr_contact_set) on real database files: what is recorded (who, when,
** why), what is refused, how values are typed, and the rule for later
** runs: a manual move holds until the contact's data changes, unless the
** run overrides it.
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

static void test_move_recorded(void) {
  fresh_db("overrides", SETUP);
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
  CHECK_INT(lr_contact_set(db, "ann@a.example", "stage", "sql", "ops", "x", NOW),
            LR_MISUSE);
  CHECK_CONTAINS(lr_errmsg(db), "leadrules move");
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

static const char *FUNNEL =
  "stages { 'lead', 'mql', 'sql' }\n"
  "stage 'nurture'\n"
  "rule 'senior' { points = 60, when = function(l)\n"
  "  return (l.title or ''):find('VP') ~= nil end }\n"
  "transition { from = 'nurture', to = 'lead', when = function() return true end }\n"
  "transition { from = 'lead', to = 'mql', when = function(l) return l.score >= 50 end }\n";

/* The rule for later runs, end to end. */
static void test_lock_and_release(void) {
  fresh_db("overrides", SETUP);
  lr_policy *p = policy(FUNNEL);
  CHECK_INT(run_at(p, NOW, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "mql");
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=2"), "lead");
  /* ops parks ann in nurture: the policy would send her back to lead */
  CHECK_INT(lr_contact_move(db, "ann@a.example", "nurture", "ops",
                            "on parental leave", NOW + 10), LR_OK);
  CHECK_INT(run_at(p, NOW + 20, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "nurture");
  CHECK_INT(run_at(p, NOW + 86400, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "nurture");
  /* scores still follow the data while the stage is held */
  CHECK_INT(sql_int("SELECT score FROM contacts WHERE id=1"), 60);
  /* a dry run with --override-manual shows what the policy would do */
  {
    lr_run_opts o = LR_RUN_OPTS_INIT;
    o.now = NOW + 86400;
    o.dry_run = 1;
    o.override_manual = 1;
    lr_run_result r;
    CHECK_INT(lr_run(p, &o, &r), LR_OK);
    CHECK_INT(r.moves, 2);                 /* nurture -> lead -> mql */
    lr_run_result_free(&r);
  }
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "nurture");
  /* the contact's data changes (as an import would mark it): released */
  sql("UPDATE contacts SET data_at = 1000000 + 86400 + 5 WHERE id=1");
  CHECK_INT(run_at(p, NOW + 86400 + 10, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "mql");
  CHECK_STR(sql_text("SELECT group_concat(to_stage, ',') FROM (SELECT to_stage "
                     "FROM stage_history WHERE contact_id=1 ORDER BY id)"),
            "lead,mql,nurture,lead,mql");

  /* lock again; `set` is a data change too */
  CHECK_INT(lr_contact_move(db, "ann@a.example", "nurture", "ops", "again",
                            NOW + 90000), LR_OK);
  CHECK_INT(run_at(p, NOW + 90001, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "nurture");
  CHECK_INT(lr_contact_set(db, "ann@a.example", "country", "CA", "ops",
                           "moved to Toronto", NOW + 90002), LR_OK);
  CHECK_INT(run_at(p, NOW + 90003, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "mql");

  /* order of events, not clocks: a move stamped before the last import
  ** (an earlier --now) still locks; an edit in the same second after the
  ** move still releases */
  sql("UPDATE contacts SET data_at = 1000000 + 99000 WHERE id=1");  /* import */
  CHECK_INT(lr_contact_move(db, "ann@a.example", "nurture", "ops", "third",
                            NOW + 95000), LR_OK);
  CHECK_INT(sql_int("SELECT manual_at FROM contacts WHERE id=1"), NOW + 99000);
  CHECK_INT(run_at(p, NOW + 99001, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "nurture");
  CHECK_INT(lr_contact_set(db, "ann@a.example", "country", "US", "ops",
                           "back", NOW + 95000), LR_OK);
  CHECK_INT(sql_int("SELECT data_at FROM contacts WHERE id=1"), NOW + 99001);
  CHECK_INT(run_at(p, NOW + 99002, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "mql");
  CHECK_INT(lr_contact_move(db, "ann@a.example", "nurture", "ops", "fourth",
                            NOW + 99003), LR_OK);

  /* --override-manual: the policy wins */
  CHECK_INT(run_at(p, NOW + 99004, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "nurture");
  CHECK_INT(run_at(p, NOW + 99005, 1), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=1"), "mql");
  /* a manual move into a stage the policy would not leave is kept as is */
  CHECK_INT(lr_contact_move(db, "bob@b.example", "sql", "ops", "asked for a "
                            "quote on the phone", NOW + 96000), LR_OK);
  CHECK_INT(run_at(p, NOW + 96001, 0), LR_OK);
  CHECK_STR(sql_text("SELECT stage FROM contacts WHERE id=2"), "sql");
  lr_policy_free(p);
}

int main(void) {
  t_tmpdir();
  test_move_recorded();
  test_move_refused();
  test_set_recorded_and_typed();
  test_set_refused();
  test_set_names_and_numbers();
  test_lock_and_release();
  lr_close(db);
  return t_done();
}
