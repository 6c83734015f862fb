-- expect: LR_POLICY error_number.lua:3: 42
-- a number has no position of its own: the policy line is added.
error(42)
