-- expect: LR_POLICY cannot assign global 'string' (globals are frozen)
-- setup: freeze
string = { rep = function() return "pwned" end }
