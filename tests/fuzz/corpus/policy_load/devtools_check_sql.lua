-- Segment SQL that cannot run: a missing column, and a read of a table
-- user SQL may not touch.
stages { "lead", "mql" }
segment "broken" { where = "no_such_column > 3" }
segment "sneaky" { where = "id IN (SELECT contact_id FROM assignments)" }
rule "broken" { points = 5, segment = "broken" }
rule "sneaky" { points = 5, segment = "sneaky" }
transition { from = "lead", to = "mql", when = function(lead) return lead.score > 0 end }
