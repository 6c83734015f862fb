-- expect: LR_POLICY error_level0.lua:3: no position asked for
-- level 0 adds no position: the handler adds the line of the error call.
error("no position asked for", 0)
