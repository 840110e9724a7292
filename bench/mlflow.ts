// The peer: the same metric stream (4 keys a step) logged to an MLflow tracking server (SQLite backend store)
// with its Python client's log_batch, 1000 metrics a call, against Axon's ingestion rate measured in this run.
// MLflow is pip-installed into a venv only when this benchmark runs; if that fails it says so and skips.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { compareIngest, STEPS as INGEST_STEPS } from './ingest';
import { log, removeDir, report, RESULTS_DIR, sleep, tmpDir, type BenchResult } from './lib';

const MLFLOW_STEPS = Number(process.env.AXON_BENCH_MLFLOW_STEPS ?? 25_000);
const KEYS = 4;
const BATCH = 1000;
const GOAL_RATIO = 25;
const VENV = process.env.AXON_BENCH_MLFLOW_VENV ?? path.join(os.tmpdir(), 'axon-bench-mlflow-venv');

const CLIENT_PY = `import json, sys, time
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

url, steps, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
keys = ['loss', 'accuracy', 'learning_rate', 'grad_norm']
client = MlflowClient(tracking_uri=url)
run = client.create_run(client.create_experiment('bench'))
ts = int(time.time() * 1000)
metrics = [Metric(k, 1.0 / (i + 1) * (j + 1), ts, i) for i in range(steps) for j, k in enumerate(keys)]
t0 = time.perf_counter()
for i in range(0, len(metrics), batch):
    client.log_batch(run.info.run_id, metrics=metrics[i:i + batch])
seconds = time.perf_counter() - t0
stored = sum(len(client.get_metric_history(run.info.run_id, k)) for k in keys)
print(json.dumps({'points': len(metrics), 'seconds': seconds, 'stored': stored}))
`;

function sh(
  cmd: string,
  args: string[],
  timeoutMs: number,
): Promise<{ ok: boolean; out: string; stdout: string }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ ok: !err, out: `${stdout}${stderr}${err && !stderr ? err.message : ''}`, stdout }),
    ),
  );
}

/** A venv with mlflow in it, made once and reused; null with the reason when it cannot be had. */
async function mlflowVenv(): Promise<{ python: string; mlflow: string } | { skip: string }> {
  const python = path.join(VENV, 'bin', 'python');
  const mlflow = path.join(VENV, 'bin', 'mlflow');
  if ((await sh(python, ['-c', 'import mlflow'], 60_000)).ok && fs.existsSync(mlflow))
    return { python, mlflow };
  log(`mlflow: creating a venv at ${VENV} and running pip install mlflow (about a minute)`);
  const venv = await sh('python3', ['-m', 'venv', VENV], 120_000);
  if (!venv.ok) return { skip: `python3 -m venv failed: ${venv.out.trim().split('\n').slice(-3).join(' ')}` };
  const pip = await sh(path.join(VENV, 'bin', 'pip'), ['install', '--quiet', 'mlflow'], 15 * 60_000);
  if (!pip.ok)
    return { skip: `pip install mlflow failed: ${pip.out.trim().split('\n').slice(-3).join(' ')}` };
  return { python, mlflow };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startMlflowServer(mlflow: string, dir: string): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(
    mlflow,
    [
      'server',
      '--backend-store-uri',
      `sqlite:///${path.join(dir, 'mlflow.db')}`,
      '--default-artifact-root',
      path.join(dir, 'artifacts'),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let err = '';
  proc.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`mlflow server exited ${proc.exitCode}: ${err}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, proc };
    } catch {
      /* not yet */
    }
    await sleep(500);
  }
  await stopGroup(proc);
  throw new Error(`mlflow server did not answer on ${url}: ${err}`);
}

/** The server forks workers: stop its whole process group, and wait until it is gone (SIGKILL after 10 s). */
async function stopGroup(proc: ChildProcess): Promise<void> {
  const signal = (sig: NodeJS.Signals | 0) => {
    try {
      process.kill(-proc.pid!, sig);
      return true;
    } catch {
      return false; // no process left in the group
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + 10_000;
  while (signal(0) && Date.now() < deadline) await sleep(100);
  signal('SIGKILL');
}

export async function run(): Promise<BenchResult | null> {
  const venv = await mlflowVenv();
  if ('skip' in venv) {
    process.stdout.write(`\n== mlflow ==\n  SKIPPED: MLflow is not available here. ${venv.skip}\n`);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(
      path.join(RESULTS_DIR, 'mlflow.json'),
      JSON.stringify({ name: 'mlflow', date: new Date().toISOString(), skipped: venv.skip }, null, 2) + '\n',
    );
    return null;
  }
  const version = (await sh(venv.mlflow, ['--version'], 60_000)).out
    .trim()
    .replace(/^mlflow, version /, 'MLflow ');
  // Axon first, so that nothing of MLflow's is still running while it is measured.
  log('mlflow: Axon ingestion at the ingest benchmark size, then at the MLflow size');
  const axon = await compareIngest(INGEST_STEPS);
  const axonSame = await compareIngest(MLFLOW_STEPS);
  const dir = tmpDir('axon-bench-mlflow-');
  const server = await startMlflowServer(venv.mlflow, dir);
  let m: { points: number; seconds: number; stored: number };
  try {
    const client = path.join(dir, 'client.py');
    fs.writeFileSync(client, CLIENT_PY);
    log(
      `mlflow: logging ${(MLFLOW_STEPS * KEYS).toLocaleString('en-US')} points to ${server.url} (${version})`,
    );
    const r = await sh(venv.python, [client, server.url, String(MLFLOW_STEPS), String(BATCH)], 30 * 60_000);
    if (!r.ok) throw new Error(`the MLflow client failed: ${r.out}`);
    m = JSON.parse(r.stdout.trim().split('\n').pop()!);
    if (m.stored !== m.points) throw new Error(`MLflow stored ${m.stored} of ${m.points} points`);
  } finally {
    await stopGroup(server.proc);
    removeDir(dir);
  }
  const mlflowRate = m.points / m.seconds;
  const ratio = axon.axonPerSecond / mlflowRate;
  return report({
    name: 'mlflow',
    params: {
      mlflowPoints: m.points,
      batch: BATCH,
      mlflowVersion: version,
      axonPoints: axon.points,
      axonPointsSameSize: axonSame.points,
    },
    figures: [
      {
        what: `Axon ingest (${axon.points.toLocaleString('en-US')} points)`,
        value: axon.axonPerSecond,
        unit: 'points/s',
        baseline: { what: `MLflow log_batch, ${m.points.toLocaleString('en-US')} points`, value: mlflowRate },
        ratio,
        ratioNote: 'MLflow',
        goal: `≥ ${GOAL_RATIO}× MLflow`,
        met: ratio >= GOAL_RATIO,
      },
      {
        what: `Axon ingest (${axonSame.points.toLocaleString('en-US')} points, same as MLflow)`,
        value: axonSame.axonPerSecond,
        unit: 'points/s',
        baseline: { what: 'MLflow', value: mlflowRate },
        ratio: axonSame.axonPerSecond / mlflowRate,
        ratioNote: 'MLflow',
      },
      { what: 'MLflow wall time', value: m.seconds, unit: 's' },
    ],
    notes: [
      `${version}: \`mlflow server\` with its defaults (uvicorn, 4 workers) and --backend-store-uri sqlite:///…/mlflow.db on 127.0.0.1; one Python MlflowClient calling log_batch with ${BATCH} metrics a call (MLflow's per-request limit), ${MLFLOW_STEPS.toLocaleString('en-US')} steps × ${KEYS} keys = ${m.points.toLocaleString('en-US')} points, Metric objects built before the clock starts; the stored count was checked with get_metric_history.`,
      'Axon: the same shape of stream (4 keys a step) as protocol lines in a log file, through the LogFollower into a fresh Store, as in the ingest benchmark (median of its rounds), measured just before MLflow in this run.',
      'Not the same path: MLflow goes over HTTP from a client process; Axon reads what the job printed to its log. That is the comparison the issue asks for (how fast each gets a metric stream into its store).',
    ],
  });
}
