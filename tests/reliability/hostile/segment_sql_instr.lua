-- expect: 0 ran
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
-- instr compares the needle at every byte: 4 MB against 2 MB was a minute
-- in one call, for every contact; linear now.
segment "find" { where = "instr(printf('%.*c', 4000000, 'a'), printf('%.*c', 2000000, 'a') || 'b' || company_size) = 0" }
