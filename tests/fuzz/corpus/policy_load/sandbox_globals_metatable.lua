-- expect: LR_POLICY attempt to index a boolean value
getmetatable(_G).__index = nil
