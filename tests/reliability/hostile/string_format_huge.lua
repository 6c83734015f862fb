-- expect: 1 memory limit of 256 MiB exceeded
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "fmt" { points = 1, when = function(lead)
  return string.format("%099d%099d", 1, 2):rep(1e8) ~= ""
end }
