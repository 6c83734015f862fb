-- expect: 1 instruction limit exceeded
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "sort" { points = 1, when = function(lead)
  local s = ("a"):rep(5e7)              -- every comparison reads 50 MB
  local t = {} for i = 1, 1000 do t[i] = s end
  table.sort(t)
end }
