-- expect: LR_POLICY cannot modify read-only table 'math' (field 'huge')
math.huge = 1
