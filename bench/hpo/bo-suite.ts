// The BO benchmark of issue #15: Axon's BO, with the defaults a polyaxonfile gets from
// `bo: {n_initial_trials: 10, n_iterations: 90, metric}` alone, on 9 standard global-optimisation functions
// (2–5 dimensions, most of them multimodal) and a mixed ML-like space, against a careful GP-EI
// (bo_suite.py: numpy/scipy/scikit-learn) and Optuna's TPE on the same functions, bounds and budgets.
//
//   node --import tsx bench/hpo/bo-suite.ts [--seeds 10] [--trials 100] [--fns a,b] [--concurrency 1,4]
//        [--no-baselines | --cached-baselines [--common-seeds]] [--axon-from A.json,B.json] [--set warpOutputs=none,batch=cl-mean] [--tag T]
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
import { Rng } from '../../shared/random';
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
import { FUNCTIONS, runAxon, type FnDesc, type P } from './bo-functions';

function py(args: string[]): string {
  const r = spawnSync('python3', [path.join(HPO_DIR, 'bo_suite.py'), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`bo_suite.py ${args[0]} failed: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

function parseArgs(argv: string[]) {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected ${a}`);
    const k = a.slice(2);
    if (k === 'no-baselines' || k === 'cached-baselines' || k === 'common-seeds') flags.set(k, '1');
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
  // The Axon runs of earlier result files: bo-suite's or bo-engine's ({runs}), or bo-inprocess.ts --out's
  // (an array); for a (function, concurrency, seed) in several files, the first file's run counts.
  const have = new Set<string>();
  for (const file of axonFrom.split(',')) {
    const prev = JSON.parse(fs.readFileSync(file, 'utf8')) as
      | { runs: Run[]; latencyRaw?: typeof latency }
      | Array<{ fn: string; seed: number; concurrency: number; values: number[] }>;
    const list = Array.isArray(prev)
      ? prev.map((r) => ({ fn: r.fn, algo: `axon-bo c=${r.concurrency}`, seed: r.seed, values: r.values }))
      : prev.runs;
    for (const r of list) {
      const k = `${r.fn} ${r.algo} ${r.seed}`;
      if (!r.algo.startsWith('axon-') || !fnNames.includes(r.fn) || r.seed > seeds || have.has(k)) continue;
      have.add(k);
      runs.push(r);
    }
    if (!Array.isArray(prev)) latency.push(...(prev.latencyRaw ?? []));
  }
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
  // --common-seeds: every row over the seeds the GP-EI reference has for this function (it is the slow one).
  const refSeeds = new Set(runs.filter((r) => r.fn === name && r.algo === 'gp-ei (ref)').map((r) => r.seed));
  const stats = (algo: string) => {
    const rs = runs.filter(
      (r) => r.fn === name && r.algo === algo && (!flags.has('common-seeds') || refSeeds.has(r.seed)),
    );
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
