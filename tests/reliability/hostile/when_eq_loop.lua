-- expect: 0 ran
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
-- The engine reads `when` with lua_toboolean: a table is true, and its
-- metamethods are never called.
local evil = setmetatable({}, {
  __eq = function() while true do end end,
  __lt = function() while true do end end,
  __le = function() while true do end end,
  __index = function() while true do end end,
  __len = function() while true do end end,
  __tostring = function() while true do end end,
  __call = function() while true do end end,
})
rule "evil" { points = 1, when = function(lead) return evil end }
transition { from = "subscriber", to = "lead", when = function(lead) return evil end }
