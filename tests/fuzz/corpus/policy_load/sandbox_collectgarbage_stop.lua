-- expect: LR_POLICY collectgarbage('stop') is not allowed
collectgarbage("stop")
