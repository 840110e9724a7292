// Does the engine stay responsive while BO suggests? A BO sweep of Hartmann-6 (python3 -S objectives.py per
// trial) runs through an in-process Engine on the local backend while an API client calls `groups.get` every
// 10 ms; the latency of each call is recorded. Run twice in the same process, alternating: with the suggestions
// in-process (AXON_SWEEP_WORKER=0, the baseline) and on the worker thread (the default).
//
//   node --import tsx bench/hpo/bo-responsive.ts [--trials 60] [--concurrency 2] [--reps 1]
import fs from 'node:fs';
import {
  createGroup,
  describeFunctions,
  experimentsOf,
  fmt,
  groupEnd,
  log,
  median,
  nowMs,
  objectiveProject,
  printTable,
  python,
  quantile,
  startEngine,
  trialCmd,
  uniformMatrix,
  writeResult,
} from './common';
import { closeSearcherThread } from '../../main/engine/sweeps/searcher-thread';

const argv = process.argv.slice(2);
const opt = (k: string, d: number) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const trials = opt('trials', 60);
const concurrency = opt('concurrency', 2);
const reps = opt('reps', 1);
process.env.AXON_QUIET ??= '1';

const py = python();
const { fns } = describeFunctions(py);
const info = fns.hartmann6;
const project = objectiveProject();
const file = (seed: number) =>
  [
    'version: 1',
    'kind: group',
    'hptuning:',
    `  concurrency: ${concurrency}`,
    `  seed: ${seed}`,
    '  bo:',
    '    n_initial_trials: 10',
    `    n_iterations: ${trials - 10}`,
    '    metric: {name: loss, optimization: minimize}',
    uniformMatrix(info),
    'run:',
    `  cmd: ${trialCmd(py, 'hartmann6', info)}`,
  ].join('\n');

interface Result {
  mode: string;
  calls: number;
  p50: number;
  p99: number;
  max: number;
  gapMs: number;
  seconds: number;
  best: number;
}

async function once(mode: 'in-process' | 'worker', seed: number): Promise<Result> {
  if (mode === 'in-process') process.env.AXON_SWEEP_WORKER = '0';
  else delete process.env.AXON_SWEEP_WORKER;
  const be = await startEngine();
  try {
    const t0 = nowMs();
    const id = await createGroup(be.engine, file(seed), project);
    const lat: number[] = [];
    let stop = false;
    const client = (async () => {
      while (!stop) {
        const s = nowMs();
        await be.engine.call('groups.get', { id });
        lat.push(nowMs() - s);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await groupEnd(be.engine, id);
    stop = true;
    await client;
    const xs = await experimentsOf(be.engine, id);
    const gaps = xs
      .slice(1)
      .map((x, i) => Date.parse(x.createdAt) - Date.parse(xs[i].finishedAt ?? ''))
      .filter((g) => Number.isFinite(g) && g >= 0);
    const values = xs.map((x) => x.lastMetrics.loss ?? NaN).filter(Number.isFinite);
    return {
      mode,
      calls: lat.length,
      p50: median(lat),
      p99: quantile(lat, 0.99),
      max: Math.max(...lat),
      gapMs: median(gaps),
      seconds: (nowMs() - t0) / 1000,
      best: Math.min(...values),
    };
  } finally {
    await be.close();
  }
}

const results: Result[] = [];
for (let r = 0; r < reps; r++) {
  for (const mode of ['in-process', 'worker'] as const) {
    const res = await once(mode, 1);
    log(`${mode}: p99 ${res.p99.toFixed(1)} ms over ${res.calls} calls, ${res.seconds.toFixed(1)} s`);
    results.push(res);
  }
}
await closeSearcherThread();
fs.rmSync(project, { recursive: true, force: true });
const rows = (['in-process', 'worker'] as const).map((mode) => {
  const rs = results.filter((x) => x.mode === mode);
  return [
    mode,
    rs.reduce((s, x) => s + x.calls, 0),
    median(rs.map((x) => x.p50)),
    median(rs.map((x) => x.p99)),
    Math.max(...rs.map((x) => x.max)),
    median(rs.map((x) => x.gapMs)),
    median(rs.map((x) => x.seconds)),
    median(rs.map((x) => x.best)),
  ];
});
printTable(
  `API latency (groups.get every 10 ms) during a ${trials}-trial BO sweep of Hartmann-6 at concurrency ${concurrency}`,
  [
    'suggestions',
    'calls',
    'p50 ms',
    'p99 ms',
    'max ms',
    'end → next created (median ms)',
    'sweep s',
    'best loss',
  ],
  rows as Array<Array<string | number>>,
);
const p99 = (m: string) => median(results.filter((x) => x.mode === m).map((x) => x.p99));
process.stdout.write(`worker p99 ÷ in-process p99: ${fmt(p99('worker') / p99('in-process'))}×\n`);
writeResult('bo-responsive', { trials, concurrency, reps, results });
