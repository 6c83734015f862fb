-- expect: LR_LIMIT instruction limit exceeded
return string.find(("a"):rep(40), ("a?"):rep(40) .. ("a"):rep(40))
