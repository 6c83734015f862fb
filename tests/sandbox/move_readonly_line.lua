-- expect: LR_POLICY move_readonly_line.lua:2: cannot modify read-only table 'math'
table.move({1, 2}, 1, 2, 1, math)
