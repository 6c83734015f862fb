-- expect: 1 instruction limit exceeded
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "backtrack" { points = 1, when = function(lead)
  local s = ("a"):rep(40)
  return string.find(s, ("a?"):rep(40) .. ("a"):rep(40))
end }
