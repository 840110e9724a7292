"""``polyaxon_client.tracking`` for Axon: the Polyaxon v0 tracking API.

Metrics, params and tags go through :mod:`axon.tracking` (``@@axon`` lines on
stdout). Status reporting, code refs, run env and similar server-side calls
are accepted and ignored: the Axon engine tracks run status itself.
"""

import json
import os
import shutil

from axon import tracking as _axon

__all__ = [
    "Experiment",
    "Job",
    "get_declarations",
    "get_params",
    "get_experiment_info",
    "get_outputs_path",
    "get_outputs_refs_paths",
    "get_data_paths",
    "get_log_level",
    "get_cluster_def",
    "get_task_info",
    "get_tf_config",
]


def _json_env(*names):
    """First of ``names`` set in the environment, parsed as JSON (or None)."""
    for name in names:
        raw = os.environ.get(name)
        if raw is None or raw.strip() == "":
            continue
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ValueError("{} is not valid JSON: {}".format(name, exc))
    return None


# ---------------------------------------------------------------------------
# module-level helpers (polyaxon_client.tracking.paths & friends)
# ---------------------------------------------------------------------------

def get_declarations():
    """The experiment's declarations/params as a dict (``{}`` when none).

    Reads ``POLYAXON_DECLARATIONS``, then ``POLYAXON_PARAMS``, then
    ``AXON_PARAMS`` (the engine sets all three to the same JSON object).
    """
    value = _json_env("POLYAXON_DECLARATIONS", "POLYAXON_PARAMS", "AXON_PARAMS")
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("experiment declarations must be a JSON object")
    return value


get_params = get_declarations


def get_experiment_info():
    """``{"experiment_name", "project_name", "experiment_uuid", ...}`` or None.

    From ``POLYAXON_EXPERIMENT_INFO``; when only ``AXON_RUN_ID`` (and
    ``AXON_PROJECT``) are set it is built from them; None when not run by Axon.
    """
    info = _json_env("POLYAXON_EXPERIMENT_INFO")
    if isinstance(info, dict):
        return info
    run_id = _axon.get_run_id()
    if run_id:
        project = os.environ.get("AXON_PROJECT") or None
        name = "{}.{}".format(project, run_id) if project else run_id
        return {"experiment_name": name, "project_name": project, "experiment_uuid": run_id}
    return None


def get_outputs_path():
    """Outputs folder: ``POLYAXON_RUN_OUTPUTS_PATH`` / ``AXON_OUTPUTS_PATH``, else ./outputs."""
    path = os.environ.get("POLYAXON_RUN_OUTPUTS_PATH")
    if path:
        os.makedirs(path, exist_ok=True)
        return path
    return _axon.get_outputs_path()


def get_outputs_refs_paths():
    """Outputs of referenced jobs/experiments (``POLYAXON_REFS_OUTPUTS_PATHS``) or None."""
    return _json_env("POLYAXON_REFS_OUTPUTS_PATHS")


def get_data_paths():
    """Mounted data paths (``POLYAXON_RUN_DATA_PATHS``, a JSON object) or None."""
    return _json_env("POLYAXON_RUN_DATA_PATHS")


def get_log_level():
    """``POLYAXON_LOG_LEVEL`` (or ``AXON_LOG_LEVEL``), or None."""
    return os.environ.get("POLYAXON_LOG_LEVEL") or os.environ.get("AXON_LOG_LEVEL") or None


def get_cluster_def():
    """Distributed cluster definition: Axon runs single-process jobs, so None
    unless ``POLYAXON_CLUSTER`` is set."""
    return _json_env("POLYAXON_CLUSTER")


def get_task_info():
    """``{"type", "index"}`` from ``POLYAXON_TASK_INFO``, or None."""
    return _json_env("POLYAXON_TASK_INFO")


def get_tf_config(envvar="TF_CONFIG", model_dir=None):
    """TF_CONFIG-style dict as in v0; exported to ``envvar`` when it is set."""
    tf_config = {
        "cluster": get_cluster_def(),
        "task": get_task_info(),
        "model_dir": model_dir if model_dir is not None else get_outputs_path(),
        "environment": "cloud",
    }
    if envvar:
        os.environ[envvar] = json.dumps(tf_config)
    return tf_config


def _normalize_tags(tags):
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = tags.split(",")
    return [str(tag).strip() for tag in tags if str(tag).strip()]


# ---------------------------------------------------------------------------
# Experiment
# ---------------------------------------------------------------------------

class Experiment(object):
    """Polyaxon v0 ``Experiment`` tracker backed by the ``@@axon`` protocol.

    The v0 constructor arguments (project, experiment_id, group_id, client,
    track_logs, track_code, track_env, outputs_store, ...) are accepted and
    ignored.
    """

    def __init__(self, project=None, experiment_id=None, group_id=None, client=None,
                 track_logs=True, track_code=True, track_env=True, outputs_store=None,
                 **kwargs):
        info = get_experiment_info() or {}
        self.project = project
        self.project_name = project or info.get("project_name")
        self.experiment_id = experiment_id if experiment_id is not None else _axon.get_run_id()
        self.experiment_uuid = info.get("experiment_uuid")
        self.experiment_name = info.get("experiment_name")
        self.group_id = group_id if group_id is not None else (os.environ.get("AXON_GROUP_ID") or None)
        self.client = client
        self.track_logs = track_logs
        self.track_code = track_code
        self.track_env = track_env
        self.outputs_store = outputs_store
        self.experiment = None
        self.last_status = None

    # -- lifecycle (accepted, nothing to do: Axon tracks status itself) ------

    def create(self, name=None, tags=None, description=None, config=None,
               base_outputs_path=None, **kwargs):
        if tags:
            self.log_tags(tags)
        self.last_status = "created"
        return self

    def log_status(self, status, message=None):
        self.last_status = status

    def start(self):
        self.last_status = "running"

    def end(self, status, message=None):
        if self.last_status in ("succeeded", "failed", "stopped"):
            return
        self.last_status = status

    def succeeded(self):
        self.end("succeeded")

    def failed(self, message=None):
        self.end("failed", message)

    def stop(self):
        self.end("stopped")

    def set_name(self, name):
        pass

    def set_description(self, description):
        pass

    def log_run_env(self):
        pass

    def log_code_ref(self):
        pass

    def log_data_ref(self, data, data_name="data", reset=False):
        pass

    # -- reporting -----------------------------------------------------------

    def log_metrics(self, *dicts, step=None, **metrics):
        """``experiment.log_metrics(step=3, loss=0.25, accuracy=0.9)``, or dicts of them (as axon.tracking)."""
        _axon.log_metrics(*dicts, step=step, **metrics)

    def log_metric(self, name, value, step=None):
        _axon.log_metric(name, value, step=step)

    def log_params(self, reset=False, **params):
        """``experiment.log_params(lr=0.01)``; ``reset`` is accepted and ignored."""
        _axon.log_params(**params)

    def log_tags(self, tags, reset=False):
        """``experiment.log_tags(["a", "b"])`` (a comma-separated str also works)."""
        tags = _normalize_tags(tags)
        if tags:
            _axon.log_tags(*tags)

    # -- files ---------------------------------------------------------------

    def log_artifact(self, file_path):
        """Copy a file into the outputs folder (no-op if it is already there)."""
        outputs = os.path.abspath(self.get_outputs_path())
        source = os.path.abspath(file_path)
        if os.path.dirname(source) == outputs or source.startswith(outputs + os.sep):
            return
        shutil.copy2(source, os.path.join(outputs, os.path.basename(source)))

    def log_artifacts(self, dir_path):
        """Copy a folder's files into the outputs folder."""
        outputs = os.path.abspath(self.get_outputs_path())
        source = os.path.abspath(dir_path)
        if source == outputs or source.startswith(outputs + os.sep):
            return
        target = os.path.join(outputs, os.path.basename(source.rstrip(os.sep)))
        shutil.copytree(source, target, dirs_exist_ok=True)  # Python 3.8+

    log_output = log_artifact
    log_outputs = log_artifacts

    # -- environment ---------------------------------------------------------

    def get_outputs_path(self):
        return get_outputs_path()

    @property
    def outputs_path(self):
        return get_outputs_path()

    def get_params(self):
        return get_declarations()

    get_declarations = staticmethod(get_declarations)
    get_experiment_info = staticmethod(get_experiment_info)
    get_cluster_def = staticmethod(get_cluster_def)
    get_task_info = staticmethod(get_task_info)
    get_data_paths = staticmethod(get_data_paths)
    get_log_level = staticmethod(get_log_level)

    @staticmethod
    def get_tf_config(envvar="TF_CONFIG", model_dir=None):
        return get_tf_config(envvar=envvar, model_dir=model_dir)


#: v0 also had a ``Job`` tracker for plain jobs; it reports the same way.
Job = Experiment

