-- expect: LR_POLICY attempt to call a nil value (field 'remove')
os.remove("/tmp/lr_sandbox_pwned")
