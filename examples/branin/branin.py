#!/usr/bin/env python3
"""Branin function as a toy "training" job for Axon.

    f(x1, x2) = a (x2 - b x1^2 + c x1 - r)^2 + s (1 - t) cos(x1) + s

with a=1, b=5.1/(4 pi^2), c=5/pi, r=6, s=10, t=1/(8 pi). Its global minimum
0.397887 is reached at (-pi, 12.275), (pi, 2.275) and (9.42478, 2.475).

The script pretends to train for ``--steps`` steps: at step i (1..N) it
reports the metric ``branin`` (and ``loss``, the same value), which starts
above f(x1, x2) and decreases to exactly f(x1, x2) at the last step.

    python3 branin.py --x1=3.14159 --x2=2.275 --steps=10

Pure Python, no dependencies besides the Axon client (sdk/python, which the
engine puts on PYTHONPATH).
"""

import argparse
import json
import math
import os
import sys
import time

from axon import tracking

A = 1.0
B = 5.1 / (4.0 * math.pi ** 2)
C = 5.0 / math.pi
R = 6.0
S = 10.0
T = 1.0 / (8.0 * math.pi)


def branin(x1, x2):
    return A * (x2 - B * x1 ** 2 + C * x1 - R) ** 2 + S * (1.0 - T) * math.cos(x1) + S


def value_at_step(f, step, steps):
    """f plus a gap that shrinks with the step and is exactly 0 at the last one."""
    gap = (abs(f) + 1.0) * (1.0 / step - 1.0 / steps)
    return f + gap


def parse_args(argv=None):
    # Defaults come from the experiment's params when run by Axon without flags.
    params = tracking.get_params()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--x1", type=float, default=float(params.get("x1", math.pi)))
    parser.add_argument("--x2", type=float, default=float(params.get("x2", 2.275)))
    parser.add_argument("--steps", type=int, default=int(params.get("steps", 10)))
    parser.add_argument("--sleep", type=float, default=0.05,
                        help="seconds to wait per step (default 0.05)")
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error("--steps must be >= 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    tracking.log_params(x1=args.x1, x2=args.x2, steps=args.steps)
    f = branin(args.x1, args.x2)
    for step in range(1, args.steps + 1):
        value = value_at_step(f, step, args.steps)
        tracking.log_metrics(step=step, branin=value, loss=value)
        if args.sleep > 0:
            time.sleep(args.sleep)
    sys.stderr.write("branin({}, {}) = {:.6f}\n".format(args.x1, args.x2, f))
    # Run by Axon, the result is also an output file (the experiment page's outputs browser shows it).
    if os.environ.get("AXON_OUTPUTS_PATH"):
        with open(os.path.join(tracking.get_outputs_path(), "result.json"), "w") as out:
            json.dump({"x1": args.x1, "x2": args.x2, "branin": f}, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
