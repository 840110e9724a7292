"""Tests for sdk/python: the axon tracking client and the Polyaxon v0 shim.

Run with:  python3 -m unittest discover -s test/python -v
"""

import ast
import glob
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest

from helpers import EXAMPLES, PREFIX, SDK, axon_env, clean_env, import_or_skip, records, run_code

if SDK not in sys.path:
    sys.path.insert(0, SDK)

from axon import tracking  # noqa: E402

LINE_RE = re.compile(r"^@@axon \{.*\}$")


def script(body):
    return "from axon import tracking\n" + textwrap.dedent(body)


class ProtocolLineTests(unittest.TestCase):
    """Exact lines printed by axon.tracking, checked in a subprocess."""

    def run_ok(self, body, env=None, cwd=None):
        before = time.time()
        proc = run_code(script(body), env=env, cwd=cwd)
        after = time.time()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc, before, after

    def assert_compact_line(self, line):
        self.assertTrue(LINE_RE.match(line), line)
        obj = json.loads(line[len(PREFIX):])
        self.assertEqual(line, PREFIX + json.dumps(obj, separators=(",", ":")))
        return obj

    def test_metrics_with_step_exact_line(self):
        proc, before, after = self.run_ok("tracking.log_metrics(step=3, loss=0.25, acc=0.9)\n")
        lines = proc.stdout.split("\n")
        self.assertEqual(lines[-1], "")  # ends with exactly one newline
        self.assertEqual(len(lines), 2)
        obj = self.assert_compact_line(lines[0])
        self.assertEqual(list(obj), ["metrics", "step", "ts"])
        self.assertEqual(obj["metrics"], {"loss": 0.25, "acc": 0.9})
        self.assertEqual(list(obj["metrics"]), ["loss", "acc"])
        self.assertEqual(obj["step"], 3)
        self.assertIsInstance(obj["ts"], float)
        self.assertTrue(before - 1 <= obj["ts"] <= after + 1)
        ts = json.dumps(obj["ts"])
        self.assertEqual(lines[0], '@@axon {"metrics":{"loss":0.25,"acc":0.9},"step":3,"ts":' + ts + "}")
        self.assertEqual(proc.stderr, "")

    def test_metrics_without_step_has_no_step_key(self):
        proc, _, _ = self.run_ok("tracking.log_metrics(loss=1.5)\n")
        obj = self.assert_compact_line(proc.stdout.rstrip("\n"))
        self.assertEqual(list(obj), ["metrics", "ts"])
        self.assertEqual(obj["metrics"], {"loss": 1.5})

    def test_step_zero_and_int_values(self):
        proc, _, _ = self.run_ok("tracking.log_metrics(step=0, epoch=2, loss=0.5)\n")
        self.assertIn('"metrics":{"epoch":2,"loss":0.5},"step":0,', proc.stdout)

    def test_invalid_steps(self):
        proc = run_code(script("""
            for step, exc in [(-1, ValueError), (True, TypeError), (1.0, TypeError), ("2", TypeError),
                              (2 ** 53, ValueError)]:
                try:
                    tracking.log_metrics(step=step, loss=1.0)
                except exc:
                    print("raised", type(step).__name__)
                else:
                    print("no error for", repr(step))
        """))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.splitlines(),
                         ["raised int", "raised bool", "raised float", "raised str", "raised int"])

    def test_metrics_as_dicts_as_wandb_log_takes_them(self):
        proc, _, _ = self.run_ok("""
            tracking.log_metrics({"train/loss": 0.5, "val.acc": 0.75}, step=2)
            tracking.log_metrics({"a": 1}, {"b": 2}, c=3)
            tracking.log_metrics({"step": 9})
            tracking.log_metrics(4, loss=0.25)  # a step given first, as before
            try:
                tracking.log_metrics("loss", 1.0)
            except TypeError as e:
                print("raised", e)
        """)
        objs = records(proc.stdout)
        self.assertEqual(objs[0]["metrics"], {"train/loss": 0.5, "val.acc": 0.75})
        self.assertEqual(objs[0]["step"], 2)
        self.assertEqual(objs[1]["metrics"], {"a": 1, "b": 2, "c": 3})
        self.assertNotIn("step", objs[1])
        self.assertEqual(objs[2]["metrics"], {"step": 9})
        self.assertEqual((objs[3]["metrics"], objs[3]["step"]), ({"loss": 0.25}, 4))
        self.assertIn("raised log_metrics takes dicts of name: value", proc.stdout)

    def test_ints_beyond_a_double_are_skipped_like_inf(self):
        proc, _, _ = self.run_ok("""
            tracking.log_metrics(step=0, huge=10 ** 400, big=2 ** 63 + 1, ok=7)
        """)
        objs = records(proc.stdout)
        self.assertEqual(objs[0]["metrics"], {"big": float(2 ** 63), "ok": 7})
        self.assertIn("'huge'", proc.stderr)

    def test_log_metric_single(self):
        proc, _, _ = self.run_ok("""
            tracking.log_metric("loss", 0.125, step=7)
            tracking.log_metric("step", 4)
        """)
        objs = records(proc.stdout)
        self.assertEqual(len(objs), 2)
        self.assertEqual(objs[0]["metrics"], {"loss": 0.125})
        self.assertEqual(objs[0]["step"], 7)
        self.assertEqual(objs[1]["metrics"], {"step": 4})
        self.assertNotIn("step", objs[1])

    def test_nan_and_inf_are_skipped_with_warning(self):
        proc, _, _ = self.run_ok("""
            tracking.log_metrics(step=1, a=float("nan"), b=2.0, c=float("inf"), d=float("-inf"))
            tracking.log_metrics(step=2, only=float("nan"))
            tracking.log_metric("x", float("nan"))
        """)
        lines = proc.stdout.splitlines()
        self.assertEqual(len(lines), 1, proc.stdout)
        obj = self.assert_compact_line(lines[0])
        self.assertEqual(obj["metrics"], {"b": 2.0})
        self.assertEqual(obj["step"], 1)
        self.assertNotIn("NaN", proc.stdout)
        self.assertNotIn("Infinity", proc.stdout)
        warnings = proc.stderr.splitlines()
        self.assertEqual(len(warnings), 5, proc.stderr)
        for name in ("'a'", "'c'", "'d'", "'only'", "'x'"):
            self.assertTrue(any(name in w and "axon" in w for w in warnings), (name, warnings))

    def test_non_numbers_raise_type_error_and_print_nothing(self):
        proc = run_code(script("""
            bad = [{"loss": "0.5"}, {"ok": 1.0, "loss": "0.5"}, {"flag": True}, {"v": None},
                   {"v": [1.0]}, {"v": b"1"}]
            for values in bad:
                try:
                    tracking.log_metrics(step=1, **values)
                except TypeError as exc:
                    print("TypeError")
            try:
                tracking.log_metric("loss", "high")
            except TypeError:
                print("TypeError")
            try:
                tracking.log_metric(3, 1.0)
            except TypeError:
                print("TypeError")
        """))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.splitlines(), ["TypeError"] * 8)

    def test_uncaught_type_error_fails_the_script(self):
        proc = run_code(script('tracking.log_metrics(loss="bad")\n'))
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("TypeError", proc.stderr)
        self.assertIn("'loss'", proc.stderr)
        self.assertEqual(proc.stdout, "")

    def test_params_exact_line(self):
        proc, _, _ = self.run_ok("""
            tracking.log_params(lr=0.01, layers=[32, 64])
            tracking.log_params()
            tracking.log_params({"opt": "adam", "nested": {"a": 1}}, lr=0.1)
            tracking.log_params(bad=float("nan"), t=(1, 2))
        """)
        self.assertEqual(proc.stdout.splitlines(), [
            '@@axon {"params":{"lr":0.01,"layers":[32,64]}}',
            '@@axon {"params":{"opt":"adam","nested":{"a":1},"lr":0.1}}',
            '@@axon {"params":{"bad":"nan","t":[1,2]}}',
        ])

    def test_tags_exact_line(self):
        proc, _, _ = self.run_ok("""
            tracking.log_tags("baseline", "v2")
            tracking.log_tags(["a", "b", "a"])
            tracking.log_tags()
            try:
                tracking.log_tags("ok", 3)
            except TypeError:
                print("TypeError")
        """)
        self.assertEqual(proc.stdout.splitlines(), [
            '@@axon {"tags":["baseline","v2"]}',
            '@@axon {"tags":["a","b"]}',
            "TypeError",
        ])

    def test_works_when_not_run_by_axon(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        proc, _, _ = self.run_ok("""
            import os
            print(tracking.is_managed(), tracking.get_run_id(), tracking.get_params())
            path = tracking.get_outputs_path()
            print(path == os.path.join(os.getcwd(), "outputs"), os.path.isdir(path))
            tracking.log_metrics(step=1, loss=1.0)
        """, cwd=tmp)
        lines = proc.stdout.splitlines()
        self.assertEqual(lines[0], "False None {}")
        self.assertEqual(lines[1], "True True")
        self.assertTrue(lines[2].startswith('@@axon {"metrics":{"loss":1.0},"step":1,"ts":'))
        self.assertTrue(os.path.isdir(os.path.join(tmp, "outputs")))

    def test_environment_from_engine(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        outputs = os.path.join(tmp, "runs", "42", "outputs")
        env = axon_env(params={"lr": 0.01, "layers": [32, 64], "name": "x"}, run_id="42",
                       outputs=outputs)
        proc, _, _ = self.run_ok("""
            import json
            print(json.dumps(tracking.get_params(), sort_keys=True))
            print(tracking.get_outputs_path())
            print(tracking.get_run_id(), tracking.is_managed())
        """, env=env, cwd=tmp)
        self.assertEqual(proc.stdout.splitlines(), [
            '{"layers": [32, 64], "lr": 0.01, "name": "x"}',
            outputs,
            "42 True",
        ])
        self.assertFalse(os.path.exists(os.path.join(tmp, "outputs")))

    def test_invalid_params_env_raises(self):
        for raw in ("{not json", "[1, 2]"):
            proc = run_code(script("tracking.get_params()\n"), env={"AXON_PARAMS": raw})
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn("AXON_PARAMS", proc.stderr)

    def test_lines_reach_a_file_before_the_process_exits(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        log = os.path.join(tmp, "job.log")
        code = script("""
            import sys
            print("plain output line")
            tracking.log_metrics(step=1, loss=0.5)
            sys.stdin.readline()  # wait until the test has seen the line
        """)
        with open(log, "w") as out:
            proc = subprocess.Popen([sys.executable, "-c", code], env=clean_env(),
                                    stdin=subprocess.PIPE, stdout=out, stderr=subprocess.PIPE)
        try:
            deadline = time.time() + 20
            content = ""
            while time.time() < deadline:
                with open(log) as handle:
                    content = handle.read()
                if PREFIX in content:
                    break
                time.sleep(0.05)
            self.assertIsNone(proc.poll())
            lines = content.splitlines()
            self.assertEqual(lines[0], "plain output line")
            self.assertTrue(lines[1].startswith('@@axon {"metrics":{"loss":0.5},"step":1,'))
        finally:
            proc.communicate(b"\n", timeout=20)

    def test_concurrent_threads_never_interleave(self):
        proc, _, _ = self.run_ok("""
            import threading
            def work(n):
                for i in range(200):
                    tracking.log_metrics(step=i, **{"m%d" % n: float(i), "pad%d" % n: 1.0 / (i + 1)})
            threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        """)
        lines = proc.stdout.splitlines()
        self.assertEqual(len(lines), 1600)
        for line in lines:
            self.assertTrue(LINE_RE.match(line), line)
            json.loads(line[len(PREFIX):])


class _RecordingStream(object):
    def __init__(self):
        self.calls = []

    def write(self, text):
        self.calls.append(("write", text))
        return len(text)

    def flush(self):
        self.calls.append(("flush", None))


class SingleWriteTests(unittest.TestCase):
    """In-process: each record is one write of a full line, then a flush."""

    def setUp(self):
        self.stream = _RecordingStream()
        self.saved = sys.stdout
        sys.stdout = self.stream
        self.addCleanup(setattr, sys, "stdout", self.saved)

    def test_one_write_and_one_flush_per_record(self):
        tracking.log_metrics(step=1, a=1.0, b=2.0)
        tracking.log_metric("c", 3)
        tracking.log_params(lr=0.1)
        tracking.log_tags("x")
        sys.stdout = self.saved
        kinds = [kind for kind, _ in self.stream.calls]
        self.assertEqual(kinds, ["write", "flush"] * 4)
        for kind, text in self.stream.calls:
            if kind == "write":
                self.assertTrue(text.startswith(PREFIX))
                self.assertTrue(text.endswith("}\n"))
                self.assertEqual(text.count("\n"), 1)

    def test_numpy_values(self):
        np = import_or_skip(self, "numpy", "numpy", "python3 -m pip install numpy")
        tracking.log_metrics(step=np.int64(2), a=np.float32(0.5), b=np.int64(3), c=np.array(1.5),
                             d=np.float64(0.25))
        tracking.log_params(arr=np.arange(3), x=np.float64(0.5))
        sys.stdout = self.saved
        writes = [text for kind, text in self.stream.calls if kind == "write"]
        obj = json.loads(writes[0][len(PREFIX):])
        self.assertEqual(obj["metrics"], {"a": 0.5, "b": 3, "c": 1.5, "d": 0.25})
        self.assertEqual(obj["step"], 2)
        self.assertEqual(writes[1], '@@axon {"params":{"arr":[0,1,2],"x":0.5}}\n')

    def test_prefix_constant(self):
        self.assertEqual(tracking.PREFIX, "@@axon ")


SHIM_SCRIPT = """
import json, os
import polyaxon_client
from polyaxon_client import settings
from polyaxon_client.exceptions import PolyaxonClientException
from polyaxon_client.tracking import (Experiment, get_outputs_path, get_data_paths, get_log_level,
                                      get_declarations, get_experiment_info)

experiment = Experiment(project="demo", experiment_id=3, client=None, track_logs=False,
                        track_code=False, track_env=False)
assert experiment.create(name="x", tags=["created"]) is experiment
experiment.log_status("running")
experiment.log_params(reset=False, lr=0.01, layers=[32, 64])
experiment.log_metrics(step=2, loss=0.5, accuracy=0.75)
experiment.log_metrics(loss=0.25)
experiment.log_metrics({"val/loss": 0.125}, step=4)
experiment.log_tags(["baseline", "v2"])
experiment.log_tags("a,b")
experiment.set_description("d")
experiment.set_name("n")
experiment.succeeded()
experiment.failed(message="m")
print("declarations", json.dumps(get_declarations(), sort_keys=True))
print("method_declarations", json.dumps(experiment.get_declarations(), sort_keys=True))
print("params", json.dumps(experiment.get_params(), sort_keys=True))
print("outputs", get_outputs_path())
print("experiment_outputs", experiment.get_outputs_path(), experiment.outputs_path)
print("info", json.dumps(get_experiment_info(), sort_keys=True))
print("data", get_data_paths(), "log_level", get_log_level())
print("in_cluster", settings.IN_CLUSTER, issubclass(PolyaxonClientException, Exception))
"""


class PolyaxonShimTests(unittest.TestCase):
    def test_v0_script_end_to_end(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        outputs = os.path.join(tmp, "out")
        env = axon_env(params={"lr": 0.01, "batch_size": 32}, run_id="7", outputs=outputs)
        proc = run_code(SHIM_SCRIPT, env=env, cwd=tmp)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = proc.stdout.splitlines()
        axon_lines = [l for l in lines if l.startswith(PREFIX)]
        other = [l for l in lines if not l.startswith(PREFIX)]
        self.assertEqual(axon_lines[0], '@@axon {"tags":["created"]}')
        self.assertEqual(axon_lines[1], '@@axon {"params":{"lr":0.01,"layers":[32,64]}}')
        self.assertTrue(axon_lines[2].startswith(
            '@@axon {"metrics":{"loss":0.5,"accuracy":0.75},"step":2,"ts":'))
        self.assertTrue(axon_lines[3].startswith('@@axon {"metrics":{"loss":0.25},"ts":'))
        self.assertTrue(axon_lines[4].startswith('@@axon {"metrics":{"val/loss":0.125},"step":4,"ts":'))
        self.assertEqual(axon_lines[5:], ['@@axon {"tags":["baseline","v2"]}', '@@axon {"tags":["a","b"]}'])
        self.assertEqual(other, [
            'declarations {"batch_size": 32, "lr": 0.01}',
            'method_declarations {"batch_size": 32, "lr": 0.01}',
            'params {"batch_size": 32, "lr": 0.01}',
            "outputs " + outputs,
            "experiment_outputs {0} {0}".format(outputs),
            'info {"experiment_name": "demo.7", "experiment_uuid": "uuid-7", "project_name": "demo"}',
            "data None log_level None",
            "in_cluster True True",
        ])
        self.assertTrue(os.path.isdir(outputs))

    def test_v0_script_outside_axon(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        proc = run_code(SHIM_SCRIPT, cwd=tmp)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("declarations {}", proc.stdout)
        self.assertIn("outputs " + os.path.join(tmp, "outputs"), proc.stdout)
        self.assertIn("info null", proc.stdout)
        self.assertIn("in_cluster False True", proc.stdout)
        self.assertEqual(len(records(proc.stdout)), 7)

    def test_shim_validates_like_axon(self):
        proc = run_code(textwrap.dedent("""
            from polyaxon_client.tracking import Experiment
            e = Experiment()
            e.log_metrics(step=1, loss=float("nan"), acc=1.0)
            try:
                e.log_metrics(loss="x")
            except TypeError:
                print("TypeError")
        """))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        lines = proc.stdout.splitlines()
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[0].startswith('@@axon {"metrics":{"acc":1.0},"step":1,'))
        self.assertEqual(lines[1], "TypeError")
        self.assertIn("'loss'", proc.stderr)

    def test_declarations_fall_back_to_polyaxon_params_and_axon_params(self):
        code = "from polyaxon_client.tracking import get_declarations; print(get_declarations())"
        proc = run_code(code, env={"POLYAXON_PARAMS": '{"a": 1}'})
        self.assertEqual(proc.stdout.strip(), "{'a': 1}")
        proc = run_code(code, env={"AXON_PARAMS": '{"b": 2}'})
        self.assertEqual(proc.stdout.strip(), "{'b': 2}")

    def test_experiment_info_built_from_axon_variables(self):
        code = textwrap.dedent("""
            import json
            from polyaxon_client.tracking import Experiment, get_experiment_info
            print(json.dumps(get_experiment_info(), sort_keys=True))
            e = Experiment()
            print(e.project_name, e.experiment_id, e.group_id)
        """)
        proc = run_code(code, env={"AXON_RUN_ID": "12", "AXON_PROJECT": "mnist", "AXON_GROUP_ID": "4"})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.splitlines(), [
            '{"experiment_name": "mnist.12", "experiment_uuid": "12", "project_name": "mnist"}',
            "mnist 12 4",
        ])

    def test_log_artifact_copies_into_outputs(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        outputs = os.path.join(tmp, "out")
        with open(os.path.join(tmp, "model.txt"), "w") as handle:
            handle.write("weights")
        os.makedirs(os.path.join(tmp, "plots"))
        with open(os.path.join(tmp, "plots", "a.txt"), "w") as handle:
            handle.write("a")
        proc = run_code(textwrap.dedent("""
            from polyaxon_client.tracking import Experiment
            e = Experiment()
            e.log_artifact("model.txt")
            e.log_artifacts("plots")
        """), env=axon_env(outputs=outputs), cwd=tmp)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(os.path.isfile(os.path.join(outputs, "model.txt")))
        self.assertTrue(os.path.isfile(os.path.join(outputs, "plots", "a.txt")))


# ---------------------------------------------------------------------------
# Python 3.8 compatibility
# ---------------------------------------------------------------------------

PY39_BUILTIN_GENERICS = {"list", "dict", "tuple", "set", "frozenset", "type"}
PY39_METHODS = {"removeprefix", "removesuffix"}


def python_sources():
    files = glob.glob(os.path.join(SDK, "**", "*.py"), recursive=True)
    files += glob.glob(os.path.join(EXAMPLES, "**", "*.py"), recursive=True)
    return sorted(files)


def find_python38():
    """A working Python 3.8 interpreter, or None (pyenv shims may exist but not work)."""
    candidates = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.8*/bin/python3.8")))
    candidates += [shutil.which("python3.8")]
    for candidate in candidates:
        if not candidate or not os.access(candidate, os.X_OK):
            continue
        try:
            out = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 universal_newlines=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            continue
        if out.returncode == 0 and out.stdout.strip() == "(3, 8)":
            return candidate
    return None


PYTHON38 = find_python38()


class Python38CompatTests(unittest.TestCase):
    def test_sources_found(self):
        names = [os.path.relpath(p, SDK) for p in python_sources()]
        self.assertIn(os.path.join("axon", "tracking.py"), names)
        self.assertIn(os.path.join("polyaxon_client", "tracking.py"), names)

    def test_no_python39_constructs(self):
        for path in python_sources():
            with open(path) as handle:
                source = handle.read()
            tree = ast.parse(source, filename=path, feature_version=(3, 8))
            for node in ast.walk(tree):
                where = "{}:{}".format(path, getattr(node, "lineno", "?"))
                if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
                    self.assertNotIn(node.value.id, PY39_BUILTIN_GENERICS,
                                     "builtin generic subscript (3.9+) at " + where)
                if isinstance(node, ast.Attribute):
                    self.assertNotIn(node.attr, PY39_METHODS, "3.9+ str method at " + where)
                if isinstance(node, ast.Match if hasattr(ast, "Match") else ()):
                    self.fail("match statement (3.10+) at " + where)
                if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                    names = [alias.name for alias in node.names]
                    self.assertNotIn("annotations", names, where)
                if isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, ast.BitOr):
                    # dict | dict is 3.9+: the sources use no | at all
                    self.fail("'|' operator (possibly dict union, 3.9+) at " + where)

    @unittest.skipUnless(PYTHON38, "no python3.8 interpreter found (checked PATH and ~/.pyenv)")
    def test_runs_under_python38(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        code = textwrap.dedent("""
            import sys
            assert sys.version_info[:2] == (3, 8), sys.version
            from axon import tracking
            tracking.log_metrics(step=1, loss=0.5)
            tracking.log_metric("nan", float("nan"))
            tracking.log_params(lr=0.1)
            tracking.log_tags("t")
            print(tracking.get_params(), tracking.is_managed())
        """) + SHIM_SCRIPT
        proc = run_code(code, env=axon_env(params={"lr": 0.1}, outputs=os.path.join(tmp, "o")),
                        cwd=tmp, python=PYTHON38)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("{'lr': 0.1} True", proc.stdout)
        self.assertEqual(len(records(proc.stdout)), 10)
        branin = os.path.join(EXAMPLES, "branin", "branin.py")
        proc = subprocess.run([PYTHON38, branin, "--x1=3.14159", "--x2=2.275", "--steps=3",
                               "--sleep=0"], env=clean_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(len(records(proc.stdout)), 4)


if __name__ == "__main__":
    unittest.main()
