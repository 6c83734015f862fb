-- expect: 1 instruction limit exceeded
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "co" { points = 1, when = function(lead)
  local co = coroutine.create(function() while true do end end)
  while true do pcall(coroutine.resume, co) end
end }
