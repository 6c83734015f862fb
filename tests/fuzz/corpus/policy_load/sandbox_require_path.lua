-- expect: LR_POLICY module '../../etc/passwd' not found
require("../../etc/passwd")
