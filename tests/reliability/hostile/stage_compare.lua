-- expect: 1 cannot compare a stage with a table
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
transition { from = "subscriber", to = "lead", when = function(lead)
  return lead.stage <= setmetatable({}, { __le = function() while true do end end })
end }
