-- expect: LR_LIMIT instruction limit exceeded
table.move({}, 1, 1e15, 2)
