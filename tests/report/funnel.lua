-- The funnel of the report fixture, for `leadrules report --policy`.
stages { "subscriber", "lead", "mql", "sql", "opportunity" }
stage "nurture"
stage "customer"
