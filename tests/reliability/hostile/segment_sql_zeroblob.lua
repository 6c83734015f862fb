-- expect: 1 segment 'zero': SQL failed: string or blob too big
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
-- hex() materialises the zeroblob: 1 GB, then 2 GB of text.
segment "ok" { where = "company_size > 10" }
segment "zero" { where = "hex(zeroblob(1000000000)) <> ''" }
