// Axon's TPE sampler alone (no engine, no processes) on the benchmark functions: a fast check of the sampler
// itself; bench/hpo/run.ts quality measures it through real sweeps (same values: the sweeps are deterministic).
//
//   node --import tsx bench/hpo/tpe-inprocess.ts [--fns branin,hartmann6,rosenbrock2] [--seeds 30 | 1-30]
//        [--trials 100] [--rng axon|numpy] [--set key=value,...] [--optuna FILE] [--out FILE]
//
// --rng numpy    draw from numpy's RandomState(seed) instead of Axon's Rng, one stream for the startup trials and
//                one for the model, as Optuna's TPESampler(seed) does (RandomSampler(seed) and its own
//                RandomState(seed)): the trajectories are then Optuna's wherever the two algorithms agree.
// --set k=v,...  TPE options as in a polyaxonfile's `tpe:` map (multivariate=false, n_ei_candidates=48, ...).
// --optuna FILE  the JSON optuna_baseline.py printed for the same seeds (sampler `tpe`, or the first one):
//                adds its row, the ratios, and per function how many seeds gave the same values trial by trial.
// --out FILE     writes every run's values.
//
// Objectives are ports of objectives.py (same operations; libm's exp/cos may differ in the last bit).
import fs from 'node:fs';
import { suggestTpe, tpeOptions } from '../../main/engine/sweeps/tpe';
import type { Observation } from '../../main/engine/sweeps/types';
import { Rng } from '../../shared/random';
import { NumpyRandomState } from './mt19937';
import { hartmann3 } from './bo-functions';
import { describeFunctions, fmt, median, python, quantile } from './common';

const branin = (x: number[]) => {
  const [x1, x2] = x;
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
};
const H_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
];
const hartmann6 = (x: number[]) => {
  let total = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += H_A[i][j] * (x[j] - H_P[i][j] * 1e-4) ** 2;
    total += H_ALPHA[i] * Math.exp(-inner);
  }
  return -total;
};
const rosenbrock2 = (x: number[]) => 100 * (x[1] - x[0] * x[0]) ** 2 + (1 - x[0]) ** 2;
const FN: Record<string, (x: number[]) => number> = { branin, hartmann6, rosenbrock2 };

// Held-out functions (not in objectives.py, so not in the engine benchmark): a check that a change to the sampler
// is not tuned to the three benchmark functions. `--fns heldout` runs them all.
const HELDOUT: Record<
  string,
  { f: (x: number[]) => number; bounds: Array<[number, number]>; optimum: number }
> = {
  // Hartmann-3 on [0, 1]^3: one global minimum, three local ones
  hartmann3: {
    f: hartmann3,
    bounds: [
      [0, 1],
      [0, 1],
      [0, 1],
    ],
    optimum: -3.86278,
  },
  // six-hump camel: two global minima among six local ones
  camel: {
    f: ([a, b]) => (4 - 2.1 * a * a + a ** 4 / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b,
    bounds: [
      [-3, 3],
      [-2, 2],
    ],
    optimum: -1.0316284535,
  },
  // Ackley-2 on [-32.768, 32.768]^2: a needle in a field of local minima
  ackley2: {
    f: (x) => {
      const d = x.length;
      const s1 = x.reduce((s, v) => s + v * v, 0) / d;
      const s2 = x.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0) / d;
      return -20 * Math.exp(-0.2 * Math.sqrt(s1)) - Math.exp(s2) + 20 + Math.E;
    },
    bounds: [
      [-32.768, 32.768],
      [-32.768, 32.768],
    ],
    optimum: 0,
  },
  // Styblinski-Tang 4-D: 2^4 local minima, the global one in a corner region
  styblinski4: {
    f: (x) => x.reduce((s, v) => s + (v ** 4 - 16 * v * v + 5 * v) / 2, 0),
    bounds: Array.from({ length: 4 }, () => [-5, 5] as [number, number]),
    optimum: -39.16616570377142 * 4,
  },
  // Rosenbrock-4 on [-5, 10]^4 and a 5-D sphere on [-5, 10]^5 (off-centre optimum at 1): unimodal, higher d
  rosenbrock4: {
    f: (x) => x.slice(0, -1).reduce((s, v, i) => s + 100 * (x[i + 1] - v * v) ** 2 + (1 - v) ** 2, 0),
    bounds: Array.from({ length: 4 }, () => [-5, 10] as [number, number]),
    optimum: 0,
  },
  sphere5: {
    f: (x) => x.reduce((s, v) => s + (v - 1) ** 2, 0),
    bounds: Array.from({ length: 5 }, () => [-5, 10] as [number, number]),
    optimum: 0,
  },
};

const argv = process.argv.slice(2);
const flag = (k: string, dflt: string) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const fnNames = flag('fns', 'branin,hartmann6,rosenbrock2')
  .split(',')
  .flatMap((f) => (f === 'heldout' ? Object.keys(HELDOUT) : [f]));
const seedArg = flag('seeds', '30');
const seeds = seedArg.includes('-')
  ? (() => {
      const [a, b] = seedArg.split('-').map(Number);
      return Array.from({ length: b - a + 1 }, (_, i) => a + i);
    })()
  : Array.from({ length: Number(seedArg) }, (_, i) => i + 1);
const trials = Number(flag('trials', '100'));
const rngKind = flag('rng', 'axon');
const raw: Record<string, unknown> = {};
for (const kv of flag('set', '').split(',').filter(Boolean)) {
  const [k, v] = kv.split('=');
  raw[k] = JSON.parse(v);
}
const opts = tpeOptions(raw);
const { fns } = describeFunctions(python());
for (const [name, h] of Object.entries(HELDOUT)) {
  FN[name] = h.f;
  fns[name] = {
    params: h.bounds.map(([low, high], i) => ({ name: `x${i + 1}`, low, high })),
    optimum: h.optimum,
    target: NaN,
  };
}

interface Run {
  fn: string;
  seed: number;
  values: number[];
}
const runs: Run[] = [];
const t0 = Date.now();
for (const fn of fnNames) {
  const info = fns[fn];
  const matrix = Object.fromEntries(
    info.params.map((p) => [p.name, { kind: 'uniform', low: p.low, high: p.high }]),
  );
  for (const seed of seeds) {
    const startup = rngKind === 'numpy' ? new NumpyRandomState(seed).asRng() : null;
    const model = rngKind === 'numpy' ? new NumpyRandomState(seed).asRng() : new Rng(seed);
    const obs: Observation[] = [];
    const values: number[] = [];
    for (let i = 0; i < trials; i++) {
      const rng = startup && obs.length < opts.nStartupTrials ? startup : model;
      const p = suggestTpe(matrix as never, obs, rng, opts);
      const v = FN[fn](info.params.map((d) => p[d.name] as number));
      obs.push({ params: p, value: v, state: 'complete' });
      values.push(v);
    }
    runs.push({ fn, seed, values });
  }
}
const seconds = (Date.now() - t0) / 1000;

const regretAt = (values: number[], n: number, opt: number) =>
  Math.max(0, Math.min(...values.slice(0, n)) - opt);
const optuna = (() => {
  const file = flag('optuna', '');
  if (!file) return null;
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { runs: Array<Run & { sampler: string }> };
  const sampler = data.runs.some((r) => r.sampler === 'tpe') ? 'tpe' : data.runs[0]?.sampler;
  return data.runs.filter((r) => r.sampler === sampler);
})();

const label = `axon (${rngKind} rng${Object.keys(raw).length ? `, ${JSON.stringify(raw)}` : ''})`;
console.log(`${label}: ${seeds.length} seeds x ${trials} trials, ${seconds.toFixed(1)} s`);
console.log('| fn | who | regret @20 | @50 | @100 | q25 @100 | q75 @100 | ÷ optuna @100 | same trajectory |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const fn of fnNames) {
  const opt = fns[fn].optimum;
  const row = (rs: Run[]) => {
    const at = (n: number) => rs.map((r) => regretAt(r.values, n, opt));
    return { m20: median(at(20)), m50: median(at(50)), m100: median(at(100)), all: at(100) };
  };
  const mine = row(runs.filter((r) => r.fn === fn));
  const theirs = optuna ? optuna.filter((r) => r.fn === fn && seeds.includes(r.seed)) : [];
  const ref = theirs.length ? row(theirs) : null;
  let same = '';
  if (theirs.length) {
    const firstDiff = runs
      .filter((r) => r.fn === fn)
      .map((r) => {
        const o = theirs.find((x) => x.seed === r.seed);
        if (!o) return -1;
        const i = r.values.findIndex((v, j) => Math.abs(v - o.values[j]) > 1e-9 * Math.max(1, Math.abs(v)));
        return i;
      });
    const n = firstDiff.filter((i) => i === -1).length;
    const diverged = firstDiff.filter((i) => i >= 0).sort((a, b) => a - b);
    same = `${n}/${firstDiff.length}${diverged.length ? ` (others diverge at trial ${diverged.map((i) => i + 1).join(',')})` : ''}`;
  }
  console.log(
    `| ${fn} | axon | ${fmt(mine.m20)} | ${fmt(mine.m50)} | ${fmt(mine.m100)} | ${fmt(quantile(mine.all, 0.25))} | ${fmt(quantile(mine.all, 0.75))} | ${ref ? `${(mine.m100 / ref.m100).toFixed(2)}×` : ''} | ${same} |`,
  );
  if (ref) {
    console.log(
      `| ${fn} | optuna | ${fmt(ref.m20)} | ${fmt(ref.m50)} | ${fmt(ref.m100)} | ${fmt(quantile(ref.all, 0.25))} | ${fmt(quantile(ref.all, 0.75))} | 1× | |`,
    );
  }
}
const out = flag('out', '');
if (out) fs.writeFileSync(out, JSON.stringify({ label, opts: raw, rng: rngKind, seconds, runs }));
