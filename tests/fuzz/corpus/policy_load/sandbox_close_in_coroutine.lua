-- expect: LR_LIMIT instruction limit exceeded
local f = coroutine.wrap(function()
  local x <close> = setmetatable({}, { __close = function() while true do end end })
  error("leave")
end)
pcall(f)
return "swallowed"
