// The BO benchmark of issue #15: Axon's BO, with the defaults a polyaxonfile gets from
// `bo: {n_initial_trials: 10, n_iterations: 90, metric}` alone, on 9 standard global-optimisation functions
// (2–5 dimensions, most of them multimodal) and a mixed ML-like space, against a careful GP-EI
// (bo_suite.py: numpy/scipy/scikit-learn) and Optuna's TPE on the same functions, bounds and budgets.
//
//   node --import tsx bench/hpo/bo-suite.ts [--seeds 10] [--trials 100] [--fns a,b] [--concurrency 1,4]
//        [--no-baselines | --cached-baselines] [--axon-from A.json,B.json] [--set warpOutputs=none,batch=cl-mean] [--tag T]
//
// --cached-baselines reads only the baseline runs already kept in bench/results/bo-ref/ (fill it with
// `python3 bench/hpo/bo_suite.py --run gpei|tpe --seeds 1,…,10 --trials 100 --out bench/results/bo-ref`).
//
// Axon's suggestions come from the searcher the engine's group runner uses (makeSearcher(search, seed).step,
// the search spec parsed from a polyaxonfile by the same parser), driven here by a simulated queue: `c` slots,
// each trial lasting a seeded random 1–1.5 time units, the searcher asked for the free slots whenever a trial
// ends, as the queue does. At concurrency 1 that is exactly the engine's sequence of suggestions (the searcher
// is deterministic given the seed). The functions are evaluated in TypeScript; their Python twins in
// bo_suite.py are checked against them at random points first. The baselines are cached per run in
// bench/results/bo-ref/ (they do not depend on Axon's code).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parsePolyaxonfiles } from '../../shared/polyaxonfile';
import { Rng } from '../../shared/random';
import { makeSearcher } from '../../main/engine/sweeps/group-runner';
import type { SweepTrial } from '../../main/engine/sweeps/searcher';
import { BO_TUNING } from '../../main/engine/sweeps/bo';
import {
  fmt,
  HPO_DIR,
  log,
  median,
  nowMs,
  printTable,
  quantile,
  RESULTS_DIR,
  setResultTag,
  writeResult,
} from './common';
import { regretAt, trialsToTarget } from './quality';

type Param = [string, 'float' | 'log' | 'int' | 'cat', unknown, unknown];
interface FnDesc {
  params: Param[];
  optimum: number;
  target: number;
}
type P = Record<string, unknown>;

const v = (p: P, names: string[]) => names.map((n) => p[n] as number);
const X = (n: number) => Array.from({ length: n }, (_, i) => `x${i + 1}`);

const ackley = (x: number[]) => {
  const d = x.length;
  const s1 = x.reduce((s, t) => s + t * t, 0) / d;
  const s2 = x.reduce((s, t) => s + Math.cos(2 * Math.PI * t), 0) / d;
  return -20 * Math.exp(-0.2 * Math.sqrt(s1)) - Math.exp(s2) + 20 + Math.E;
};
const rastrigin = (x: number[]) =>
  10 * x.length + x.reduce((s, t) => s + t * t - 10 * Math.cos(2 * Math.PI * t), 0);
const levy = (x: number[]) => {
  const w = x.map((t) => 1 + (t - 1) / 4);
  let s = Math.sin(Math.PI * w[0]) ** 2;
  for (let i = 0; i < w.length - 1; i++) s += (w[i] - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * w[i] + 1) ** 2);
  const l = w[w.length - 1];
  return s + (l - 1) ** 2 * (1 + Math.sin(2 * Math.PI * l) ** 2);
};
const styblinski = (x: number[]) => 0.5 * x.reduce((s, t) => s + t ** 4 - 16 * t * t + 5 * t, 0);
const SHEKEL_C = [0.1, 0.2, 0.2, 0.4, 0.4, 0.6, 0.3, 0.7, 0.5, 0.5];
const SHEKEL_A = [
  [4, 4, 4, 4],
  [1, 1, 1, 1],
  [8, 8, 8, 8],
  [6, 6, 6, 6],
  [3, 7, 3, 7],
  [2, 9, 2, 9],
  [5, 5, 3, 3],
  [8, 1, 8, 1],
  [6, 2, 6, 2],
  [7, 3.6, 7, 3.6],
];
const shekel = (x: number[]) =>
  -SHEKEL_C.reduce((s, c, i) => s + 1 / (c + x.reduce((a, t, j) => a + (t - SHEKEL_A[i][j]) ** 2, 0)), 0);
const H3_A = [
  [3.0, 10, 30],
  [0.1, 10, 35],
  [3.0, 10, 30],
  [0.1, 10, 35],
];
const H3_P = [
  [3689, 1170, 2673],
  [4699, 4387, 7470],
  [1091, 8732, 5547],
  [381, 5743, 8828],
];
const H_ALPHA = [1.0, 1.2, 3.0, 3.2];
const hartmann3 = (x: number[]) =>
  -H_ALPHA.reduce(
    (s, a, i) => s + a * Math.exp(-x.reduce((q, t, j) => q + H3_A[i][j] * (t - H3_P[i][j] * 1e-4) ** 2, 0)),
    0,
  );
const michalewicz = (x: number[]) =>
  -x.reduce((s, t, i) => s + Math.sin(t) * Math.sin(((i + 1) * t * t) / Math.PI) ** 20, 0);
const camel = ([a, b]: number[]) => (4 - 2.1 * a * a + a ** 4 / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b;
const goldstein = ([a, b]: number[]) =>
  (1 + (a + b + 1) ** 2 * (19 - 14 * a + 3 * a * a - 14 * b + 6 * a * b + 3 * b * b)) *
  (30 + (2 * a - 3 * b) ** 2 * (18 - 32 * a + 12 * a * a + 48 * b - 36 * a * b + 27 * b * b));
const OPT_LR: Record<string, number> = { adam: -3.0, rmsprop: -3.5, sgd: -1.5 };
const OPT_PENALTY: Record<string, number> = { adam: 0, rmsprop: 0.03, sgd: 0.08 };
const mixedMl = (p: P) => {
  const lr10 = Math.log10(p.lr as number);
  const opt = p.optimizer as string;
  const layers = p.layers as number;
  const drop = p.dropout as number;
  return (
    0.3 +
    0.08 * (lr10 - OPT_LR[opt]) ** 2 +
    OPT_PENALTY[opt] +
    0.01 * (layers - 5) ** 2 +
    0.5 * (drop - (0.05 + 0.06 * layers)) ** 2 +
    0.02 * Math.sin(4 * lr10) ** 2
  );
};

const FUNCTIONS: Record<string, (p: P) => number> = {
  ackley4: (p) => ackley(v(p, X(4))),
  rastrigin4: (p) => rastrigin(v(p, X(4))),
  levy4: (p) => levy(v(p, X(4))),
  styblinski4: (p) => styblinski(v(p, X(4))),
  shekel4: (p) => shekel(v(p, X(4))),
  hartmann3: (p) => hartmann3(v(p, X(3))),
  michalewicz5: (p) => michalewicz(v(p, X(5))),
  camel2: (p) => camel(v(p, X(2))),
  goldstein2: (p) => goldstein(v(p, X(2))),
  mixed_ml: mixedMl,
};

function py(args: string[]): string {
  const r = spawnSync('python3', [path.join(HPO_DIR, 'bo_suite.py'), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`bo_suite.py ${args[0]} failed: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** The polyaxonfile matrix entry of one param: log params as loguniform (natural-log bounds, as Polyaxon's),
 *  integers as a range, categories as values. */
function matrixLine([name, kind, a, b]: Param): string {
  if (kind === 'float') return `    ${name}: {uniform: [${a}, ${b}]}`;
  if (kind === 'log')
    return `    ${name}: {loguniform: [${Math.log(a as number)}, ${Math.log(b as number)}]}`;
  if (kind === 'int') return `    ${name}: {range: [${a}, ${(b as number) + 1}, 1]}`;
  return `    ${name}: {values: [${(a as string[]).join(', ')}]}`;
}

function searchSpec(fn: FnDesc, seed: number, trials: number, concurrency: number) {
  const text = [
    'version: 1',
    'kind: group',
    'hptuning:',
    `  concurrency: ${concurrency}`,
    `  seed: ${seed}`,
    '  matrix:',
    ...fn.params.map(matrixLine),
    '  bo:',
    '    n_initial_trials: 10',
    `    n_iterations: ${trials - 10}`,
    '    metric: {name: loss, optimization: minimize}',
    'run:',
    '  cmd: "true"',
  ].join('\n');
  const r = parsePolyaxonfiles([{ name: 'polyaxonfile.yml', text }]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value.hptuning!;
}

interface AxonRun {
  values: number[];
  /** ms of each searcher step that made a model-based suggestion, with the observations it saw. */
  steps: Array<{ ms: number; n: number }>;
}

/** One sweep through the engine's searcher with `concurrency` simulated slots. */
function runAxon(fnName: string, fn: FnDesc, seed: number, trials: number, concurrency: number): AxonRun {
  const search = searchSpec(fn, seed, trials, concurrency);
  const searcher = makeSearcher(search, seed);
  let state = searcher.init();
  const f = FUNCTIONS[fnName];
  const trialsList: SweepTrial[] = [];
  const ends = new Map<number, number>(); // id -> end time
  const durations = new Rng(`durations-${seed}`);
  const steps: AxonRun['steps'] = [];
  let now = 0;
  for (;;) {
    const active = trialsList.filter((t) => t.status === 'running');
    const free = concurrency - active.length;
    if (free > 0 && !state.finished) {
      const t0 = nowMs();
      const step = searcher.step(state, trialsList, free);
      const ms = nowMs() - t0;
      const done = trialsList.filter((t) => t.status === 'succeeded').length;
      if (done >= 10) steps.push({ ms: ms / Math.max(1, step.proposals.length), n: done });
      state = step.state;
      for (const p of step.proposals) {
        const id = trialsList.length + 1;
        trialsList.push({ id, params: p.params, meta: p.meta, status: 'running', value: null });
        ends.set(id, now + 1 + 0.5 * durations.next());
      }
    }
    const running = trialsList.filter((t) => t.status === 'running');
    if (!running.length) break;
    const next = running.reduce((a, b) => (ends.get(a.id)! <= ends.get(b.id)! ? a : b));
    now = ends.get(next.id)!;
    next.status = 'succeeded';
    next.value = f(next.params);
  }
  return { values: trialsList.map((t) => t.value ?? NaN), steps };
}

function parseArgs(argv: string[]) {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected ${a}`);
    const k = a.slice(2);
    if (k === 'no-baselines' || k === 'cached-baselines') flags.set(k, '1');
    else flags.set(k, argv[++i]);
  }
  return flags;
}

const flags = parseArgs(process.argv.slice(2));
const seeds = Number(flags.get('seeds') ?? 10);
const trials = Number(flags.get('trials') ?? 100);
const concurrencies = (flags.get('concurrency') ?? '1,4').split(',').map(Number);
setResultTag(flags.get('tag') ?? '');
for (const kv of (flags.get('set') ?? '').split(',').filter(Boolean)) {
  const [k, val] = kv.split('=');
  if (!(k in BO_TUNING)) throw new Error(`unknown tuning ${k}`);
  const cur = (BO_TUNING as Record<string, unknown>)[k];
  (BO_TUNING as Record<string, unknown>)[k] =
    typeof cur === 'boolean' ? val === 'true' : typeof cur === 'number' ? Number(val) : val;
}

const described = JSON.parse(py(['--describe'])) as Record<string, FnDesc>;
const fnNames = flags.get('fns')?.split(',') ?? Object.keys(FUNCTIONS);
for (const f of fnNames) if (!FUNCTIONS[f] || !described[f]) throw new Error(`unknown function ${f}`);

// The TypeScript functions equal their Python twins.
{
  const rng = new Rng(42);
  for (const name of fnNames) {
    const pts: P[] = Array.from({ length: 5 }, () =>
      Object.fromEntries(
        described[name].params.map(([n, kind, a, b]) => {
          if (kind === 'float') return [n, (a as number) + rng.next() * ((b as number) - (a as number))];
          if (kind === 'log')
            return [
              n,
              Math.exp(Math.log(a as number) + rng.next() * Math.log((b as number) / (a as number))),
            ];
          if (kind === 'int') return [n, (a as number) + rng.int((b as number) - (a as number) + 1)];
          return [n, (a as string[])[rng.int((a as string[]).length)]];
        }),
      ),
    );
    const ref = JSON.parse(py(['--eval', name, JSON.stringify(pts)])) as number[];
    pts.forEach((p, i) => {
      const mine = FUNCTIONS[name](p);
      if (Math.abs(mine - ref[i]) > 1e-9 * Math.max(1, Math.abs(ref[i])))
        throw new Error(`${name}: TS ${mine} != Python ${ref[i]} at ${JSON.stringify(p)}`);
    });
  }
  log(`functions checked against bo_suite.py: ${fnNames.join(', ')}`);
}

interface Run {
  fn: string;
  algo: string;
  seed: number;
  values: number[];
  seconds?: number;
}
const runs: Run[] = [];
const seedList = Array.from({ length: seeds }, (_, i) => i + 1);
const label = (algo: string) => (algo === 'tpe' ? 'optuna-tpe' : 'gp-ei (ref)');
if (flags.has('cached-baselines')) {
  // Only what bo_suite.py --out has kept so far (the GP-EI reference takes ~40–80 s per run here).
  for (const algo of ['tpe', 'gpei'])
    for (const fn of fnNames)
      for (const seed of seedList) {
        const file = path.join(RESULTS_DIR, 'bo-ref', `${algo}-${fn}-${seed}-${trials}.json`);
        if (fs.existsSync(file))
          runs.push({ ...(JSON.parse(fs.readFileSync(file, 'utf8')) as Run), algo: label(algo) });
      }
} else if (!flags.has('no-baselines')) {
  for (const algo of ['tpe', 'gpei']) {
    const t0 = nowMs();
    const out = JSON.parse(
      py([
        '--run',
        algo,
        '--fns',
        fnNames.join(','),
        '--seeds',
        seedList.join(','),
        '--trials',
        String(trials),
        '--out',
        path.join(RESULTS_DIR, 'bo-ref'),
      ]),
    ) as { runs: Run[] };
    for (const r of out.runs) runs.push({ ...r, algo: label(algo) });
    log(`${algo}: ${out.runs.length} runs in ${((nowMs() - t0) / 1000).toFixed(1)} s`);
  }
}

const latency: Array<{ ms: number; n: number }> = [];
const axonFrom = flags.get('axon-from');
if (axonFrom) {
  // The Axon runs of an earlier result file (e.g. to add baselines that finished later).
  const prev = JSON.parse(fs.readFileSync(axonFrom, 'utf8')) as { runs: Run[]; latencyRaw?: typeof latency };
  runs.push(
    ...prev.runs.filter((r) => r.algo.startsWith('axon-') && fnNames.includes(r.fn) && r.seed <= seeds),
  );
  latency.push(...(prev.latencyRaw ?? []));
}
for (const c of axonFrom ? [] : concurrencies) {
  for (const name of fnNames) {
    for (const seed of seedList) {
      const t0 = nowMs();
      const r = runAxon(name, described[name], seed, trials, c);
      if (c === 1) latency.push(...r.steps);
      runs.push({ fn: name, algo: `axon-bo c=${c}`, seed, values: r.values, seconds: (nowMs() - t0) / 1000 });
      log(
        `axon c=${c} ${name} seed ${seed}: best ${fmt(Math.min(...r.values) - described[name].optimum)} regret, ${((nowMs() - t0) / 1000).toFixed(1)} s`,
      );
    }
  }
}

const summary: Record<string, Record<string, unknown>> = {};
const goalRows: Array<Array<string | number>> = [];
const cRows: Array<Array<string | number>> = [];
const algos = [...concurrencies.map((c) => `axon-bo c=${c}`), 'gp-ei (ref)', 'optuna-tpe'];
for (const name of fnNames) {
  const d = described[name];
  const stats = (algo: string) => {
    const rs = runs.filter((r) => r.fn === name && r.algo === algo);
    if (!rs.length) return null;
    const hits = rs.map((r) => trialsToTarget(r.values, d.optimum, d.target));
    return {
      runs: rs.length,
      reached: hits.filter(Number.isFinite).length,
      medianTrialsToTarget: median(hits),
      trialsToTarget: hits.map((h) => (Number.isFinite(h) ? h : null)),
      regret: Object.fromEntries(
        [25, 50, trials].map((n) => [n, median(rs.map((r) => regretAt(r.values, n, d.optimum)))]),
      ),
    };
  };
  summary[name] = {};
  const rows: Array<Array<string | number>> = [];
  for (const algo of algos) {
    const s = stats(algo);
    if (!s) continue;
    summary[name][algo] = s;
    rows.push([
      algo,
      `${s.reached}/${s.runs}`,
      Number.isFinite(s.medianTrialsToTarget) ? s.medianTrialsToTarget : `>${trials}`,
      s.regret[25],
      s.regret[50],
      s.regret[trials],
    ]);
  }
  printTable(
    `${name}: ${d.params.length}-D, optimum ${fmt(d.optimum)}, target regret ≤ ${d.target} — median over ${seeds} seeds`,
    ['algorithm', 'reached', 'median trials to target', 'regret @25', 'regret @50', `regret @${trials}`],
    rows,
  );
  const a1 = summary[name]['axon-bo c=1'] as ReturnType<typeof stats>;
  const ref = summary[name]['gp-ei (ref)'] as ReturnType<typeof stats>;
  if (a1 && ref) {
    const ratio = a1.regret[trials] / ref.regret[trials];
    goalRows.push([
      name,
      `${fmt(a1.medianTrialsToTarget)} vs ${fmt(ref.medianTrialsToTarget)}`,
      a1.medianTrialsToTarget <= ref.medianTrialsToTarget ? 'yes' : 'NO',
      `${fmt(a1.regret[trials])} vs ${fmt(ref.regret[trials])}`,
      Number.isFinite(ratio)
        ? `${fmt(ratio)}×`
        : ref.regret[trials] === 0 && a1.regret[trials] === 0
          ? '1×'
          : '∞',
      ratio <= 1.5 || (a1.regret[trials] === 0 && ref.regret[trials] === 0) ? 'yes' : 'NO',
    ]);
  }
  const a4 = summary[name]['axon-bo c=4'] as ReturnType<typeof stats>;
  if (a1 && a4)
    cRows.push([
      name,
      fmt(a1.medianTrialsToTarget),
      fmt(a4.medianTrialsToTarget),
      `${fmt(a4.medianTrialsToTarget / a1.medianTrialsToTarget)}×`,
      a4.medianTrialsToTarget <= 1.2 * a1.medianTrialsToTarget ? 'yes' : 'NO',
      `${fmt(a1.regret[trials])} / ${fmt(a4.regret[trials])}`,
    ]);
}
if (goalRows.length)
  printTable(
    'Goals: Axon BO (c=1) vs the careful GP-EI',
    ['function', 'median trials to target', '≤ ref', `regret @${trials}`, 'ratio', '≤ 1.5×'],
    goalRows,
  );
if (cRows.length)
  printTable(
    'Concurrency: trials to target at 4 slots vs 1 (goal ≤ 1.2×)',
    ['function', 'c=1', 'c=4', 'ratio', '≤ 1.2×', `regret @${trials} c=1 / c=4`],
    cRows,
  );
const late = latency.filter((s) => s.n >= 90).map((s) => s.ms);
const all = latency.map((s) => s.ms);
if (all.length)
  printTable(
    'Suggestion latency (one model-based suggestion, in-process, this machine)',
    ['observations', 'suggestions', 'median ms', 'p95 ms', 'max ms'],
    [
      ['10–100', all.length, median(all), quantile(all, 0.95), Math.max(...all)],
      ...(late.length ? [['≥ 90', late.length, median(late), quantile(late, 0.95), Math.max(...late)]] : []),
    ],
  );
writeResult('bo-suite', {
  seeds,
  trials,
  tuning: BO_TUNING,
  summary,
  latency: { all: all.length, medianMs: median(all), p95Ms: quantile(all, 0.95), lateMedianMs: median(late) },
  latencyRaw: latency,
  runs,
});
fs.mkdirSync(RESULTS_DIR, { recursive: true });
