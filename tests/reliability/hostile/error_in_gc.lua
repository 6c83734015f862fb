-- expect: 1 rule failed after making garbage
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "gc" { points = 1, when = function(lead)
  for i = 1, 1000 do
    setmetatable({}, { __gc = function() error("boom in __gc") end })
  end
  error("rule failed after making garbage")
end }
