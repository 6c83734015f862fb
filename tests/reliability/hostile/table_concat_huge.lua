-- expect: 1 memory limit of 256 MiB exceeded
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "concat" { points = 1, when = function(lead)
  local t = {}
  for i = 1, 1000 do t[i] = ("y"):rep(1000) end
  local big = {}
  for i = 1, 1e6 do big[i] = table.concat(t) end
  return true
end }
