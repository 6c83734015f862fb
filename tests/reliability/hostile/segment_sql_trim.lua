-- expect: 1 segment 'trim': SQL failed: trim: at most 64 bytes of characters to remove
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
-- trim(X, Y) tries every character of Y at every character of X: 93 s
-- for 250 kB, in one call.
segment "trim" { where = "trim(printf('%.*c', 250000, 'a'), printf('%.*c', 125000, 'b') || 'a') = ''" }
