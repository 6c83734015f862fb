-- expect: 1 cannot assign global 'now' (globals are frozen)
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "clock" { points = 1, when = function(lead)
  now = 0
  return true
end }
