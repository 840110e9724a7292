#!/usr/bin/env python3
"""Support vector classifier on scikit-learn's bundled digits data set.

Written against the Polyaxon v0 client API (``polyaxon_client.tracking``) to
show that such scripts run unchanged under Axon, which ships a small
compatible shim in sdk/python.

    python3 train.py --C=10 --gamma=0.001

Reports the metrics ``accuracy`` (on the held-out test split) and
``train_accuracy``, and writes ``results.json`` into the outputs folder.
Needs scikit-learn (``pip install scikit-learn``); the data set ships with it,
nothing is downloaded.
"""

import argparse
import json
import os
import sys
import time

from polyaxon_client.tracking import Experiment, get_outputs_path

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

TEST_SIZE = 0.25
RANDOM_STATE = 42


def parse_args(experiment, argv=None):
    declarations = experiment.get_declarations()
    parser = argparse.ArgumentParser(description="SVC on the digits data set")
    parser.add_argument("--C", type=float, default=float(declarations.get("C", 10.0)),
                        help="SVC regularisation parameter (default 10)")
    parser.add_argument("--gamma", type=float, default=float(declarations.get("gamma", 0.001)),
                        help="RBF kernel coefficient (default 0.001)")
    return parser.parse_args(argv)


def main(argv=None):
    experiment = Experiment()
    args = parse_args(experiment, argv)
    experiment.log_params(C=args.C, gamma=args.gamma, kernel="rbf",
                          test_size=TEST_SIZE, random_state=RANDOM_STATE)

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=RANDOM_STATE, stratify=y)

    started = time.time()
    model = SVC(C=args.C, gamma=args.gamma, kernel="rbf")
    model.fit(X_train, y_train)
    fit_seconds = time.time() - started

    train_accuracy = float(model.score(X_train, y_train))
    accuracy = float(model.score(X_test, y_test))
    experiment.log_metrics(accuracy=accuracy, train_accuracy=train_accuracy)

    results = {
        "C": args.C,
        "gamma": args.gamma,
        "accuracy": accuracy,
        "train_accuracy": train_accuracy,
        "n_train": int(len(y_train)),
        "n_test": int(len(y_test)),
        "n_support_vectors": int(model.n_support_.sum()),
        "fit_seconds": round(fit_seconds, 4),
    }
    path = os.path.join(get_outputs_path(), "results.json")
    with open(path, "w") as handle:
        json.dump(results, handle, indent=2, sort_keys=True)
        handle.write("\n")
    experiment.succeeded()
    sys.stderr.write("C={} gamma={} accuracy={:.4f} train_accuracy={:.4f} -> {}\n".format(
        args.C, args.gamma, accuracy, train_accuracy, path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
