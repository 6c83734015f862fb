-- expect: 1 segment SQL must be one expression
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
segment "evil" { where = "1); DROP TABLE contacts; --" }
