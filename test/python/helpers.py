"""Shared helpers for the Python client tests (stdlib only)."""

import json
import os
import subprocess
import sys

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
