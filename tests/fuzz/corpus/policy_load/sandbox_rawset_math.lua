-- expect: LR_POLICY cannot modify read-only table 'math' (field 'pi')
rawset(math, "pi", 3)
