-- expect: LR_POLICY cannot change a protected metatable
setmetatable(string, nil)
string.rep = nil
