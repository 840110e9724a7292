// The functions of the BO benchmark (issue #15) in TypeScript, and the driver that runs Axon's BO searcher on
// them with a simulated queue. bo-suite.ts (the full benchmark, with the baselines) and bo-inprocess.ts (a
// quick runner for tuning) both use it; bo_suite.py holds the Python twins, which bo-suite.ts checks first.
import { parsePolyaxonfiles } from '../../shared/polyaxonfile';
import { Rng } from '../../shared/random';
import { makeSearcher } from '../../main/engine/sweeps/group-runner';
import type { SweepTrial } from '../../main/engine/sweeps/searcher';
import { nowMs } from './common';

export type Param = [string, 'float' | 'log' | 'int' | 'cat', unknown, unknown];
export interface FnDesc {
  params: Param[];
  optimum: number;
  target: number;
}
export type P = Record<string, unknown>;

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
export const hartmann3 = (x: number[]) =>
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

export const FUNCTIONS: Record<string, (p: P) => number> = {
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

/** The polyaxonfile matrix entry of one param: log params as loguniform (natural-log bounds, as Polyaxon's),
 *  integers as a range, categories as values. */
function matrixLine([name, kind, a, b]: Param): string {
  if (kind === 'float') return `    ${name}: {uniform: [${a}, ${b}]}`;
  if (kind === 'log')
    return `    ${name}: {loguniform: [${Math.log(a as number)}, ${Math.log(b as number)}]}`;
  if (kind === 'int') return `    ${name}: {range: [${a}, ${(b as number) + 1}, 1]}`;
  return `    ${name}: {values: [${(a as string[]).join(', ')}]}`;
}

/** The group file of one sweep: the matrix, `bo` with the defaults (10 initial trials), and `cmd`. */
export function groupText(fn: FnDesc, seed: number, trials: number, concurrency: number, cmd = 'true') {
  return [
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
    `  cmd: ${JSON.stringify(cmd)}`,
  ].join('\n');
}

export function searchSpec(fn: FnDesc, seed: number, trials: number, concurrency: number) {
  const r = parsePolyaxonfiles([
    { name: 'polyaxonfile.yml', text: groupText(fn, seed, trials, concurrency) },
  ]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value.hptuning!;
}

export interface AxonRun {
  values: number[];
  /** Each trial's params, in creation order. */
  params: P[];
  /** ms of each searcher step that made a model-based suggestion, with the observations it saw. */
  steps: Array<{ ms: number; n: number }>;
}

/** One sweep through the engine's searcher with `concurrency` simulated slots. */
export function runAxon(
  fnName: string,
  fn: FnDesc,
  seed: number,
  trials: number,
  concurrency: number,
): AxonRun {
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
  return { values: trialsList.map((t) => t.value ?? NaN), params: trialsList.map((t) => t.params), steps };
}
