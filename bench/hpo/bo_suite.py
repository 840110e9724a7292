"""The BO benchmark's functions and its two baselines (bench/hpo/bo-suite.ts runs Axon's side).

    python3 bo_suite.py --describe
    python3 bo_suite.py --eval FN '[{"x1": 0.1, ...}, ...]'        # values, to cross-check the TS copies
    python3 -S bo_suite.py --trial FN --x1 V ...                    # one trial through the engine
    python3 bo_suite.py --run gpei|tpe --fns a,b --seeds 1,2 --trials 100 [--out DIR]

With --out, each run is also kept as DIR/<algo>-<fn>-<seed>-<trials>.json and not run again (the baselines do
not change with Axon's code; set OMP_NUM_THREADS=1 on a shared machine).

`--run` prints one JSON object: {"runs": [{fn, algo, seed, values, seconds}]}.

gpei is a careful GP-EI written the way the issue describes it (numpy/scipy/scikit-learn): inputs in [0,1]
(log-scaled where the space says so), results standardised, a Matérn-5/2 kernel with ARD length scales times a
constant plus a white noise kernel, fitted by scikit-learn's L-BFGS-B with 3 restarts; EI maximised over 2,048
scrambled Sobol points plus 250 moves around the 5 best results, the 3 best candidates refined by L-BFGS-B
over the continuous coordinates, integers and categories rounded (one-hot) inside the acquisition. The first
10 trials are uniform random (Optuna GPSampler's n_startup_trials). tpe is Optuna's TPESampler(seed) with the
installed version's defaults.
"""

import json
import math
import sys
import time
import warnings

# ---------------------------------------------------------------------------------------------------------
# Functions: name -> (f(params), params, optimum, target regret). A param is (name, kind, a, b): kind
# "float" on [a, b], "log" on [a, b] in log scale, "int" in a..b, "cat" with the choices in a.


def ackley(x):
    d = len(x)
    s1 = sum(v * v for v in x) / d
    s2 = sum(math.cos(2 * math.pi * v) for v in x) / d
    return -20 * math.exp(-0.2 * math.sqrt(s1)) - math.exp(s2) + 20 + math.e


def rastrigin(x):
    return 10 * len(x) + sum(v * v - 10 * math.cos(2 * math.pi * v) for v in x)


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    s = math.sin(math.pi * w[0]) ** 2
    for i in range(len(w) - 1):
        s += (w[i] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2)
    s += (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)
    return s


def styblinski_tang(x):
    return 0.5 * sum(v**4 - 16 * v * v + 5 * v for v in x)


SHEKEL_C = [0.1, 0.2, 0.2, 0.4, 0.4, 0.6, 0.3, 0.7, 0.5, 0.5]
SHEKEL_A = [
    [4, 4, 4, 4],
    [1, 1, 1, 1],
    [8, 8, 8, 8],
    [6, 6, 6, 6],
    [3, 7, 3, 7],
    [2, 9, 2, 9],
    [5, 5, 3, 3],
    [8, 1, 8, 1],
    [6, 2, 6, 2],
    [7, 3.6, 7, 3.6],
]


def shekel(x):
    return -sum(1 / (SHEKEL_C[i] + sum((x[j] - SHEKEL_A[i][j]) ** 2 for j in range(4))) for i in range(10))


H3_A = [[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]]
H3_P = [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
H_ALPHA = [1.0, 1.2, 3.0, 3.2]


def hartmann3(x):
    return -sum(
        H_ALPHA[i] * math.exp(-sum(H3_A[i][j] * (x[j] - H3_P[i][j] * 1e-4) ** 2 for j in range(3))) for i in range(4)
    )


def michalewicz(x):
    return -sum(math.sin(v) * math.sin((i + 1) * v * v / math.pi) ** 20 for i, v in enumerate(x))


def six_hump_camel(x):
    a, b = x
    return (4 - 2.1 * a * a + a**4 / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b


def goldstein_price(x):
    a, b = x
    t1 = 1 + (a + b + 1) ** 2 * (19 - 14 * a + 3 * a * a - 14 * b + 6 * a * b + 3 * b * b)
    t2 = 30 + (2 * a - 3 * b) ** 2 * (18 - 32 * a + 12 * a * a + 48 * b - 36 * a * b + 27 * b * b)
    return t1 * t2


OPT_LR = {"adam": -3.0, "rmsprop": -3.5, "sgd": -1.5}
OPT_PENALTY = {"adam": 0.0, "rmsprop": 0.03, "sgd": 0.08}


def mixed_ml(p):
    """A validation loss in an ML-like space: each optimizer has its own best (log10) learning rate, deeper
    nets want more dropout, and a small ripple along log lr makes it multimodal."""
    lr10 = math.log10(p["lr"])
    opt = p["optimizer"]
    layers = p["layers"]
    drop = p["dropout"]
    return (
        0.3
        + 0.08 * (lr10 - OPT_LR[opt]) ** 2
        + OPT_PENALTY[opt]
        + 0.01 * (layers - 5) ** 2
        + 0.5 * (drop - (0.05 + 0.06 * layers)) ** 2
        + 0.02 * math.sin(4 * lr10) ** 2
    )


def vec(names):
    return lambda f: (lambda p: f([p[n] for n in names]))


def box(prefix, n, lo, hi):
    return [("%s%d" % (prefix, i + 1), "float", lo, hi) for i in range(n)]


X4 = ["x1", "x2", "x3", "x4"]
FUNCTIONS = {
    "ackley4": (vec(X4)(ackley), box("x", 4, -32.768, 32.768), 0.0, 3.0),
    "rastrigin4": (vec(X4)(rastrigin), box("x", 4, -5.12, 5.12), 0.0, 8.0),
    "levy4": (vec(X4)(levy), box("x", 4, -10, 10), 0.0, 1.0),
    "styblinski4": (vec(X4)(styblinski_tang), box("x", 4, -5, 5), -39.16616570377142 * 4, 5.0),
    "shekel4": (vec(X4)(shekel), box("x", 4, 0, 10), -10.536283726219603, 3.0),
    "hartmann3": (vec(["x1", "x2", "x3"])(hartmann3), box("x", 3, 0, 1), -3.86278214782076, 0.05),
    "michalewicz5": (vec(["x1", "x2", "x3", "x4", "x5"])(michalewicz), box("x", 5, 0, math.pi), -4.687658, 1.0),
    "camel2": (vec(["x1", "x2"])(six_hump_camel), [("x1", "float", -3, 3), ("x2", "float", -2, 2)], -1.031628453489877, 0.05),
    "goldstein2": (vec(["x1", "x2"])(goldstein_price), box("x", 2, -2, 2), 3.0, 1.0),
    "mixed_ml": (
        mixed_ml,
        [
            ("lr", "log", 1e-5, 1.0),
            ("layers", "int", 1, 8),
            ("optimizer", "cat", ["sgd", "adam", "rmsprop"], None),
            ("dropout", "float", 0.0, 0.8),
        ],
        0.3012819917406582,  # mixed_optimum() (python3 bo_suite.py --mixed-optimum; ~50 s)
        0.01,
    ),
}


def mixed_optimum():
    """min over the discrete choices of the continuous optimum (a fine grid, then Nelder-Mead)."""
    from scipy.optimize import minimize

    best = math.inf
    for opt in OPT_LR:
        for layers in range(1, 9):
            def g(z):
                lr10, drop = z
                if not (-5 <= lr10 <= 0 and 0 <= drop <= 0.8):
                    return 1e9
                return mixed_ml({"lr": 10**lr10, "optimizer": opt, "layers": layers, "dropout": drop})

            start = min(
                ((a / 20, b / 40) for a in range(-100, 1) for b in range(0, 33)), key=lambda z: g(z)
            )
            r = minimize(g, start, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14})
            best = min(best, r.fun)
    return best


def describe():
    out = {}
    for name, (_, params, opt, target) in FUNCTIONS.items():
        out[name] = {"params": [list(p) for p in params], "optimum": opt, "target": target}
    return out


# ---------------------------------------------------------------------------------------------------------
# The careful GP-EI reference


class Encoder:
    def __init__(self, params):
        self.params = params
        self.slots = []  # (name, kind, start, width)
        at = 0
        for name, kind, a, b in params:
            width = len(a) if kind == "cat" else 1
            self.slots.append((name, kind, at, width, a, b))
            at += width
        self.size = at
        self.free = []
        for name, kind, at, width, a, b in self.slots:
            self.free += [kind in ("float", "log")] * width

    def snap(self, X):
        import numpy as np

        X = np.clip(np.array(X, dtype=float), 0, 1)
        for name, kind, at, width, a, b in self.slots:
            if kind == "int":
                n = b - a
                X[:, at] = np.round(X[:, at] * n) / n
            elif kind == "cat":
                arg = np.argmax(X[:, at : at + width], axis=1)
                X[:, at : at + width] = 0
                X[np.arange(len(X)), at + arg] = 1
        return X

    def decode(self, x):
        p = {}
        for name, kind, at, width, a, b in self.slots:
            u = float(x[at])
            if kind == "float":
                p[name] = a + u * (b - a)
            elif kind == "log":
                p[name] = math.exp(math.log(a) + u * (math.log(b) - math.log(a)))
            elif kind == "int":
                p[name] = int(round(a + u * (b - a)))
            else:
                p[name] = a[int(max(range(width), key=lambda i: x[at + i]))]
        return p

    def random(self, rng, n):
        return self.snap(rng.random((n, self.size)))


def gp_ei(fn, seed, trials, n_init=10):
    import numpy as np
    from scipy.optimize import minimize
    from scipy.stats import norm, qmc
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    f, params, _, _ = FUNCTIONS[fn]
    enc = Encoder(params)
    rng = np.random.default_rng(seed)
    X = []
    ys = []
    for t in range(trials):
        if t < n_init:
            x = enc.random(rng, 1)[0]
        else:
            Xa = np.array(X)
            ya = np.array(ys)
            m, s = ya.mean(), ya.std() or 1.0
            yn = (ya - m) / s
            d = enc.size
            kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(
                length_scale=[0.5] * d, length_scale_bounds=(1e-3, 1e3), nu=2.5
            ) + WhiteKernel(1e-6, (1e-9, 1e-1))
            gp = GaussianProcessRegressor(kernel, n_restarts_optimizer=3, random_state=int(rng.integers(1 << 31)))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                gp.fit(Xa, yn)
            best = yn.min()

            def ei(Z):
                mu, sd = gp.predict(np.atleast_2d(Z), return_std=True)
                sd = np.maximum(sd, 1e-12)
                z = (best - mu) / sd
                return (best - mu) * norm.cdf(z) + sd * norm.pdf(z)

            sob = qmc.Sobol(d, scramble=True, seed=int(rng.integers(1 << 31))).random(2048)
            cands = [enc.snap(sob)]
            top = Xa[np.argsort(ya)[:5]]
            for x0 in top:
                cands.append(enc.snap(x0 + rng.normal(0, 0.05, (50, d))))
            C = np.vstack(cands)
            vals = ei(C)
            order = np.argsort(-vals)[:3]
            best_x, best_v = C[order[0]], vals[order[0]]
            free = np.array(enc.free)
            if free.any():
                for i in order:
                    x0 = C[i]

                    def neg(z, x0=x0):
                        x = x0.copy()
                        x[free] = z
                        return -ei(x)[0]

                    r = minimize(neg, x0[free], method="L-BFGS-B", bounds=[(0, 1)] * int(free.sum()))
                    x = x0.copy()
                    x[free] = r.x
                    x = enc.snap([x])[0]
                    v = ei(x)[0]
                    if v > best_v:
                        best_x, best_v = x, v
            x = best_x
        X.append(x)
        ys.append(f(enc.decode(x)))
    return ys


def tpe(fn, seed, trials):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    f, params, _, _ = FUNCTIONS[fn]

    def objective(trial):
        p = {}
        for name, kind, a, b in params:
            if kind == "float":
                p[name] = trial.suggest_float(name, a, b)
            elif kind == "log":
                p[name] = trial.suggest_float(name, a, b, log=True)
            elif kind == "int":
                p[name] = trial.suggest_int(name, a, b)
            else:
                p[name] = trial.suggest_categorical(name, a)
        return f(p)

    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=trials)
    return [t.value for t in sorted(study.trials, key=lambda t: t.number)]


def main(argv):
    if argv[:1] == ["--describe"]:
        print(json.dumps(describe()))
        return 0
    if argv[:1] == ["--mixed-optimum"]:
        print(repr(mixed_optimum()))
        return 0
    if argv[:1] == ["--trial"]:
        # One trial through the engine (bo-engine.ts): --trial FN --x1 V ... prints the metric line.
        f, params, _, _ = FUNCTIONS[argv[1]]
        given = dict(zip(argv[2::2], argv[3::2]))
        p = {}
        for name, kind, a, b in params:
            raw = given["--" + name]
            p[name] = raw if kind == "cat" else int(raw) if kind == "int" else float(raw)
        print('@@axon {"metrics": {"loss": %r}}' % f(p))
        return 0
    if argv[:1] == ["--eval"]:
        f = FUNCTIONS[argv[1]][0]
        print(json.dumps([f(p) for p in json.loads(argv[2])]))
        return 0
    args = {"run": "gpei", "fns": ",".join(FUNCTIONS), "seeds": "1", "trials": "100"}
    for i in range(0, len(argv) - 1, 2):
        args[argv[i].lstrip("-")] = argv[i + 1]
    import os

    out_dir = args.get("out")
    runs = []
    # Seed-major, so a run cut short has every function for its first seeds.
    for seed in [int(s) for s in args["seeds"].split(",")]:
        for fn in args["fns"].split(","):
            cache = out_dir and os.path.join(out_dir, "%s-%s-%d-%s.json" % (args["run"], fn, seed, args["trials"]))
            if cache and os.path.exists(cache):
                with open(cache) as fh:
                    runs.append(json.load(fh))
                continue
            t0 = time.perf_counter()
            if args["run"] == "gpei":
                values = gp_ei(fn, seed, int(args["trials"]))
            else:
                values = tpe(fn, seed, int(args["trials"]))
            runs.append({"fn": fn, "algo": args["run"], "seed": seed, "values": values, "seconds": time.perf_counter() - t0})
            if cache:
                os.makedirs(out_dir, exist_ok=True)
                with open(cache, "w") as fh:
                    json.dump(runs[-1], fh)
            print("[%s] %s seed %d: best %.4g, %.1f s" % (args["run"], fn, seed, min(values), runs[-1]["seconds"]), file=sys.stderr)
    print(json.dumps({"runs": runs}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
