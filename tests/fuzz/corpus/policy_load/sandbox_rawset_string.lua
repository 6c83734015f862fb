-- expect: LR_POLICY cannot modify read-only table 'string' (field 'rep')
rawset(string, "rep", function() return "pwned" end)
