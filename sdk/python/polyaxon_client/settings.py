"""Subset of polyaxon-client 0.x ``settings`` that scripts commonly read."""

import os

#: True when the script was started by Axon (the counterpart of running in a
#: Polyaxon cluster).
IN_CLUSTER = bool(os.environ.get("AXON_RUN_ID") or os.environ.get("POLYAXON_EXPERIMENT_INFO"))

#: The shim never turns into a no-op: reporting is just printing lines.
NO_OP = False

HASH_LENGTH = 12
