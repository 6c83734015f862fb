-- expect: LR_POLICY cannot assign global 'x' (globals are frozen)
-- setup: freeze
x = 1
