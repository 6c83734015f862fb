-- expect: 1 segment 'wide': SQL failed: printf: a width or precision over the length limit of SQL values
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
-- SQLite's printf loops once per unit of precision even when its output
-- stopped at the length limit: 2e9 times (17 s) in one call, where no
-- progress handler runs.  Refused before it starts.
segment "wide" { where = "length(printf('%.*c', 2000000000 + company_size * 0, 'x')) > 0" }
