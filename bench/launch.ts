// Launch overhead: an experiment running `true` through a serving engine, against a bare spawn of
// `/bin/bash -c true` from Node, measured alternately in the same run.
//  (a) engine side: from the runs.create call to the experiments.changed event saying `succeeded`, seen by an
//      HTTP + WebSocket client of `axon serve` (a child process on a temporary AXON_HOME);
//  (b) the whole CLI: `node bin/axon.mjs run -f <file>` wall time against the same engine, which adds Node's
//      and tsx's start-up (not the engine's overhead); `axon --version` wall time is shown next to it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Experiment } from '../shared/domain';
import { isDone } from '../shared/statuses';
import { BIN, startServe, type Served } from '../test/helpers';
import {
  log,
  median,
  nowMs,
  percentile,
  removeDir,
  report,
  ROOT,
  tmpDir,
  type BenchResult,
  type Figure,
} from './lib';

const RUNS = Number(process.env.AXON_BENCH_LAUNCH_RUNS ?? 30);
const CLI_RUNS = Number(process.env.AXON_BENCH_LAUNCH_CLI_RUNS ?? 30);
const WARMUP = 3;
const GOAL_ADDED_MS = 30;
const RUN_TIMEOUT_MS = 30_000;

/** Rejects with `why()` when `p` has not settled within `ms`. */
function withTimeout<T>(p: Promise<T>, ms: number, why: () => Promise<string>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => void why().then((m) => reject(new Error(m)), reject), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

const POLYAXONFILE = 'version: 1\nkind: experiment\nrun:\n  cmd: "true"\n';

/** Wall time of a child process from spawn() to its exit, in ms; rejects on a non-zero exit (or a kill after RUN_TIMEOUT_MS). */
function timeChild(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], cwd: ROOT });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    const timer = setTimeout(() => p.kill('SIGKILL'), RUN_TIMEOUT_MS);
    p.on('exit', (code) => {
      clearTimeout(timer);
      const ms = nowMs() - t0;
      if (code === 0) resolve(ms);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`));
    });
  });
}

const bareSpawn = () => timeChild('/bin/bash', ['-c', 'true']);

/** Resolves each experiment's end as the client sees it; an end seen before anyone waits is kept. */
function endWatcher(served: Served) {
  const ended = new Map<number, { at: number; x: Experiment }>();
  const waiting = new Map<number, (v: { at: number; x: Experiment }) => void>();
  served.client.on('experiments.changed', ({ experiment }) => {
    if (!isDone(experiment.status)) return;
    const v = { at: nowMs(), x: experiment };
    const w = waiting.get(experiment.id);
    if (!w) return void ended.set(experiment.id, v);
    waiting.delete(experiment.id);
    w(v);
  });
  return (id: number) =>
    new Promise<{ at: number; x: Experiment }>((resolve) => {
      const v = ended.get(id);
      if (!v) return void waiting.set(id, resolve);
      ended.delete(id);
      resolve(v);
    });
}

interface Series {
  engine: number[];
  bare: number[];
  /** Per run, ms spent in each phase, from the engine's status history (wall clock, ms resolution). */
  phases: Record<string, number[]>;
}

const PHASES = [
  'call → created (parse, code snapshot, insert)',
  'created → scheduled (queue pass)',
  'scheduled → starting (run dir, spec.json, job row)',
  'starting → running (spawn, pid record)',
  'running → succeeded (job, exit, log, finalize)',
  'succeeded → event at the client',
];

/** Splits one run's time at its recorded statuses. */
async function phasesOf(served: Served, id: number, wallStart: number, wallEnd: number): Promise<number[]> {
  const history = await served.client.call('experiments.statuses', { id });
  const at = new Map(history.map((r) => [r.status, Date.parse(r.at)]));
  const t = ['created', 'scheduled', 'starting', 'running', 'succeeded'].map((k) => at.get(k) ?? NaN);
  return [t[0] - wallStart, t[1] - t[0], t[2] - t[1], t[3] - t[2], t[4] - t[3], wallEnd - t[4]];
}

async function engineSide(served: Served, codePath: string, runs: number): Promise<Series> {
  const ended = endWatcher(served);
  await served.client.ready();
  const s: Series = { engine: [], bare: [], phases: Object.fromEntries(PHASES.map((p) => [p, []])) };
  const walls: Array<{ id: number; start: number; end: number }> = [];
  for (let i = 0; i < runs + WARMUP; i++) {
    const wallStart = Date.now();
    const t0 = nowMs();
    const created = await served.client.call('runs.create', {
      files: [{ name: 'polyaxonfile.yml', text: POLYAXONFILE }],
      codePath,
    });
    if (created.kind !== 'experiment') throw new Error(`expected an experiment, got a ${created.kind}`);
    const { at, x } = await withTimeout(ended(created.experiment.id), RUN_TIMEOUT_MS, async () => {
      const history = await served.client.call('experiments.statuses', { id: created.experiment.id });
      return `experiment ${created.experiment.id} did not end within ${RUN_TIMEOUT_MS / 1000} s; statuses: ${history.map((h) => h.status).join(', ')}`;
    });
    const wallEnd = Date.now();
    if (x.status !== 'succeeded') throw new Error(`experiment ${x.id} ended ${x.status} (${x.statusReason})`);
    const bare = await bareSpawn();
    if (i < WARMUP) continue;
    s.engine.push(at - t0);
    s.bare.push(bare);
    walls.push({ id: x.id, start: wallStart, end: wallEnd });
  }
  for (const w of walls)
    (await phasesOf(served, w.id, w.start, w.end)).forEach((ms, k) => s.phases[PHASES[k]].push(ms));
  return s;
}

async function cliSide(
  home: string,
  file: string,
  runs: number,
): Promise<{ cli: number[]; version: number[]; bare: number[] }> {
  const env = { ...process.env, AXON_HOME: home, AXON_QUIET: '1' };
  const out = { cli: [] as number[], version: [] as number[], bare: [] as number[] };
  for (let i = 0; i < runs + 1; i++) {
    const cli = await timeChild(process.execPath, [BIN, 'run', '-f', file], env);
    const version = await timeChild(process.execPath, [BIN, '--version'], env);
    const bare = await bareSpawn();
    if (i === 0) continue; // the first warms tsx's transform cache
    out.cli.push(cli);
    out.version.push(version);
    out.bare.push(bare);
  }
  return out;
}

const stat = (
  what: string,
  xs: number[],
  bare: number[],
  p: 50 | 90,
  extra: Partial<Figure> = {},
): Figure => {
  const v = percentile(xs, p);
  const b = percentile(bare, p);
  return {
    what: `${what} (${p === 50 ? 'median' : 'p90'})`,
    value: v,
    unit: 'ms',
    baseline: { what: 'bash -c true', value: b },
    ratio: v / b,
    ...extra,
  };
};

export async function run(): Promise<BenchResult> {
  const home = tmpDir('axon-bench-launch-home-');
  const code = tmpDir('axon-bench-launch-code-');
  const file = path.join(code, 'polyaxonfile.yml');
  fs.writeFileSync(file, POLYAXONFILE);
  log(`launch: starting axon serve on ${home}`);
  const served = await startServe(home).catch((e) => {
    removeDir(home);
    removeDir(code);
    throw e;
  });
  try {
    log(`launch: ${RUNS} engine-side runs (+${WARMUP} warm-up), each followed by a bare spawn`);
    const a = await engineSide(served, code, RUNS);
    log(`launch: ${CLI_RUNS} CLI runs (+1 warm-up)`);
    const b = await cliSide(home, file, CLI_RUNS);
    const added = median(a.engine) - median(a.bare);
    const addedP90 = percentile(a.engine, 90) - percentile(a.bare, 90);
    const cliAdded = median(b.cli) - median(b.bare);
    const figures: Figure[] = [
      stat('engine: runs.create → succeeded', a.engine, a.bare, 50),
      stat('engine: runs.create → succeeded', a.engine, a.bare, 90),
      {
        what: 'engine: added over bare spawn (median)',
        value: added,
        unit: 'ms',
        goal: `< ${GOAL_ADDED_MS} ms added`,
        met: added < GOAL_ADDED_MS,
      },
      {
        what: 'engine: added over bare spawn (p90)',
        value: addedP90,
        unit: 'ms',
        goal: `< ${GOAL_ADDED_MS} ms added`,
        met: addedP90 < GOAL_ADDED_MS,
      },
      ...PHASES.map((p) => ({ what: `phase: ${p} (median)`, value: median(a.phases[p]), unit: 'ms' })),
      stat('CLI: axon run -f (wall)', b.cli, b.bare, 50),
      stat('CLI: axon run -f (wall)', b.cli, b.bare, 90),
      { what: 'CLI: added over bare spawn (median)', value: cliAdded, unit: 'ms' },
      stat('CLI start-up: axon --version', b.version, b.bare, 50),
      {
        what: 'CLI run minus axon --version (median)',
        value: median(b.cli) - median(b.version),
        unit: 'ms',
      },
    ];
    return report({
      name: 'launch',
      params: { runs: RUNS, cliRuns: CLI_RUNS, warmup: WARMUP, cmd: 'true' },
      figures,
      notes: [
        `Engine side: ${RUNS} runs after ${WARMUP} warm-up runs, \`axon serve\` as a child process; the clock starts before the runs.create HTTP call and stops when the client receives experiments.changed with status succeeded over the WebSocket. It includes the code snapshot (git probe), the database writes of every status, the bash wrapper that records the exit code, and the final log read.`,
        `Each engine or CLI run is followed by one bare spawn of /bin/bash -c true from this Node process (spawn() → exit event), so both series see the same machine state.`,
        `CLI: ${CLI_RUNS} runs of \`node bin/axon.mjs run -f polyaxonfile.yml\` against the same serving engine; most of it is Node + tsx start-up and loading the CLI, which \`axon --version\` shows alone.`,
        'The phases split each engine-side run at the times the engine recorded its statuses (status_history, wall clock, millisecond resolution); their medians need not add up to the median total.',
        `Raw series (ms): engine ${a.engine.map((x) => x.toFixed(1)).join(' ')}; bare ${a.bare.map((x) => x.toFixed(1)).join(' ')}`,
      ],
    });
  } finally {
    await served.stop();
    removeDir(home);
    removeDir(code);
  }
}
