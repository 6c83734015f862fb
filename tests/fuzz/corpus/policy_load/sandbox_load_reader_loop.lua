-- expect: LR_LIMIT instruction limit exceeded
local f, err = load(function() while true do end end)
return "swallowed by load", err
