"""Test functions for the HPO benchmark: pure Python, standard library only.

One trial (what an Axon experiment runs):

    python3 -S objectives.py --fn branin --x1 1.5 --x2 2.25
    @@axon {"metrics":{"loss": 5.12}}

Multi-fidelity trial: a synthetic learning curve over the resource (epochs) with seeded noise:

    python3 -S objectives.py --fn branin --x1 1.5 --x2 2.25 --epochs 9 --noise-seed 3
    @@axon {"metrics":{"loss": 7.3, "true_loss": 5.12}}

    loss(x, r) = f(x) + CURVE_C / r + CURVE_NOISE * z / sqrt(r),  z ~ N(0, 1) from sha256(seed, x, r)

`true_loss` is f(x), the value at infinite resource without noise; only `loss` is the group's objective.

`--describe` prints the functions (params, bounds, known optimum, target regret) as JSON: the TypeScript
side and optuna_baseline.py read the search spaces from here, so both search the same space.
"""

import hashlib
import math
import sys

CURVE_C = 10.0
CURVE_NOISE = 2.0


def branin(x1, x2):
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


HARTMANN6_ALPHA = [1.0, 1.2, 3.0, 3.2]
HARTMANN6_A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
HARTMANN6_P = [
    [1312, 1696, 5569, 124, 8283, 5886],
    [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650],
    [4047, 8828, 8732, 5743, 1091, 381],
]


def hartmann6(x1, x2, x3, x4, x5, x6):
    x = (x1, x2, x3, x4, x5, x6)
    total = 0.0
    for i in range(4):
        inner = 0.0
        for j in range(6):
            inner += HARTMANN6_A[i][j] * (x[j] - HARTMANN6_P[i][j] * 1e-4) ** 2
        total += HARTMANN6_ALPHA[i] * math.exp(-inner)
    return -total


def rosenbrock2(x1, x2):
    return 100 * (x2 - x1 * x1) ** 2 + (1 - x1) ** 2


# name: (function, [(param, low, high)], known minimum, target regret)
FUNCTIONS = {
    "branin": (branin, [("x1", -5.0, 10.0), ("x2", 0.0, 15.0)], 0.397887, 0.1),
    "hartmann6": (hartmann6, [("x%d" % i, 0.0, 1.0) for i in range(1, 7)], -3.32237, 0.5),
    "rosenbrock2": (rosenbrock2, [("x1", -5.0, 10.0), ("x2", -5.0, 10.0)], 0.0, 1.0),
}


def evaluate(name, params):
    fn, dims, _, _ = FUNCTIONS[name]
    return fn(*[params[d[0]] for d in dims])


def normal_from_hash(*parts):
    """A standard normal draw that depends only on `parts` (Box-Muller on two 64-bit slices of a sha256)."""
    digest = hashlib.sha256("|".join(repr(p) for p in parts).encode()).digest()
    u1 = (int.from_bytes(digest[:8], "big") + 1) / (2**64 + 2)
    u2 = int.from_bytes(digest[8:16], "big") / 2**64
    return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


def curve(name, params, epochs, noise_seed):
    f = evaluate(name, params)
    xs = tuple(params[d[0]] for d in FUNCTIONS[name][1])
    z = normal_from_hash(noise_seed, xs, epochs)
    return f + CURVE_C / epochs + CURVE_NOISE * z / math.sqrt(epochs), f


def describe():
    import json

    out = {
        name: {
            "params": [{"name": n, "low": lo, "high": hi} for n, lo, hi in dims],
            "optimum": opt,
            "target": target,
        }
        for name, (_, dims, opt, target) in FUNCTIONS.items()
    }
    out["_curve"] = {"c": CURVE_C, "noise": CURVE_NOISE}
    return json.dumps(out)


def main(argv):
    if argv == ["--describe"]:
        print(describe())
        return 0
    opts = {}
    for i in range(0, len(argv) - 1, 2):
        if not argv[i].startswith("--"):
            break
        opts[argv[i][2:]] = argv[i + 1]
    name = opts.pop("fn", None)
    if name not in FUNCTIONS or len(argv) % 2:
        print("usage: objectives.py --fn %s --x1 V ... [--epochs R --noise-seed S]" % "|".join(FUNCTIONS))
        return 2
    epochs = opts.pop("epochs", None)
    noise_seed = opts.pop("noise-seed", "0")
    params = {k: float(v) for k, v in opts.items()}
    if epochs is None:
        print('@@axon {"metrics":{"loss": %r}}' % evaluate(name, params))
    else:
        loss, f = curve(name, params, float(epochs), int(noise_seed))
        print('@@axon {"metrics":{"loss": %r, "true_loss": %r}}' % (loss, f))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
