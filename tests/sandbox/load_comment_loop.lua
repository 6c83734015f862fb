-- expect: LR_LIMIT load_comment_loop.lua:4: instruction limit exceeded
-- the lexer skips an 8 MB comment without allocating.
local s = "--" .. ("x"):rep(8e6)
while true do load(s) end
