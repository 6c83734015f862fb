-- expect: LR_POLICY collectgarbage('collect') is not allowed
collectgarbage("collect")
