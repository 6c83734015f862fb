-- expect: 1 segment 'grow': SQL failed: string or blob too big
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
-- replace() multiplies: 10,000 x 10,000 bytes = 100 MB from 20 kB of input.
segment "grow" { where = "length(replace(printf('%.*c', 10000, 'x'), 'x', printf('%.*c', 10000, 'y'))) > 0" }
