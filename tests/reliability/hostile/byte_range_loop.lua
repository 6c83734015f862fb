-- expect: 1 instruction limit exceeded
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "bytes" { points = 1, when = function(lead)
  local s = ("a"):rep(5e7)
  while true do select("#", s:byte(1, 999000)) end
end }
