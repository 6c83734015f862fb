-- expect: 1 instruction limit exceeded
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "upper" { points = 1, when = function(lead)
  local s = ("a"):rep(5e7)
  while true do local u = s:upper() u = nil end
end }
