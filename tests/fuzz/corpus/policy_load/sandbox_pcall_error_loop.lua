-- expect: LR_LIMIT instruction limit exceeded
while true do pcall(error, "x") end
