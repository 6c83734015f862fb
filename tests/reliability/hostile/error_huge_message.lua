-- expect: 1 xxxxxxxxxx
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "err" { points = 1, when = function(lead)
  error(("x"):rep(1e7))
end }
