-- expect: 1 segment SQL may only read contact data
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
segment "evil" { where = "EXISTS (SELECT 1 FROM sqlite_schema) OR EXISTS (SELECT 1 FROM runs)" }
