-- expect: LR_POLICY cannot modify read-only table 'table'
table.insert(table, function() end)
