-- expect: 1 instruction limit exceeded
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "co" { points = 1, when = function(lead)
  local co = coroutine.wrap(function() while true do coroutine.yield(1) end end)
  while true do co() end
end }
