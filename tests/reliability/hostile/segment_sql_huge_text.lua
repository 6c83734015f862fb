-- expect: 1 segment SQL does not prepare: SQL longer than 1024 KiB
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
-- 2 MB of SQL text: refused before it is parsed.
segment "long" { where = "email IN ('" .. string.rep("x", 2000000) .. "')" }
