-- expect: LR_LIMIT instruction limit exceeded (5000000 instructions)
while true do end
