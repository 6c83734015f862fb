-- expect: 1 instruction limit exceeded
stages { "subscriber", "lead", "mql", "sql" } stage "nurture"
rule "close" { points = 1, when = function(lead)
  local x <close> = setmetatable({}, { __close = function() while true do end end })
  error("leaving the scope")
end }
