"""Optuna on the benchmark functions, in-process: the baseline the Axon sweeps are compared with.

    python3 optuna_baseline.py --fns branin,hartmann6,rosenbrock2 --samplers tpe,tpe-uni,random \
        --seeds 1,2,3 --trials 100

Prints one JSON object on stdout: {"optuna": version, "runs": [{fn, sampler, seed, values, seconds}]},
`values` being the objective of every trial in order. Same functions, bounds and budgets as the Axon sweeps
(objectives.py). Exits 3 with {"error": ...} when Optuna is not installed.

Samplers:
  tpe      TPESampler(seed=s) with the installed Optuna's defaults (Optuna 5: multivariate TPE)
  tpe-uni  TPESampler(seed=s, multivariate=False, constant_liar=False): Optuna 4's defaults, the same model
           as Axon's default TPE (univariate)
  tpe-mv   TPESampler(seed=s, multivariate=True): Optuna 5's default model in any version
  random   RandomSampler(seed=s)
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import objectives  # noqa: E402


def make_sampler(optuna, name, seed):
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "tpe-mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True)
    if name == "tpe-uni":
        return optuna.samplers.TPESampler(seed=seed, multivariate=False, constant_liar=False)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise SystemExit("unknown sampler %r" % name)


def run_one(optuna, fn, sampler, seed, trials):
    _, dims, _, _ = objectives.FUNCTIONS[fn]

    def objective(trial):
        params = {n: trial.suggest_float(n, lo, hi) for n, lo, hi in dims}
        return objectives.evaluate(fn, params)

    study = optuna.create_study(direction="minimize", sampler=make_sampler(optuna, sampler, seed))
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=trials)
    seconds = time.perf_counter() - t0
    values = [t.value for t in sorted(study.trials, key=lambda t: t.number)]
    return {"fn": fn, "sampler": sampler, "seed": seed, "values": values, "seconds": seconds}


def main(argv):
    args = {"fns": "branin,hartmann6,rosenbrock2", "samplers": "tpe,tpe-uni,random", "seeds": "1", "trials": "100"}
    for i in range(0, len(argv) - 1, 2):
        args[argv[i].lstrip("-")] = argv[i + 1]
    try:
        import optuna
    except ImportError:
        print(json.dumps({"error": "optuna is not installed for %s: pip install optuna" % sys.executable}))
        return 3
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    import warnings

    warnings.filterwarnings("ignore")
    runs = []
    for fn in args["fns"].split(","):
        for sampler in args["samplers"].split(","):
            for seed in [int(s) for s in args["seeds"].split(",")]:
                runs.append(run_one(optuna, fn, sampler, seed, int(args["trials"])))
                print("[optuna] %s %s seed %d" % (fn, sampler, seed), file=sys.stderr)
    print(json.dumps({"optuna": optuna.__version__, "python": sys.version.split()[0], "runs": runs}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
