-- expect: LR_LIMIT memory limit of 32 MiB exceeded
return string.pack("c2000000000", "")
