-- expect: 1 instruction limit exceeded
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "utf8" { points = 1, when = function(lead)
  local s = ("é"):rep(2^25)              -- 64 MB: scanned in C per call
  while true do utf8.len(s) end
end }
