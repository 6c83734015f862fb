-- bench/state_split.sql -- the layout the narrow engine-state prototype was
-- measured on (README, Design notes, "Engine state in a narrow table").
-- Apply it to a COPY of an imported leadrules database that no run has
-- written yet (it empties the state), then run a leadrules built with the
-- run's contact writes as upserts of contact_state:
--
--     INSERT INTO contact_state(id, <the columns the run sets>, updated_at)
--       VALUES(...) ON CONFLICT(id) DO UPDATE SET <those columns>
--
-- (src/store/apply.c: CONTACT_UPDATE*, ASSIGN_CONTACT and STABLE; the lock
-- release names contacts_data).  A leadrules built from main does not read
-- this layout.  The eleven columns a run writes move; contacts becomes a
-- view, so reads (the scan, user SQL) are unchanged.
PRAGMA foreign_keys=OFF;
BEGIN;
CREATE TABLE contact_state(
  id INTEGER PRIMARY KEY,
  score REAL NOT NULL DEFAULT 0, stage TEXT, owner TEXT, updated_at INTEGER,
  grade TEXT, scores TEXT, due_at INTEGER, assigned_at INTEGER,
  stage_since INTEGER, grades TEXT, stable_until INTEGER);
DROP INDEX contacts_by_stage;
DROP INDEX contacts_by_stable_until;
ALTER TABLE contacts RENAME TO contacts_data;
ALTER TABLE contacts_data DROP COLUMN score;
ALTER TABLE contacts_data DROP COLUMN stage;
ALTER TABLE contacts_data DROP COLUMN owner;
ALTER TABLE contacts_data DROP COLUMN updated_at;
ALTER TABLE contacts_data DROP COLUMN grade;
ALTER TABLE contacts_data DROP COLUMN scores;
ALTER TABLE contacts_data DROP COLUMN due_at;
ALTER TABLE contacts_data DROP COLUMN assigned_at;
ALTER TABLE contacts_data DROP COLUMN stage_since;
ALTER TABLE contacts_data DROP COLUMN grades;
ALTER TABLE contacts_data DROP COLUMN stable_until;
CREATE INDEX contacts_by_stage ON contact_state(stage);
CREATE INDEX contacts_by_stable_until ON contact_state(stable_until)
  WHERE stable_until IS NOT NULL;
CREATE VIEW contacts AS
  SELECT c.*, coalesce(s.score, 0.0) AS score, s.stage, s.owner, s.updated_at,
    s.grade, s.scores, s.due_at, s.assigned_at, s.stage_since, s.grades,
    s.stable_until
  FROM contacts_data AS c LEFT JOIN contact_state AS s ON s.id = c.id;
COMMIT;
VACUUM;
