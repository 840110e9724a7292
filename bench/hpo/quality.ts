// Search quality: real sweeps through the engine (local backend, one Python process per trial) on Branin,
// Hartmann-6 and Rosenbrock-2, against Optuna's TPESampler and RandomSampler run in-process on the same
// functions, bounds and budgets. Regret after N trials = best of the first N experiments (creation order)
// minus the known optimum.
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import {
  createGroup,
  describeFunctions,
  experimentsOf,
  fmt,
  fmtS,
  groupEnd,
  HPO_DIR,
  log,
  median,
  nowMs,
  objectiveProject,
  pool,
  printTable,
  python,
  startEngine,
  trialCmd,
  uniformMatrix,
  writeResult,
  type FnInfo,
  type Functions,
} from './common';

export interface QualityOptions {
  seeds: number;
  trials: number;
  /** Groups running at once in the one engine (each at concurrency 1). */
  parallel: number;
  fns: string[];
  algos: AxonAlgo[];
}

/** `tpe`: Axon's TPE with its defaults (whatever they are at the time); `tpe-uni` and `tpe-mv` pin the model:
 *  `multivariate: false` (Optuna 4's default) and `multivariate: true` (Optuna 5's); `tpe-optuna` is Optuna 5's
 *  TPE exactly (`pooled_magic_clip: false`), with Axon's generator. */
export const AXON_ALGOS = ['random', 'grid', 'tpe', 'tpe-uni', 'tpe-mv', 'tpe-optuna', 'bo'] as const;
export type AxonAlgo = (typeof AXON_ALGOS)[number];
const OPTUNA_SAMPLERS = ['tpe', 'tpe-uni', 'random'] as const;
const CHECKPOINTS = [20, 50, 100];
/** Trials to the target for a careful GP-EI (the issue's reference), per function. */
const GP_EI_REFERENCE: Record<string, number> = { branin: 21, hartmann6: 27, rosenbrock2: 35 };
/** What BO runs with: EI, Matérn 5/2, 10 random trials first (Optuna GPSampler's n_startup_trials). */
const BO_BLOCK = (trials: number) => [
  '  bo:',
  '    n_initial_trials: 10',
  `    n_iterations: ${trials - 10}`,
  '    metric: {name: loss, optimization: minimize}',
  '    utility_function:',
  '      acquisition_function: ei',
  '      eps: 0.0',
  '      gaussian_process: {kernel: matern, nu: 2.5, n_restarts_optimizer: 2}',
];

interface Run {
  fn: string;
  algo: string; // axon-tpe, optuna-tpe, …
  seed: number;
  values: number[];
  failed?: number;
  wallMs?: number;
  /** Median ms from one experiment's end to the next one's creation (suggestion + queue pass), Axon only. */
  gapMs?: number;
}

/** The group file of one Axon sweep. Grid: a linspace per param, ~`trials` points in all (2-D only). */
function groupFile(
  py: string,
  fn: string,
  info: FnInfo,
  algo: AxonAlgo,
  seed: number,
  trials: number,
): string {
  const metric = '    metric: {name: loss, optimization: minimize}';
  const algoBlock = {
    random: [`  random_search: {n_experiments: ${trials}}`, '  metric: {name: loss, optimization: minimize}'],
    grid: [`  grid_search: {n_experiments: ${trials}}`, '  metric: {name: loss, optimization: minimize}'],
    tpe: ['  tpe:', `    n_experiments: ${trials}`, metric],
    'tpe-uni': ['  tpe:', `    n_experiments: ${trials}`, '    multivariate: false', metric],
    'tpe-mv': ['  tpe:', `    n_experiments: ${trials}`, '    multivariate: true', metric],
    'tpe-optuna': [
      '  tpe:',
      `    n_experiments: ${trials}`,
      '    multivariate: true',
      '    pooled_magic_clip: false',
      metric,
    ],
    bo: BO_BLOCK(trials),
  }[algo];
  const per = Math.round(trials ** (1 / info.params.length));
  const matrix =
    algo === 'grid'
      ? [
          '  matrix:',
          ...info.params.map((p) => `    ${p.name}: {linspace: [${p.low}, ${p.high}, ${per}]}`),
        ].join('\n')
      : uniformMatrix(info);
  return [
    'version: 1',
    'kind: group',
    `name: ${fn}-${algo}-${seed}`,
    'hptuning:',
    '  concurrency: 1',
    `  seed: ${seed}`,
    ...algoBlock,
    matrix,
    'run:',
    `  cmd: ${trialCmd(py, fn, info)}`,
  ].join('\n');
}

/** Best-so-far regret after the first n values (clamped at 0: Hartmann-6's optimum is rounded). */
export function regretAt(values: number[], n: number, optimum: number): number {
  const head = values.slice(0, n).filter((v) => Number.isFinite(v));
  return head.length ? Math.max(0, Math.min(...head) - optimum) : NaN;
}

/** 1-based index of the first trial whose best-so-far regret is ≤ target; Infinity when none is. */
export function trialsToTarget(values: number[], optimum: number, target: number): number {
  let best = Infinity;
  for (let i = 0; i < values.length; i++) {
    best = Math.min(best, values[i]);
    if (best - optimum <= target) return i + 1;
  }
  return Infinity;
}

interface OptunaOut {
  optuna?: string;
  python?: string;
  runs?: Array<{ fn: string; sampler: string; seed: number; values: number[]; seconds: number }>;
  error?: string;
}

/** Runs optuna_baseline.py with `python3` (Optuna lives in site-packages, so no -S here). */
function runOptuna(fns: string[], seeds: number[], trials: number): Promise<OptunaOut> {
  return new Promise((resolve) => {
    const p = spawn(
      'python3',
      [
        path.join(HPO_DIR, 'optuna_baseline.py'),
        '--fns',
        fns.join(','),
        '--samplers',
        OPTUNA_SAMPLERS.join(','),
        '--seeds',
        seeds.join(','),
        '--trials',
        String(trials),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', (e) => resolve({ error: `could not run python3: ${e.message}` }));
    p.on('close', (code) => {
      try {
        resolve(JSON.parse(out) as OptunaOut);
      } catch {
        resolve({ error: `optuna_baseline.py exited ${code}: ${err.slice(-2000)}` });
      }
    });
  });
}

/** Wall time per trial of the objective alone (bare spawn, no engine). */
async function bareTrialMs(py: string, fn: string, info: FnInfo, n = 20): Promise<number> {
  const args = ['-S', path.join(HPO_DIR, 'objectives.py'), '--fn', fn];
  for (const p of info.params) args.push(`--${p.name}`, String((p.low + p.high) / 2));
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = nowMs();
    await new Promise<void>((resolve, reject) => {
      const c = spawn(py, args, { stdio: 'ignore' });
      c.on('error', reject);
      c.on('exit', () => resolve());
    });
    times.push(nowMs() - t0);
  }
  return median(times);
}

/** Wall time per trial of one group alone in a fresh engine (random search, concurrency 1). */
async function engineTrialCost(
  py: string,
  fn: string,
  info: FnInfo,
  project: string,
  n = 30,
): Promise<number> {
  const cal = await startEngine();
  try {
    const t0 = nowMs();
    await groupEnd(
      cal.engine,
      await createGroup(cal.engine, groupFile(py, fn, info, 'random', 999, n), project),
    );
    return (nowMs() - t0) / n;
  } finally {
    await cal.close();
  }
}

export async function runQuality(o: QualityOptions): Promise<void> {
  const t0 = nowMs();
  const py = python();
  const { fns: allFns } = describeFunctions(py);
  const fns: Functions = Object.fromEntries(o.fns.map((f) => [f, allFns[f]]));
  const seeds = Array.from({ length: o.seeds }, (_, i) => i + 1);
  log(`quality: ${o.fns.join(', ')} × ${o.algos.join(', ')} × ${o.seeds} seeds × ${o.trials} trials`);
  log(`trials run: ${py} -S objectives.py …`);

  // 1. Optuna, in-process.
  const tOptuna = nowMs();
  const optuna = await runOptuna(o.fns, seeds, o.trials);
  const optunaMs = nowMs() - tOptuna;
  const runs: Run[] = [];
  if (optuna.error) {
    process.stdout.write(`\n!! Optuna baseline skipped: ${optuna.error}\n`);
  } else {
    log(`optuna ${optuna.optuna}: ${optuna.runs!.length} studies in ${fmtS(optunaMs)}`);
    for (const r of optuna.runs!)
      runs.push({
        fn: r.fn,
        algo: `optuna-${r.sampler}`,
        seed: r.seed,
        values: r.values,
        wallMs: r.seconds * 1000,
      });
  }

  // 2. Per-trial cost: the objective alone, then one group alone in the engine.
  const project = objectiveProject();
  const first = o.fns[0];
  const bareMs = await bareTrialMs(py, first, fns[first]);
  const engineTrialMs = await engineTrialCost(py, first, fns[first], project);
  log(
    `per trial: objective alone ${bareMs.toFixed(1)} ms; through the engine (1 group, concurrency 1) ${engineTrialMs.toFixed(1)} ms`,
  );

  // 3. The Axon sweeps: every (fn, algo, seed) as a group, `parallel` groups at once in one engine.
  let done = 0;
  const be = await startEngine();
  const tAxon = nowMs();
  const tasks: Array<() => Promise<Run>> = [];
  const order: AxonAlgo[] = ['bo', 'tpe', 'tpe-uni', 'tpe-mv', 'tpe-optuna', 'random', 'grid']; // the slow BO sweeps first, so none ends last alone
  for (const algo of order.filter((a) => o.algos.includes(a)))
    for (const fn of o.fns)
      for (const seed of algo === 'grid' ? [0] : seeds) {
        if (algo === 'grid' && fns[fn].params.length > 2) continue; // no ~100-point grid in 6-D
        tasks.push(async () => {
          const ts = nowMs();
          const id = await createGroup(be.engine, groupFile(py, fn, fns[fn], algo, seed, o.trials), project);
          const g = await groupEnd(be.engine, id);
          const xs = await experimentsOf(be.engine, id);
          const values = xs.map((x) => (x.status === 'succeeded' ? (x.lastMetrics.loss ?? NaN) : NaN));
          const failed = xs.filter((x) => x.status !== 'succeeded').length;
          done++;
          log(
            `${done}/${tasks.length} ${fn} ${algo} seed ${seed}: ${g.status}, ${xs.length} trials, best ${fmt(
              Math.min(...values.filter(Number.isFinite)),
            )}, ${fmtS(nowMs() - ts)} (elapsed ${fmtS(nowMs() - tAxon)})`,
          );
          // Concurrency 1: experiment i+1 is created after experiment i ends (for the iterative searches).
          const gaps = xs
            .slice(1)
            .map((x, i) => Date.parse(x.createdAt) - Date.parse(xs[i].finishedAt ?? ''))
            .filter((g) => Number.isFinite(g) && g >= 0);
          const gapMs = algo === 'random' || algo === 'grid' ? undefined : median(gaps);
          return { fn, algo: `axon-${algo}`, seed, values, failed, wallMs: nowMs() - ts, gapMs };
        });
      }
  try {
    runs.push(...(await pool(tasks, o.parallel)));
  } finally {
    await be.close();
    fs.rmSync(project, { recursive: true, force: true });
  }
  const axonMs = nowMs() - tAxon;
  const axonTrials = runs.filter((r) => r.algo.startsWith('axon-')).reduce((s, r) => s + r.values.length, 0);

  // 4. Tables.
  const algosShown = [
    ...order.filter((a) => o.algos.includes(a)).map((a) => `axon-${a}`),
    ...OPTUNA_SAMPLERS.map((s) => `optuna-${s}`),
  ];
  const summary: Record<string, Record<string, unknown>> = {};
  const checkpoints = [...new Set([...CHECKPOINTS.filter((c) => c < o.trials), o.trials])];
  const last = checkpoints[checkpoints.length - 1] ?? o.trials;
  for (const fn of o.fns) {
    const info = fns[fn];
    const ref = runs.filter((r) => r.fn === fn && r.algo === 'optuna-tpe');
    const refRegret = median(ref.map((r) => regretAt(r.values, last, info.optimum)));
    const rows: Array<Array<string | number>> = [];
    summary[fn] = {};
    for (const algo of algosShown) {
      const rs = runs.filter((r) => r.fn === fn && r.algo === algo);
      if (!rs.length) continue;
      const regrets = checkpoints.map((c) => median(rs.map((r) => regretAt(r.values, c, info.optimum))));
      const hits = rs.map((r) => trialsToTarget(r.values, info.optimum, info.target));
      const reached = hits.filter(Number.isFinite).length;
      const medHit = median(hits);
      const ratio = regrets[regrets.length - 1] / refRegret;
      summary[fn][algo] = {
        runs: rs.length,
        medianRegret: Object.fromEntries(checkpoints.map((c, i) => [c, regrets[i]])),
        ratioToOptunaTpe: ratio,
        reachedTarget: reached,
        medianTrialsToTarget: Number.isFinite(medHit) ? medHit : null,
        trialsToTarget: hits.map((h) => (Number.isFinite(h) ? h : null)),
        medianSecondsPerSweep: median(rs.map((r) => (r.wallMs ?? NaN) / 1000)),
        medianGapMs: median(rs.map((r) => r.gapMs ?? NaN)),
        failedTrials: rs.reduce((s, r) => s + (r.failed ?? 0), 0),
      };
      rows.push([
        algo,
        rs.length,
        ...regrets,
        Number.isFinite(ratio) ? `${fmt(ratio)}×` : '—',
        `${reached}/${rs.length}`,
        Number.isFinite(medHit) ? medHit : `>${o.trials}`,
        fmtS(median(rs.map((r) => r.wallMs ?? NaN))),
        algo.startsWith('axon-') && rs[0].gapMs !== undefined
          ? `${median(rs.map((r) => r.gapMs!)).toFixed(0)} ms`
          : '',
      ]);
    }
    const d = info.params.map((p) => `[${p.low}, ${p.high}]`);
    printTable(
      `${fn}: ${info.params.length}-D on ${[...new Set(d)].join(' × ')}${
        new Set(d).size === 1 && d.length > 1 ? `^${d.length}` : ''
      }, optimum ${info.optimum}, target regret ≤ ${info.target} — median over seeds`,
      [
        'algorithm',
        'runs',
        ...checkpoints.map((c) => `regret @${c}`),
        `÷ optuna-tpe @${last}`,
        'reached target',
        'median trials to target',
        'time / sweep',
        'end → next created',
      ],
      rows,
    );
  }

  // 5. Goals.
  const goalRows: Array<Array<string | number>> = [];
  for (const fn of o.fns) {
    const s = summary[fn];
    const tpe = s['axon-tpe'] as
      { ratioToOptunaTpe: number; medianTrialsToTarget: number | null } | undefined;
    const uni = s['optuna-tpe-uni'] as { medianRegret: Record<number, number> } | undefined;
    if (tpe && Number.isFinite(tpe.ratioToOptunaTpe))
      goalRows.push([
        `${fn}: axon-tpe ÷ optuna-tpe median regret @${last}`,
        `${fmt(tpe.ratioToOptunaTpe)}×`,
        '≤ 1.0',
        tpe.ratioToOptunaTpe <= 1 ? 'yes' : 'NO',
      ]);
    const mv = s['axon-tpe-mv'] as { ratioToOptunaTpe: number } | undefined;
    if (mv && Number.isFinite(mv.ratioToOptunaTpe))
      goalRows.push([
        `${fn}: axon-tpe-mv ÷ optuna-tpe (both multivariate) @${last}`,
        `${fmt(mv.ratioToOptunaTpe)}×`,
        '≤ 1.0',
        mv.ratioToOptunaTpe <= 1 ? 'yes' : 'NO',
      ]);
    const same = s['axon-tpe-optuna'] as { ratioToOptunaTpe: number } | undefined;
    if (same && Number.isFinite(same.ratioToOptunaTpe))
      goalRows.push([
        `${fn}: axon-tpe-optuna ÷ optuna-tpe (same algorithm) @${last}`,
        `${fmt(same.ratioToOptunaTpe)}×`,
        '(same model)',
        '',
      ]);
    const axonUni = s['axon-tpe-uni'] as { medianRegret: Record<number, number> } | undefined;
    if (uni && axonUni)
      goalRows.push([
        `${fn}: axon-tpe-uni ÷ optuna-tpe-uni (Optuna 4 defaults) @${last}`,
        `${fmt(axonUni.medianRegret[last] / uni.medianRegret[last])}×`,
        '(same model)',
        '',
      ]);
    const bo = s['axon-bo'] as
      { medianTrialsToTarget: number | null; reachedTarget: number; runs: number } | undefined;
    if (bo)
      goalRows.push([
        `${fn}: axon-bo median trials to regret ≤ ${fns[fn].target}`,
        bo.medianTrialsToTarget ?? `>${o.trials}`,
        `≈ ${GP_EI_REFERENCE[fn]} (careful GP-EI)`,
        bo.medianTrialsToTarget !== null && bo.medianTrialsToTarget <= GP_EI_REFERENCE[fn] ? 'yes' : 'NO',
      ]);
  }
  if (goalRows.length) printTable('Goals', ['measure', 'value', 'goal', 'met'], goalRows);
  const notes = [
    `Optuna ${optuna.optuna ?? 'missing'} in-process: ${fmtS(optunaMs)} for all studies.`,
    `Axon: ${axonTrials} trials in ${fmtS(axonMs)} (${((axonTrials / axonMs) * 1000).toFixed(1)} trials/s) with ${o.parallel} groups at once in one engine, each at concurrency 1.`,
    `Per trial: objective alone (python -S, bare spawn) ${bareMs.toFixed(1)} ms; one group alone through the engine ${engineTrialMs.toFixed(1)} ms.`,
    `BO: EI (eps 0), Matérn ν=2.5, n_restarts_optimizer 2, 10 initial random trials; TPE: Axon's defaults (n_startup_trials 10, …); tpe-uni / tpe-mv set multivariate: false / true. Grid: a linspace of ${Math.round(
      Math.sqrt(o.trials),
    )} per param on the 2-D functions (deterministic: one run). Regret clamped at 0.`,
    `Total ${fmtS(nowMs() - t0)}.`,
  ];
  for (const n of notes) process.stdout.write(`  - ${n}\n`);
  writeResult('quality', {
    params: { ...o, checkpoints, python: py, optuna: optuna.optuna ?? null, gpEiReference: GP_EI_REFERENCE },
    timings: { optunaMs, axonMs, axonTrials, bareTrialMs: bareMs, engineTrialMs, totalMs: nowMs() - t0 },
    summary,
    notes,
    runs,
  });
}
