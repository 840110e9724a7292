// Bayesian optimisation (SPEC §1.11 "Bayesian optimisation"; ALGORITHMS §5): a GP with ARD length scales
// fitted by marginal likelihood, then the acquisition function maximised over [0,1]^d. Polyaxon proposed
// one point per iteration (issue #707); here pending runs enter the GP as a constant liar (CL-mean) so
// concurrent suggestions spread out.
import { enumerate, sample, type MatrixValue, type SearchSpec } from '../../../shared/polyaxonfile';
import type { Rng } from '../../../shared/random';
import { acquisition, minimizeBox } from './acquisition';
import { fitHyper, GaussianProcess, kernelSpec } from './gp';
import type { Observation } from './types';

export type BoConfig = NonNullable<SearchSpec['bo']>;

/** The GP conditions on at most this many complete observations (a Cholesky is O(n³)), and its
 *  hyperparameters are fitted on at most FIT_CAP of them (each likelihood step is a Cholesky plus an
 *  inverse); either way the best quarter plus the most recent rest. */
export const MAX_TRAINING = 200;
export const FIT_CAP = 100;
/** κ for ucb when the spec leaves it out (the parser requires it); a missing ε is 0. */
export const DEFAULT_KAPPA = 2.576;

type Dim =
  | { key: string; type: 'uniform'; low: number; high: number; at: number }
  | { key: string; type: 'numeric'; values: number[]; enc: number[]; at: number }
  | { key: string; type: 'categorical'; values: unknown[]; at: number }
  | { key: string; type: 'constant'; value: unknown };

interface Space {
  dims: Dim[];
  size: number; // length of the encoded vector
}

function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/** Encodes the matrix into [0,1]^size: uniform linearly, numeric discrete kinds between their min and max
 *  (log-scaled for logspace/geomspace), categorical values as one-hot slots. */
function buildSpace(matrix: Record<string, MatrixValue>): Space {
  const dims: Dim[] = [];
  let at = 0;
  for (const [key, v] of Object.entries(matrix)) {
    if (v.kind === 'uniform') {
      dims.push({ key, type: 'uniform', low: v.low, high: v.high, at });
      at += 1;
      continue;
    }
    const values = v.kind === 'pvalues' ? null : enumerate(v);
    if (!values) {
      throw new Error(
        `bayesian optimization supports uniform and the discrete kinds; \`${key}\` is ${v.kind}`,
      );
    }
    if (values.length === 0) throw new Error(`matrix ${v.kind} \`${key}\` has no values`);
    const numbers = values.every((x) => typeof x === 'number' && Number.isFinite(x))
      ? (values as number[])
      : null;
    if (numbers) {
      const log =
        (v.kind === 'logspace' || v.kind === 'geomspace') &&
        (numbers.every((x) => x > 0) || numbers.every((x) => x < 0));
      const t = numbers.map((x) => (log ? Math.log(Math.abs(x)) : x));
      const lo = Math.min(...t);
      const hi = Math.max(...t);
      if (hi === lo) dims.push({ key, type: 'constant', value: values[0] });
      else dims.push({ key, type: 'numeric', values: numbers, enc: t.map((x) => (x - lo) / (hi - lo)), at });
      if (hi !== lo) at += 1;
    } else if (values.length === 1) {
      dims.push({ key, type: 'constant', value: values[0] });
    } else {
      dims.push({ key, type: 'categorical', values, at });
      at += values.length;
    }
  }
  return { dims, size: at };
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** The encoded point of an observation's params; null when a param is missing or of the wrong type. */
function encode(space: Space, params: Record<string, unknown>): number[] | null {
  const x = new Array<number>(space.size).fill(0);
  for (const d of space.dims) {
    if (d.type === 'constant') continue;
    if (!Object.prototype.hasOwnProperty.call(params, d.key)) return null;
    const p = params[d.key];
    if (d.type === 'categorical') {
      const i = d.values.findIndex((v) => same(v, p));
      if (i < 0) return null;
      x[d.at + i] = 1;
    } else if (typeof p !== 'number' || !Number.isFinite(p)) {
      return null;
    } else if (d.type === 'uniform') {
      x[d.at] = clamp01((p - d.low) / (d.high - d.low));
    } else {
      x[d.at] = d.enc[nearestIndex(d.values, p)];
    }
  }
  return x;
}

function nearestIndex(list: number[], target: number): number {
  let best = 0;
  for (let i = 1; i < list.length; i++)
    if (Math.abs(list[i] - target) < Math.abs(list[best] - target)) best = i;
  return best;
}

/** Moves discrete dimensions onto allowed values: the nearest encoded value, or the largest one-hot slot. */
function snap(space: Space, x: number[]): number[] {
  const out = x.map(clamp01);
  for (const d of space.dims) {
    if (d.type === 'numeric') out[d.at] = d.enc[nearestIndex(d.enc, out[d.at])];
    if (d.type === 'categorical') {
      let arg = 0;
      for (let i = 1; i < d.values.length; i++) if (out[d.at + i] > out[d.at + arg]) arg = i;
      for (let i = 0; i < d.values.length; i++) out[d.at + i] = i === arg ? 1 : 0;
    }
  }
  return out;
}

/** The params of an encoded (snapped) point: discrete values are exactly members of enumerate(v). */
function decode(space: Space, x: number[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of space.dims) {
    if (d.type === 'constant') setKey(out, d.key, d.value);
    else if (d.type === 'numeric') setKey(out, d.key, d.values[nearestIndex(d.enc, x[d.at])]);
    else if (d.type === 'categorical') {
      const slots = x.slice(d.at, d.at + d.values.length);
      setKey(out, d.key, d.values[slots.indexOf(Math.max(...slots))]);
    } else {
      // uniform is [low, high): the top edge stays just inside.
      const v = d.low + clamp01(x[d.at]) * (d.high - d.low);
      setKey(out, d.key, v < d.high ? v : d.high - (d.high - d.low) * 2 ** -40);
    }
  }
  return out;
}

function randomPoint(space: Space, rng: Rng): number[] {
  const x = new Array<number>(space.size).fill(0);
  for (const d of space.dims) {
    if (d.type === 'uniform') x[d.at] = rng.next();
    else if (d.type === 'numeric') x[d.at] = d.enc[rng.int(d.values.length)];
    else if (d.type === 'categorical') x[d.at + rng.int(d.values.length)] = 1;
  }
  return x;
}

/** Params as text over the matrix keys, whatever their order or extra keys. */
const keyOf = (keys: string[], params: Record<string, unknown>) => JSON.stringify(keys.map((k) => params[k]));

/** A random sample per param, avoiding the params already tried when the space allows. */
function randomSuggestion(
  matrix: Record<string, MatrixValue>,
  seen: Set<string>,
  rng: Rng,
): Record<string, unknown> {
  let point: Record<string, unknown> = {};
  for (let attempt = 0; attempt < 100; attempt++) {
    point = {};
    for (const [k, v] of Object.entries(matrix)) setKey(point, k, sample(v, rng));
    if (!seen.has(keyOf(Object.keys(matrix), point))) break;
  }
  return point;
}

/** The best quarter of the cap by value, then the most recent others; original order is kept. */
function capRows<T extends { y: number }>(rows: T[], cap: number): T[] {
  if (rows.length <= cap) return rows;
  const byValue = rows.map((r, i) => [r.y, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const keep = new Set(byValue.slice(0, Math.floor(cap / 4)).map(([, i]) => i));
  for (let i = rows.length - 1; i >= 0 && keep.size < cap; i--) keep.add(i);
  return rows.filter((_, i) => keep.has(i));
}

/** The next params to try: random until `nInitialTrials` (and at least 2) observations are complete, then
 *  the maximiser of the acquisition function under a GP fitted to the complete (and pruned, with their last
 *  value) observations. Failed ones are ignored; running ones are pending points valued at the mean. */
export function suggestBo(
  matrix: Record<string, MatrixValue>,
  observations: Observation[],
  rng: Rng,
  cfg: BoConfig,
): Record<string, unknown> {
  const space = buildSpace(matrix);
  const keys = Object.keys(matrix);
  const seen = new Set(observations.filter((o) => o.state !== 'failed').map((o) => keyOf(keys, o.params)));
  const rows: Array<{ x: number[]; y: number }> = [];
  for (const o of observations) {
    // A pruned run's last value is kept: a policy stopped it for looking worse than its peers.
    if (o.state !== 'complete' && o.state !== 'pruned') continue;
    if (typeof o.value !== 'number' || !Number.isFinite(o.value)) continue;
    const x = encode(space, o.params);
    if (x) rows.push({ x, y: o.value });
  }
  if (rows.length < Math.max(2, cfg.nInitialTrials) || space.size === 0) {
    return randomSuggestion(matrix, seen, rng);
  }
  const train = capRows(rows, MAX_TRAINING);
  const mean = train.reduce((s, r) => s + r.y, 0) / train.length;
  const std = Math.sqrt(train.reduce((s, r) => s + (r.y - mean) ** 2, 0) / train.length) || 1;
  const scaled = train.map((r) => ({ x: r.x, y: (r.y - mean) / std }));
  const X = scaled.map((r) => r.x);
  const y = scaled.map((r) => r.y);
  const spec = kernelSpec(cfg.kernel, cfg.nu);
  // Hyperparameters come from real results only; the lies below just condition the posterior.
  const fit = capRows(scaled, FIT_CAP);
  const hyper = fitHyper(
    spec,
    fit.map((r) => r.x),
    fit.map((r) => r.y),
    {
      initialLengthScale: cfg.lengthScale,
      restarts: cfg.nRestartsOptimizer,
      rng,
    },
  );
  const best = Math.min(...y);
  const pending = observations
    .filter((o) => o.state === 'running')
    .map((o) => encode(space, o.params))
    .filter((x): x is number[] => x !== null);
  // Constant liar with the mean (CL-mean): each pending point is taken to score the average observed
  // value, 0 once standardised. CL-min (the best value) converged as fast on Branin with 4 workers but
  // put a batch's points within 1e-3 of each other near the optimum, wasting the parallel runs.
  const gp = new GaussianProcess(spec, [...X, ...pending], [...y, ...pending.map(() => 0)], hyper);
  // ε is in the metric's units (Polyaxon's GP saw raw values); the GP here sees standardised ones.
  const param = cfg.acquisition === 'ucb' ? (cfg.kappa ?? DEFAULT_KAPPA) : (cfg.eps ?? 0) / std;
  const incumbents = scaled
    .map((r, i) => [r.y, i] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .slice(0, 5)
    .map(([, i]) => X[i]);
  const scored = maximizeAcquisition(space, gp, cfg, best, param, incumbents, rng);
  // A point already tried or pending is only suggested when nothing else is left.
  for (const c of scored) {
    const params = decode(space, c.x);
    if (!seen.has(keyOf(keys, params))) return params;
  }
  return decode(space, scored[0].x);
}

/** Snapped candidates by acquisition value, best first: random valid points (max(n_warmup, 1000), at
 *  most 10,000) and small moves around the incumbents, then the best `nIter` distinct ones polished by
 *  the bounded quasi-Newton on the continuous relaxation and snapped again. */
function maximizeAcquisition(
  space: Space,
  gp: GaussianProcess,
  cfg: BoConfig,
  best: number,
  param: number,
  incumbents: number[][],
  rng: Rng,
): Array<{ x: number[]; value: number }> {
  const score = (x: number[]) => {
    const p = gp.predict(x);
    return acquisition(cfg.acquisition, p.mean, p.sd, best, param).value;
  };
  const candidates: number[][] = [];
  const nRandom = Math.min(Math.max(cfg.nWarmup, 1000), 10000);
  for (let i = 0; i < nRandom; i++) candidates.push(randomPoint(space, rng));
  for (const x0 of incumbents) {
    for (let k = 0; k < 20; k++)
      candidates.push(
        snap(
          space,
          x0.map((v) => v + 0.05 * rng.normal()),
        ),
      );
  }
  const scored = candidates.map((x) => ({ x, value: score(x) }));
  scored.sort((a, b) => b.value - a.value);

  const starts: number[][] = [];
  const startKeys = new Set<string>();
  for (const c of scored) {
    if (starts.length >= cfg.nIter) break;
    const k = c.x.join(',');
    if (startKeys.has(k)) continue;
    startKeys.add(k);
    starts.push(c.x);
  }
  const lower = new Array<number>(space.size).fill(0);
  const upper = new Array<number>(space.size).fill(1);
  const negAcq = (x: number[]) => {
    const p = gp.predict(x, true);
    const a = acquisition(cfg.acquisition, p.mean, p.sd, best, param);
    const grad = x.map((_, j) => -(a.dMean * p.dMean![j] + a.dSd * p.dSd![j]));
    return { value: -a.value, grad };
  };
  for (const start of starts) {
    const res = minimizeBox(negAcq, start, lower, upper, { maxIter: 30, initialStep: 0.05 });
    const x = snap(space, res.x);
    scored.push({ x, value: score(x) });
  }
  scored.sort((a, b) => b.value - a.value);
  return scored;
}
