-- expect: 1 instruction limit exceeded
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "gc" { points = 1, when = function(lead)
  for i = 1, 100 do
    setmetatable({}, { __gc = function() while true do end end })
  end
  local t = {}
  for i = 1, 1e6 do t[i % 100] = { i } end
  error("rule failed after a looping __gc")
end }
