-- expect: LR_LIMIT instruction limit exceeded
local function spin() while true do end end
local outer = coroutine.create(function()
  local inner = coroutine.create(spin)
  coroutine.resume(inner)
  while true do end
end)
coroutine.resume(outer)
return "swallowed"
