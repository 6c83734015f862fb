-- expect: 1 memory limit of 256 MiB exceeded
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "rep" { points = 1, when = function(lead)
  local s = ("x"):rep(1e6)
  for i = 1, 40 do s = s .. s end
  return #s > 0
end }
