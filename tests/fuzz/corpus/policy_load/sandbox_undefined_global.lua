-- expect: LR_POLICY undefined global 'scroe'
local score = 10
return scroe + 1
