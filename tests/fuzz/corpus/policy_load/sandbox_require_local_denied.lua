-- expect: LR_POLICY (local modules need --allow-local-modules)
require("helpers")
