-- expect: LR_LIMIT instruction limit exceeded
xpcall(function() while true do end end, function(e) while true do end end)
return "swallowed"
