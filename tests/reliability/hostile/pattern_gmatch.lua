-- expect: 1 instruction limit exceeded
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "gmatch" { points = 1, when = function(lead)
  local n = 0
  for _ in (("a"):rep(5000)):gmatch(".-.-.-.-b") do n = n + 1 end
  return n > 0
end }
