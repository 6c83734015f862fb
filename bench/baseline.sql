-- bench/baseline.sql -- bench/policy.lua as set-based SQL: the practical
-- floor for `leadrules run`.  It scores every contact with aggregate queries
-- over activities, applies the transition chain to the current stage, and
-- writes score and stage back into contacts (only rows that change).
--
-- Works on a leadrules database (imported with --map 'Job Title=title') or
-- on one made by bench/load.sql.  It needs the clock in a temp table:
--
--     { echo "CREATE TEMP TABLE bench_params AS SELECT 1793491200 AS now;";
--       cat bench/baseline.sql; } | sqlite3 DB
--
-- Windows are inclusive, now - Nd <= occurred_at <= now, as in the policy.
BEGIN IMMEDIATE;

-- Per-contact activity counts for the windows the policy uses.  Every window
-- is at most 90 days, so only that range is read; the scan follows the
-- (contact_id, type, occurred_at) index, which covers the query.
CREATE TEMP TABLE agg AS
SELECT a.contact_id AS id,
  sum(a.type = 'email_open'       AND a.occurred_at >= p.now - 30 * 86400) AS opens30,
  sum(a.type = 'email_click'      AND a.occurred_at >= p.now - 30 * 86400) AS clicks30,
  sum(a.type = 'page_view'        AND a.occurred_at >= p.now - 14 * 86400) AS views14,
  max(a.type = 'page_view')                                                AS viewed90,
  max(a.type = 'form_submit'      AND a.occurred_at >= p.now - 30 * 86400) AS form30,
  max(a.type = 'webinar_attended' AND a.occurred_at >= p.now - 60 * 86400) AS webinar60,
  max(a.type = 'demo_request'     AND a.occurred_at >= p.now - 14 * 86400) AS demo14
FROM activities AS a, bench_params AS p
WHERE a.occurred_at BETWEEN p.now - 90 * 86400 AND p.now
GROUP BY a.contact_id;

CREATE TEMP TABLE scored AS
WITH rules AS (
  SELECT c.id, coalesce(c.stage, 'subscriber') AS stage0,
         coalesce(c.company_size, 0) AS company_size,
    -- 1 senior title
    (CASE WHEN instr(c.title, 'VP') OR instr(c.title, 'Director')
            OR instr(c.title, 'Head of') OR instr(c.title, 'Chief') THEN 20 ELSE 0 END)
    -- 2 enterprise
    + (CASE WHEN c.company_size >= 1000 THEN 15 ELSE 0 END)
    -- 3 target country
    + (CASE WHEN c.country IN ('US', 'GB', 'DE', 'FR', 'CA') THEN 10 ELSE 0 END)
    -- 4 target industry
    + (CASE WHEN c.industry IN ('Software', 'Financial Services', 'Healthcare') THEN 10 ELSE 0 END)
    -- 5 email engagement, 6 clicks, 7 web visits
    + min(20, 2 * coalesce(a.opens30, 0))
    + min(15, 5 * coalesce(a.clicks30, 0))
    + min(15, coalesce(a.views14, 0))
    -- 8 form fill, 9 webinar, 10 demo request
    + (CASE WHEN a.form30 THEN 25 ELSE 0 END)
    + (CASE WHEN a.webinar60 THEN 15 ELSE 0 END)
    + (CASE WHEN a.demo14 THEN 50 ELSE 0 END)
    -- 11 competitor
    + (CASE WHEN substr(lower(c.email), -14) = '@rival.example' THEN -100 ELSE 0 END)
    -- 12 gone quiet
    + (CASE WHEN coalesce(a.viewed90, 0) THEN 0 ELSE -20 END) AS score
  FROM contacts AS c LEFT JOIN agg AS a ON a.id = c.id
),
t1 AS (SELECT id, score, company_size,
         CASE WHEN stage0 = 'subscriber' AND score >= 10 THEN 'lead' ELSE stage0 END AS stage
       FROM rules),
t2 AS (SELECT id, score, company_size,
         CASE WHEN stage = 'lead' AND score >= 50 THEN 'mql' ELSE stage END AS stage
       FROM t1),
t3 AS (SELECT id, score,
         CASE WHEN stage = 'mql' AND score >= 100 AND company_size >= 1000
              THEN 'sql' ELSE stage END AS stage
       FROM t2)
SELECT id, score,
       CASE WHEN stage IN ('mql', 'sql') AND score < 20 THEN 'nurture' ELSE stage END AS stage
FROM t3;

UPDATE contacts SET score = s.score, stage = s.stage
FROM scored AS s
WHERE contacts.id = s.id
  AND (contacts.score IS NOT s.score OR contacts.stage IS NOT s.stage);

COMMIT;
DROP TABLE temp.agg;
DROP TABLE temp.scored;
