-- expect: LR_POLICY undefined global 'loadfile'
loadfile("/etc/passwd")
