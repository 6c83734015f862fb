-- expect: LR_POLICY load: mode 'b' is not allowed
return load("return 1", "x", "b")
