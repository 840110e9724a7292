"""Shared helpers for the Python client tests (stdlib only)."""

import functools
import importlib
import importlib.util
import json
import os
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SDK = os.path.join(ROOT, "sdk", "python")
EXAMPLES = os.path.join(ROOT, "examples")
PREFIX = "@@axon "

ENV_PREFIXES = ("AXON_", "POLYAXON_")


def clean_env(extra=None):
    """The current environment without any AXON_*/POLYAXON_* variables,
    with sdk/python on PYTHONPATH, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIXES)}
    env["PYTHONPATH"] = SDK
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("PYTHONSTARTUP", None)
    if extra:
        env.update(extra)
    return env


def axon_env(params=None, run_id="42", outputs=None, **extra):
    """The variables the engine sets for a job."""
    params_json = json.dumps(params if params is not None else {})
    env = {
        "AXON_RUN_ID": run_id,
        "AXON_PARAMS": params_json,
        "AXON_API_URL": "http://127.0.0.1:9",
        "AXON_TOKEN": "test-token",
        "POLYAXON_DECLARATIONS": params_json,
        "POLYAXON_PARAMS": params_json,
        "POLYAXON_EXPERIMENT_INFO": json.dumps({
            "experiment_name": "demo." + run_id,
            "project_name": "demo",
            "experiment_uuid": "uuid-" + run_id,
        }),
    }
    if outputs is not None:
        env["AXON_OUTPUTS_PATH"] = outputs
        env["POLYAXON_RUN_OUTPUTS_PATH"] = outputs
    env.update(extra)
    return env


def run_python(args, env=None, cwd=None, timeout=120, python=None):
    """Run ``python args...`` and return the CompletedProcess (text mode)."""
    return subprocess.run(
        [python or sys.executable] + list(args),
        env=clean_env(env),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=timeout,
    )


def run_code(code, env=None, cwd=None, python=None):
    return run_python(["-c", code], env=env, cwd=cwd, python=python)


def records(stdout):
    """The JSON objects of all ``@@axon`` lines in ``stdout``."""
    return [json.loads(line[len(PREFIX):]) for line in stdout.splitlines()
            if line.startswith(PREFIX)]


# ---- what a test needs that this machine may lack (scikit-learn, numpy, ...)
#
# Outside CI a test without it skips and says why; under CI=true it FAILS naming what is missing: CI installs
# these, so a missing one means CI is broken. It is never a reason to skip. The Node tests do the same
# (test/requirements.ts).
#
#   @requires_module("sklearn", "scikit-learn", "pip install scikit-learn")
#   def test_digits(self): ...
#
#   np = import_or_skip(self, "numpy", "numpy", "pip install numpy")   # inside a test body


def in_ci():
    """True under CI=true (what .ci/run and CI services set)."""
    return os.environ.get("CI") == "true"


def missing_message(what, reason):
    """The failure under CI=true when ``what`` is missing."""
    return "CI=true but {} is missing: {}".format(what, reason)


def module_missing(module, what=None, install=None):
    """None when ``module`` can be imported by this interpreter, else why not (naming ``what`` and how to get it)."""
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if found:
        return None
    name = module if not what or what == module else "{} (module {})".format(what, module)
    return "{} is not installed for {}{}".format(name, sys.executable, " ({})".format(install) if install else "")


def requires_module(module, what=None, install=None):
    """Decorator for a test method that needs ``module``: unchanged when it can be imported; else skipped with
    the reason outside CI, and failed naming it under CI=true."""
    reason = module_missing(module, what, install)

    def decorate(test):
        if reason is None:
            return test
        if not in_ci():
            return unittest.skip(reason)(test)

        @functools.wraps(test)
        def fail(self, *args, **kwargs):
            self.fail(missing_message(what or module, reason))

        return fail

    return decorate


def import_or_skip(testcase, module, what=None, install=None):
    """In a test body: the imported ``module``; without it, ``testcase.skipTest(reason)`` outside CI and
    ``testcase.fail`` naming it under CI=true."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        reason = module_missing(module, what, install) or "{} cannot be imported by {}: {}".format(
            what or module, sys.executable, e)
    # (outside the except block, so that the failure does not carry the ImportError along)
    if in_ci():
        testcase.fail(missing_message(what or module, reason))
    testcase.skipTest(reason)
