-- expect: LR_POLICY attempt to call a nil value (field 'exit')
os.exit(3)
