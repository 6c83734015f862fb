-- expect: 1 segment 'like': SQL failed: LIKE or GLOB pattern too complex (a pattern may be at most 200 bytes)
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
-- One LIKE does work in pattern length x text length: patterns built at
-- run time are bounded too.
segment "like" { where = "email LIKE printf('%.*c', 5000, '%') || 'x'" }
