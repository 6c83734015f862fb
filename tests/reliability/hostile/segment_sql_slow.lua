-- expect: 1 segment SQL may only read contact data
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
segment "slow" { where = "(WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r) > 0" }
