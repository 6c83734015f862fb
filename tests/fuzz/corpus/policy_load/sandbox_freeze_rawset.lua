-- expect: LR_POLICY cannot assign global 'x' (globals are frozen)
-- setup: freeze
rawset(_G, "x", 1)
