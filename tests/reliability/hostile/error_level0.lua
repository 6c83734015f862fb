-- expect: 1 no position asked for
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "err" { points = 1, when = function(lead)
  error("no position asked for", 0)
end }
