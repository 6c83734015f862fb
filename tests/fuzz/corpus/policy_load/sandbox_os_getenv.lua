-- expect: LR_POLICY attempt to call a nil value (field 'getenv')
return os.getenv("HOME")
