-- expect: LR_POLICY cannot modify read-only table 'string' (field 'rep')
string.rep = nil
