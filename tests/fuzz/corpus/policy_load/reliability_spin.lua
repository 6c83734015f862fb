-- tests/reliability/spin.lua -- a slow run for the concurrency and signal
-- tests.  Each contact spins for 1 ms of CPU time (os.clock), so a run over
-- N contacts lasts about N ms / jobs whatever the machine, and no contact
-- comes near the instruction budget.  Every contact scores 1 and moves to
-- "lead": the run changes every row.
stages { "subscriber", "lead" }
rule "spin" { points = 1, when = function(lead)
  local t = os.clock() + 0.001
  while os.clock() < t do end
  return true
end }
transition { from = "subscriber", to = "lead", when = function(l) return l.score > 0 end }
