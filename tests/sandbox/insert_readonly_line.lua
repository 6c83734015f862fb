-- expect: LR_POLICY insert_readonly_line.lua:3: cannot modify read-only table 'table'
-- the refusal is raised in table.insert (C calling C): the line is still named.
table.insert(table, 1)
