-- expect: LR_POLICY attempt to call a nil value (field 'execute')
os.execute("touch /tmp/lr_sandbox_pwned")
