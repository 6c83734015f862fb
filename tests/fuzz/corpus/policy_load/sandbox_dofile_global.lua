-- expect: LR_POLICY undefined global 'dofile'
dofile("/etc/passwd")
