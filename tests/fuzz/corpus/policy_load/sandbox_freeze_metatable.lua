-- expect: LR_POLICY cannot change a protected metatable
-- setup: freeze
setmetatable(_G, nil)
