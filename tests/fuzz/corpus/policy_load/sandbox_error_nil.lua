-- expect: LR_POLICY (error object is a nil value)
error()
