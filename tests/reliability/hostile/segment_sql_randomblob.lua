-- expect: 1 segment 'blob': SQL failed: string or blob too big (a value in SQL may be at most 16 MiB)
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
-- One call of a function allocates what it is asked for: 2 GB, for every
-- contact, where no progress handler runs.  SQLite's length limit for user
-- SQL refuses it before allocating.
segment "blob" { where = "length(randomblob(2000000000)) > 0" }
