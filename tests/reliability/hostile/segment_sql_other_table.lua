-- expect: 1 segment SQL: it reads the table sqlite_schema
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
segment "evil" { where = "EXISTS (SELECT 1 FROM sqlite_schema) OR EXISTS (SELECT 1 FROM runs)" }
