-- expect: LR_POLICY undefined global 'io'
local f = io.open("/tmp/lr_sandbox_pwned", "w")
f:write("pwned")
