-- expect: 1 bad argument #1 to 'count' (leadrules.lead expected, got table)
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "abuse" { points = 1, when = function(lead)
  local count = lead.count
  return count(setmetatable({}, { __index = function() while true do end end }), "x")
end }
