-- expect: 1 instruction limit exceeded
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "huge" { points = 1, when = function(lead)
  local t = {}
  for i = 1, 1e9 do t[i] = { i, tostring(i) } end
  return #t > 0
end }
