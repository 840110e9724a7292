"""Axon tracking client (stdlib only, Python 3.8+).

A job reports to the Axon engine by printing records to stdout, one record
per line::

    @@axon {"metrics":{"loss":0.25},"step":3,"ts":1764266400.123}
    @@axon {"params":{"lr":0.01}}
    @@axon {"tags":["baseline"]}

Every line is built in full and written with a single ``sys.stdout.write``
followed by ``sys.stdout.flush()``, so a record is never split and reaches
the log at once even when stdout is a file. The functions also work when the
script is not run by Axon: the lines are simply printed.
"""

import collections.abc
import json
import math
import numbers
import os
import sys
import threading
import time

__all__ = [
    "PREFIX",
    "log_metrics",
    "log_metric",
    "log_params",
    "log_tags",
    "get_params",
    "get_outputs_path",
    "get_run_id",
    "is_managed",
]

#: Every record line starts with this prefix (note the single trailing space).
PREFIX = "@@axon "

_LOCAL_OUTPUTS_DIR = "outputs"
_lock = threading.Lock()


# ---------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------

def _warn(message):
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write("axon: warning: " + message + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def _json_default(value):
    """Make common non-JSON values (numpy scalars/arrays, sets, ...) serialisable."""
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return _sanitize_param(tolist())
    item = getattr(value, "item", None)
    if callable(item):
        return _sanitize_param(item())
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return str(value)


def _format_line(record):
    return PREFIX + json.dumps(record, separators=(",", ":"), allow_nan=False,
                               default=_json_default) + "\n"


def _emit(record):
    line = _format_line(record)
    with _lock:
        stream = sys.stdout
        if stream is None:  # e.g. pythonw: nowhere to report to
            return
        stream.write(line)
        stream.flush()


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------

def _check_name(name):
    if not isinstance(name, str):
        raise TypeError("metric name must be a str, got {!r}".format(type(name).__name__))
    if not name:
        raise ValueError("metric name must not be empty")


_MAX_STEP = 2 ** 53 - 1


def _check_step(step):
    if step is None:
        return None
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise TypeError("step must be an int >= 0 or None, got {!r}".format(step))
    step = int(step)
    if step < 0:
        raise ValueError("step must be >= 0, got {}".format(step))
    if step > _MAX_STEP:
        # Beyond 2**53 - 1 steps are not exact in the engine's doubles: two would be stored as one.
        raise ValueError("step must be at most 2**53 - 1, got {}".format(step))
    return step


def _to_number(name, value):
    """Return ``value`` as an int or float, or raise TypeError.

    Accepts Python ints/floats and anything registered as ``numbers.Real``
    (numpy scalars), plus single-element array-likes with ``.item()``
    (0-d numpy arrays, scalar tensors). Booleans and strings are rejected.
    """
    original = value
    if not isinstance(value, numbers.Real) and not isinstance(value, (str, bytes)):
        item = getattr(value, "item", None)
        if callable(item):
            try:
                value = item()
            except Exception:  # noqa: BLE001 - not a scalar
                value = original
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("metric {!r} must be a number, got {} {!r}".format(
            name, type(original).__name__, original))
    if isinstance(value, numbers.Integral):
        value = int(value)
        if abs(value) <= _MAX_STEP:
            return value
        # The engine holds doubles: a larger int is the nearest one, and one beyond a double is infinite
        # (skipped with a warning, as inf is) rather than a line the engine would count malformed.
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    return float(value)


def _metrics_record(values, step):
    step = _check_step(step)
    clean = {}
    # Validate everything first so a bad value emits nothing at all.
    for name, value in values.items():
        _check_name(name)
        clean[name] = _to_number(name, value)
    finite = {}
    for name, value in clean.items():
        if isinstance(value, float) and not math.isfinite(value):
            _warn("skipping non-finite metric {!r}={!r}".format(name, value))
            continue
        finite[name] = value
    if not finite:
        return None
    record = {"metrics": finite}
    if step is not None:
        record["step"] = step
    record["ts"] = time.time()
    return record


def _sanitize_param(value):
    """Replace non-finite floats (not valid JSON) by their string form."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)  # 'nan', 'inf', '-inf'
    if isinstance(value, dict):
        return {str(k): _sanitize_param(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_sanitize_param(v) for v in value]
    return value


# ---------------------------------------------------------------------------
# public API: reporting
# ---------------------------------------------------------------------------

def log_metrics(*metrics, step=None, **values):
    """Report one or more metrics, e.g. ``log_metrics(step=3, loss=0.25, acc=0.9)``, or as dicts, as W&B's
    ``log`` takes them: ``log_metrics({"train/loss": 0.25, "val/acc": 0.9}, step=3)``.

    ``step`` is an int >= 0; when omitted the engine uses, per metric, the
    highest step seen so far plus one. Non-finite values (NaN, +-inf) are
    skipped with a warning on stderr; non-numbers raise TypeError (and then
    nothing is reported). A metric literally named ``step`` is given in a
    dict or with :func:`log_metric`. (A step given first, ``log_metrics(3,
    loss=0.25)``, is still read as the step.)
    """
    merged = {}
    for i, m in enumerate(metrics):
        if isinstance(m, collections.abc.Mapping):
            merged.update(m)
        elif i == 0 and step is None and len(metrics) == 1 and (m is None or isinstance(m, numbers.Integral)):
            step = m
        else:
            raise TypeError(
                "log_metrics takes dicts of name: value and name=value keywords (and step=), got {!r}".format(m))
    merged.update(values)
    record = _metrics_record(merged, step)
    if record is not None:
        _emit(record)


def log_metric(name, value, step=None):
    """Report a single metric: ``log_metric("loss", 0.25, step=3)``."""
    record = _metrics_record({name: value}, step)
    if record is not None:
        _emit(record)


def log_params(*mappings, **params):
    """Report the run's parameters: ``log_params(lr=0.01, layers=[32, 64])``.

    Dicts may also be passed positionally (``log_params(vars(args))``);
    keyword arguments win on conflicts. Values must be JSON-serialisable
    (numpy values are converted; anything else falls back to ``str``).
    """
    merged = {}
    for mapping in mappings:
        if not isinstance(mapping, dict):
            mapping = dict(mapping)
        merged.update(mapping)
    merged.update(params)
    if not merged:
        return
    _emit({"params": {str(k): _sanitize_param(v) for k, v in merged.items()}})


def log_tags(*tags):
    """Report tags: ``log_tags("baseline", "v2")`` (a single list also works)."""
    if len(tags) == 1 and isinstance(tags[0], (list, tuple, set, frozenset)):
        tags = tuple(tags[0])
    result = []
    for tag in tags:
        if not isinstance(tag, str):
            raise TypeError("tags must be str, got {!r}".format(tag))
        tag = tag.strip()
        if tag and tag not in result:
            result.append(tag)
    if result:
        _emit({"tags": result})


# ---------------------------------------------------------------------------
# public API: environment
# ---------------------------------------------------------------------------

def _load_json_object(var):
    raw = os.environ.get(var)
    if raw is None or raw.strip() == "":
        return None
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ValueError("{} is not valid JSON: {}".format(var, exc))
    if not isinstance(value, dict):
        raise ValueError("{} must be a JSON object, got {}".format(var, type(value).__name__))
    return value


def get_params():
    """The experiment's params (``AXON_PARAMS``), or ``{}`` when not run by Axon."""
    params = _load_json_object("AXON_PARAMS")
    return params if params is not None else {}


def get_outputs_path():
    """Folder for outputs/checkpoints.

    ``AXON_OUTPUTS_PATH`` when run by Axon; otherwise ``./outputs`` (created).
    """
    path = os.environ.get("AXON_OUTPUTS_PATH") or os.environ.get("POLYAXON_RUN_OUTPUTS_PATH")
    if not path:
        path = os.path.abspath(_LOCAL_OUTPUTS_DIR)
    os.makedirs(path, exist_ok=True)
    return path


def get_run_id():
    """The Axon run id (``AXON_RUN_ID``), or ``None`` when not run by Axon."""
    return os.environ.get("AXON_RUN_ID") or None


def is_managed():
    """True when this process was started by the Axon engine."""
    return bool(os.environ.get("AXON_RUN_ID"))
