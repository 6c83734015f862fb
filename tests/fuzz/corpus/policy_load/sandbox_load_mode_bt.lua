-- expect: LR_POLICY load: mode 'bt' is not allowed
return load("return 1", "x", "bt")
