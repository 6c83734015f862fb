-- bench/load.sql -- load scripts/gen output into a plain SQLite database
-- shaped like a leadrules one (contacts with typed columns, activities with
-- unix times and the (contact_id, type, occurred_at) index), using nothing
-- but the sqlite3 shell.  Run it in the data directory:
--
--     cd DATA && sqlite3 base.db < bench/load.sql
--
-- scripts/bench runs bench/baseline.sql on the result when leadrules'
-- own import is not available.
-- WAL, like leadrules (the pragma prints the mode: send it nowhere)
.output /dev/null
PRAGMA journal_mode = WAL;
.output
PRAGMA synchronous = NORMAL;

CREATE TEMP TABLE contacts_csv(
  email TEXT, first_name TEXT, last_name TEXT, company TEXT, title TEXT,
  country TEXT, industry TEXT, company_size TEXT, source TEXT,
  created_date TEXT, phone TEXT, postal_code TEXT, annual_revenue TEXT,
  website_visits TEXT, notes TEXT);
CREATE TEMP TABLE activities_csv(
  email TEXT, type TEXT, occurred_at TEXT, value TEXT, campaign TEXT);
CREATE TEMP TABLE outcomes_csv(
  email TEXT, result TEXT, amount TEXT, closed_at TEXT);
.import --csv --skip 1 contacts.csv contacts_csv
.import --csv --skip 1 activities.csv activities_csv
.import --csv --skip 1 outcomes.csv outcomes_csv

BEGIN;
CREATE TABLE contacts(
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  email TEXT, first_name TEXT, last_name TEXT, company TEXT, title TEXT,
  country TEXT, industry TEXT, company_size INTEGER, source TEXT,
  created_date TEXT, phone TEXT, postal_code TEXT, annual_revenue TEXT,
  website_visits INTEGER, notes TEXT,
  score REAL NOT NULL DEFAULT 0, stage TEXT);
INSERT INTO contacts(key, email, first_name, last_name, company, title,
                     country, industry, company_size, source, created_date,
                     phone, postal_code, annual_revenue, website_visits, notes)
SELECT lower(trim(email)), trim(email), NULLIF(first_name, ''),
       NULLIF(last_name, ''), NULLIF(company, ''), NULLIF(title, ''),
       NULLIF(country, ''), NULLIF(industry, ''),
       CAST(NULLIF(company_size, '') AS INTEGER), NULLIF(source, ''),
       NULLIF(created_date, ''), NULLIF(phone, ''), NULLIF(postal_code, ''),
       NULLIF(annual_revenue, ''), CAST(NULLIF(website_visits, '') AS INTEGER),
       NULLIF(notes, '')
FROM contacts_csv ORDER BY rowid;

CREATE TABLE activities(
  id INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  type TEXT NOT NULL, occurred_at INTEGER NOT NULL,
  value REAL, campaign TEXT);
INSERT INTO activities(contact_id, type, occurred_at, value, campaign)
SELECT c.id, a.type, unixepoch(a.occurred_at),
       CAST(NULLIF(a.value, '') AS REAL), NULLIF(a.campaign, '')
FROM activities_csv AS a JOIN contacts AS c ON c.key = lower(trim(a.email))
ORDER BY a.rowid;
CREATE INDEX activities_by_contact ON activities(contact_id, type, occurred_at);

CREATE TABLE outcomes(
  id INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  result TEXT NOT NULL, amount REAL, closed_at INTEGER NOT NULL);
INSERT INTO outcomes(contact_id, result, amount, closed_at)
SELECT c.id, o.result, CAST(NULLIF(o.amount, '') AS REAL), unixepoch(o.closed_at)
FROM outcomes_csv AS o JOIN contacts AS c ON c.key = lower(trim(o.email))
ORDER BY o.rowid;
COMMIT;
