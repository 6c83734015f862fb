-- expect: LR_POLICY cannot modify read-only table 'os' (field 'execute')
os.execute = function() end
