-- expect: 1 rule 'evil' returned table (a score function must return a number)
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
local evil = setmetatable({}, {
  __tostring = function() while true do end end,
  __name = "Evil",
  __index = function() while true do end end,
  __unm = function() while true do end end,
  __add = function() while true do end end,
  __lt = function() while true do end end,
})
rule "evil" { score = function(lead) return evil end }
