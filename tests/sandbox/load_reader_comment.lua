-- expect: LR_LIMIT load_reader_comment.lua:6: instruction limit exceeded
-- a reader feeding one endless long comment: every piece is charged.
local piece = ("x"):rep(1e6)
local first = true
local function reader() if first then first = false return "--[[" end return piece end
load(reader)
