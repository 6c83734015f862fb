-- expect: LR_POLICY wrap_stack_overflow.lua:3: C stack overflow
-- one position, not one per nested coroutine (the harness caps the length).
local function f() return coroutine.wrap(f)() end
f()
