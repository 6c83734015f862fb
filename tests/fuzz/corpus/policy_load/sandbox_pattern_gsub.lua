-- expect: LR_LIMIT instruction limit exceeded
return (("a"):rep(30)):gsub(("a*"):rep(12) .. "b", "x")
