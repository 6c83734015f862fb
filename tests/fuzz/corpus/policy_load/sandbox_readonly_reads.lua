-- expect: LR_OK
local n = 0
for k, v in pairs(string) do n = n + 1 end
assert(n >= 14, "pairs sees the string functions")
assert(rawget(string, "rep") == string.rep)
assert(next(math) ~= nil)
assert(type(rawlen(table)) == "number")
