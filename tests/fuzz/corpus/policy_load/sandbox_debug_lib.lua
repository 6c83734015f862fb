-- expect: LR_POLICY undefined global 'debug'
debug.sethook()
