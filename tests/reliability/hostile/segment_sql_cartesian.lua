-- expect: 1 segment 'slow': SQL ran over its budget
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
-- Reads only contacts, so the authorizer allows it; a runaway join.
segment "slow" { where = "(SELECT count(*) FROM contacts a, contacts b, contacts c, contacts d, contacts e, contacts f, contacts g) > 0" }
