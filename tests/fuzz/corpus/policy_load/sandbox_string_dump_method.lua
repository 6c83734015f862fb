-- expect: LR_POLICY attempt to call a nil value (method 'dump')
return ("x"):dump()
