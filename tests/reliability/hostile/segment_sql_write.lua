-- expect: 1 not authorized to use function: load_extension
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
segment "evil" { where = "(SELECT count(*) FROM (SELECT load_extension('x'))) > 0" }
