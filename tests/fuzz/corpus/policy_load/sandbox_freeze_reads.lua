-- expect: LR_POLICY undefined global 'scroe'
-- setup: freeze
assert(rawget(_G, "string") == string)
assert(_G.math == math)
return scroe
