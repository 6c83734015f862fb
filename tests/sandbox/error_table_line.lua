-- expect: LR_POLICY error_table_line.lua:3: (error object is a table value)
local t = {}
error(t)
