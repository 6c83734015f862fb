-- expect: 1 (error object is a table value)
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "err" { points = 1, when = function(lead)
  error(setmetatable({}, { __tostring = function() while true do end end }))
end }
