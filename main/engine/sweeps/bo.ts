// Bayesian optimisation (SPEC §1.11 "Bayesian optimisation"; ALGORITHMS §5; docs/sweeps.md): a GP with ARD
// length scales, fitted (MAP, screened restarts) on standardised results, Yeo-Johnson-warped or not as the
// marginal likelihood prefers (warp.ts), with a noise floor of 1e-9, then log-EI (or UCB/POI)
// maximised over dense random and local candidates with a quasi-Newton polish and a discrete neighbourhood
// search. Every matrix kind is searched: the log kinds on a log scale, the q-kinds and ordered lists rounded
// inside the acquisition (a candidate is scored where it would really be evaluated), categories one-hot.
// Polyaxon proposed one point per iteration (issue #707); here, with EI, a suggestion made while others run
// maximises the mean EI over joint posterior draws of their outcomes (greedy q-EI, fantasy.ts); UCB and POI
// take the running points as kriging believers (their posterior mean).
import { sample, type MatrixValue, type SearchSpec } from '../../../shared/polyaxonfile';
import type { Rng } from '../../../shared/random';
import { acquisition, minimizeBox, type AcquisitionKind } from './acquisition';
import {
  fitHyper,
  GaussianProcess,
  kernelSpec,
  logMarginalLikelihood,
  type GpHyper,
  type HyperPrior,
} from './gp';
import { standardise, transformOutputs, warpOutputs } from './warp';
import { dimensionOf, type Dimension } from './space';
import type { Observation } from './types';
import { pendingModel, type BatchMethod } from './batch';
import type { BatchAcquisition } from './fantasy';

export { warpOutputs };

export type BoConfig = NonNullable<SearchSpec['bo']>;

/** The GP conditions on at most this many complete observations (a Cholesky is O(n³)), and its
 *  hyperparameters are fitted on at most FIT_CAP of them (each likelihood step is a Cholesky plus an
 *  inverse); either way the best quarter plus the most recent rest. */
export const MAX_TRAINING = 200;
export const FIT_CAP = 100;
/** κ for ucb when the spec leaves it out; a missing ε is 0. */
export const DEFAULT_KAPPA = 2.576;

/** Internal choices the benchmark compares (bench/hpo/bo-suite.ts); the defaults are what won there. */
export const BO_TUNING = {
  /** How the results are warped before the GP (always standardised after): `yj` a Yeo-Johnson power warp
   *  (its λ fitted by normal likelihood) of the results shifted to start at 0 and scaled by their median,
   *  `rank` the normal scores of their ranks, `none`; `auto` fits a GP to both `none` and `yj` and keeps
   *  the one under which the raw results are likelier (marginal likelihood plus the warp's log Jacobian). */
  warpOutputs: 'auto' as 'auto' | 'yj' | 'rank' | 'none',
  /** MAP with log-normal priors on the hyperparameters, restarts screened from the prior. */
  prior: true as boolean,
  /** How pending (running) points are handled: fantasies (EI averaged over joint posterior draws of their
   *  outcomes, fantasy.ts), kriging believer (their posterior mean), the mean of the results (constant liar,
   *  CL-mean), local penalisation (batch.ts), Thompson sampling (thompson.ts) or EI unless a pending point
   *  is near its maximiser, then Thompson. Only EI has fantasies and penalties; UCB and POI take `kb`. */
  batch: 'fantasy' as BatchMethod,
  /** `ei-ts`: the EI maximiser of the GP on the real results is suggested unless it is within this many
   *  length scales of a pending point; then, as with `ts`, a Thompson draw's minimiser (thompson.ts). */
  tsNear: 0.5,
  /** Joint posterior draws of the pending outcomes that `fantasy` averages EI over (fantasy.ts). */
  fantasySamples: 16,
  /** With pending points, the fantasies' EI sees the posterior sd times this (< 1: the batch explores less).
   *  0.5 won on the 2-D functions at 4 slots and lost on Hartmann-3 and the mixed space (bench/hpo/README.md,
   *  tenth session), so 1. */
  batchSdScale: 1,
  /** Whether running experiments count toward `n_initial_trials` (else it waits for that many results). */
  initCountsPending: true as boolean,
  /** Whether the kriging believers' values can lower the incumbent f* that EI improves on. */
  kbBest: true as boolean,
  /** Random candidates at least, and local ones per incumbent (5 incumbents). */
  minRandom: 1000,
  localPerIncumbent: 40,
  /** Candidates along each param's whole range through the 2 best incumbents (the others held). */
  axisCandidates: 0,
  fitIter: 50,
  /** Short polish of every restart before only the best is polished on (gp.ts FitOptions.probeIter); 0: off. */
  fitProbe: 8,
  /** Lower bound of the fitted noise variance (standardised units), and the centre of its prior. */
  noiseFloor: 1e-9,
  noisePriorMean: 1e-6,
  /** A candidate closer than this (encoded units, each coordinate over its length scale) to a tried or
   *  pending point is passed over; 0: only exact repeats are. */
  minDist: 1e-4,
  /** The length scales' log-normal prior: its centre (encoded units) and log-sd. */
  lsPriorMean: 0.5,
  lsPriorSd: 1.0,
};

export const PRIOR: HyperPrior = {
  logLengthScale: { mean: Math.log(0.5), sd: 1.0 },
  logSignal: { mean: 0, sd: 1.0 },
  logNoise: { mean: Math.log(1e-4), sd: 2.5 },
};
const prior = (): HyperPrior => ({
  ...PRIOR,
  logLengthScale: { mean: Math.log(BO_TUNING.lsPriorMean), sd: BO_TUNING.lsPriorSd },
  logNoise: { mean: Math.log(BO_TUNING.noisePriorMean), sd: 2.5 },
});

type Coord =
  | { key: string; type: 'continuous'; at: number; low: number; high: number; dim: ModelDim; q: boolean }
  | { key: string; type: 'ordinal'; at: number; count: number; dim: ModelDim }
  | { key: string; type: 'categorical'; at: number; count: number; dim: ModelDim };
type ModelDim = Extract<Dimension, { kind: 'model' }>;

interface Space {
  coords: Coord[];
  fixed: Array<{ key: string; value: unknown }>;
  /** Matrix keys in file order. */
  keys: string[];
  size: number; // length of the encoded vector
  /** Per encoded coordinate: can the polish move it (continuous and not quantised). */
  free: boolean[];
}

function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

const Q_KINDS = new Set(['quniform', 'qloguniform', 'qnormal', 'qlognormal']);

/** Encodes the matrix into [0,1]^size through space.ts's dimensions (the internal space TPE uses too): the
 *  continuous kinds linearly in their internal space (the log kinds in log), ordered lists and ranges by
 *  their index, categories (`values` with non-numbers, `pvalues`) one slot each. */
export function buildSpace(matrix: Record<string, MatrixValue>): Space {
  const coords: Coord[] = [];
  const fixed: Space['fixed'] = [];
  const free: boolean[] = [];
  let at = 0;
  for (const [key, v] of Object.entries(matrix)) {
    const dim = dimensionOf(key, v);
    if (dim.kind === 'fixed') {
      fixed.push({ key, value: dim.value });
      continue;
    }
    const p = dim.parzen;
    if (p.type === 'categorical') {
      coords.push({ key, type: 'categorical', at, count: p.prior.length, dim });
      for (let i = 0; i < p.prior.length; i++) free.push(false);
      at += p.prior.length;
    } else if (p.step === 1) {
      coords.push({ key, type: 'ordinal', at, count: p.high + 1, dim });
      free.push(false);
      at += 1;
    } else {
      const q = Q_KINDS.has(v.kind);
      coords.push({ key, type: 'continuous', at, low: p.low, high: p.high, dim, q });
      free.push(!q);
      at += 1;
    }
  }
  return { coords, fixed, keys: Object.keys(matrix), size: at, free };
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** The encoded point of an observation's params; null when a param is missing or cannot be placed. */
export function encode(space: Space, params: Record<string, unknown>): number[] | null {
  const x = new Array<number>(space.size).fill(0);
  for (const c of space.coords) {
    if (!Object.prototype.hasOwnProperty.call(params, c.key)) return null;
    const internal = c.dim.toInternal(params[c.key]);
    if (internal === null) return null;
    if (c.type === 'categorical') x[c.at + internal] = 1;
    else if (c.type === 'ordinal') x[c.at] = internal / (c.count - 1);
    else x[c.at] = clamp01((internal - c.low) / (c.high - c.low));
  }
  return x;
}

/** Moves discrete coordinates onto allowed values: the nearest index, the bucket of a q-kind (where the
 *  value it would become is encoded), the largest one-hot slot. In place; returns x. */
function snap(space: Space, x: number[]): number[] {
  for (let i = 0; i < x.length; i++) x[i] = clamp01(x[i]);
  for (const c of space.coords) {
    if (c.type === 'ordinal') x[c.at] = Math.round(x[c.at] * (c.count - 1)) / (c.count - 1);
    else if (c.type === 'categorical') {
      let arg = 0;
      for (let i = 1; i < c.count; i++) if (x[c.at + i] > x[c.at + arg]) arg = i;
      for (let i = 0; i < c.count; i++) x[c.at + i] = i === arg ? 1 : 0;
    } else if (c.q) {
      const internal = c.dim.toInternal(c.dim.fromInternal(c.low + x[c.at] * (c.high - c.low)));
      if (internal !== null) x[c.at] = clamp01((internal - c.low) / (c.high - c.low));
    }
  }
  return x;
}

/** The params of an encoded (snapped) point; discrete values are exactly items of the matrix. */
function decode(space: Space, x: number[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const byKey = new Map<string, unknown>();
  for (const f of space.fixed) byKey.set(f.key, f.value);
  for (const c of space.coords) {
    if (c.type === 'categorical') {
      let arg = 0;
      for (let i = 1; i < c.count; i++) if (x[c.at + i] > x[c.at + arg]) arg = i;
      byKey.set(c.key, c.dim.fromInternal(arg));
    } else if (c.type === 'ordinal') {
      byKey.set(c.key, c.dim.fromInternal(Math.round(x[c.at] * (c.count - 1))));
    } else {
      byKey.set(c.key, c.dim.fromInternal(c.low + clamp01(x[c.at]) * (c.high - c.low)));
    }
  }
  for (const k of space.keys) setKey(out, k, byKey.get(k));
  return out;
}

function randomPoint(space: Space, rng: Rng): number[] {
  const x = new Array<number>(space.size).fill(0);
  for (const c of space.coords) {
    if (c.type === 'categorical') x[c.at + rng.int(c.count)] = 1;
    else if (c.type === 'ordinal') x[c.at] = rng.int(c.count) / (c.count - 1);
    else x[c.at] = rng.next();
  }
  return snap(space, x);
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

/** The next params to try: random until `nInitialTrials` observations are complete or pending (and at least 2
 *  complete), then
 *  the maximiser of the acquisition function under a GP fitted to the complete (and pruned, with their last
 *  value) observations. Failed ones are ignored; running ones are pending points (kriging believers). */
export function suggestBo(
  matrix: Record<string, MatrixValue>,
  observations: Observation[],
  rng: Rng,
  cfg: BoConfig,
): Record<string, unknown> {
  const space = buildSpace(matrix);
  const keys = space.keys;
  const seen = new Set(observations.filter((o) => o.state !== 'failed').map((o) => keyOf(keys, o.params)));
  const rows: Array<{ x: number[]; y: number }> = [];
  for (const o of observations) {
    // A pruned run's last value is kept: a policy stopped it for looking worse than its peers.
    if (o.state !== 'complete' && o.state !== 'pruned') continue;
    if (typeof o.value !== 'number' || !Number.isFinite(o.value)) continue;
    const x = encode(space, o.params);
    if (x) rows.push({ x, y: o.value });
  }
  // The initial design counts the pending points too: with 4 slots, the 10th random point is not followed by
  // three more while the first results are still coming in (the GP needs 2 results at least).
  const running = observations.filter((o) => o.state === 'running').length;
  const counted = rows.length + (BO_TUNING.initCountsPending ? running : 0);
  if (rows.length < 2 || counted < cfg.nInitialTrials || space.size === 0) {
    return randomSuggestion(matrix, seen, rng);
  }
  const train = capRows(rows, MAX_TRAINING);
  const raw = train.map((r) => r.y);
  const std = standardise(raw);
  const spec = kernelSpec(cfg.kernel, cfg.nu);
  const X = train.map((r) => r.x);
  // Hyperparameters come from real results only (at most FIT_CAP of them); the believers below just
  // condition the posterior.
  const fitRows = new Set(
    capRows(
      raw.map((v, i) => ({ y: v, i })),
      FIT_CAP,
    ).map((r) => r.i),
  );
  const fitX = X.filter((_, i) => fitRows.has(i));
  const fitOpts = {
    initialLengthScale: cfg.lengthScale,
    restarts: cfg.nRestartsOptimizer,
    rng,
    noiseFloor: BO_TUNING.noiseFloor,
    ...(BO_TUNING.prior && {
      prior: prior(),
      screen: 8 * Math.max(1, cfg.nRestartsOptimizer),
      maxIter: BO_TUNING.fitIter,
      probeIter: BO_TUNING.fitProbe || undefined,
    }),
  };
  const how = BO_TUNING.warpOutputs;
  let model: { y: number[]; hyper: GpHyper; score: number } | null = null;
  for (const w of how === 'auto' ? (['none', 'yj'] as const) : [how]) {
    const t =
      w === 'rank'
        ? { z: standardise(warpOutputs(raw, 'rank')).values, logJacs: raw.map(() => 0) }
        : transformOutputs(raw, w);
    const fitY = t.z.filter((_, i) => fitRows.has(i));
    const hyper = fitHyper(spec, fitX, fitY, fitOpts);
    let score = 0;
    if (how === 'auto') {
      score = logMarginalLikelihood(spec, fitX, fitY, hyper, undefined, true).value;
      t.logJacs.forEach((j, i) => fitRows.has(i) && (score += j));
    }
    if (!model || score > model.score) model = { y: t.z, hyper, score };
  }
  const y = model!.y;
  const hyper = model!.hyper;
  const scaled = train.map((r, i) => ({ x: r.x, y: y[i] }));
  const best = Math.min(...y);
  const pending = observations
    .filter((o) => o.state === 'running')
    .map((o) => encode(space, o.params))
    .filter((x): x is number[] => x !== null);
  // ε is in the metric's units (Polyaxon's GP saw raw values); the GP here sees standardised ones.
  const kind: AcquisitionKind = cfg.acquisition === 'ei' ? 'logei' : cfg.acquisition;
  const param = cfg.acquisition === 'ucb' ? (cfg.kappa ?? DEFAULT_KAPPA) : (cfg.eps ?? 0) / std.sd;
  const batch = pendingModel(new GaussianProcess(spec, X, y, hyper), y, pending, {
    method: BO_TUNING.batch,
    ei: cfg.acquisition === 'ei',
    best,
    xi: param,
    rng,
    fantasySamples: BO_TUNING.fantasySamples,
    sdScale: BO_TUNING.batchSdScale,
    kbBest: BO_TUNING.kbBest,
    probes: () => [...X, ...Array.from({ length: 200 }, () => randomPoint(space, rng))],
  });
  const gp = batch.gp;
  const incumbents = scaled
    .map((r, i) => [r.y, i] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .slice(0, 5)
    .map(([, i]) => X[i]);
  let scored = maximizeAcquisition(space, gp, cfg, kind, batch.best, param, incumbents, rng, batch.acq);
  // A point already tried or pending (or, with minDist, as good as one for the GP) is only suggested when
  // nothing else is left.
  const tried = [...rows.map((r) => r.x), ...pending];
  const inv = gp.hyper.lengthScales.map((l) => 1 / l);
  const dist = (t: number[], x: number[]) =>
    Math.sqrt(t.reduce((s, v, j) => s + ((v - x[j]) * inv[j]) ** 2, 0));
  const tooClose = (x: number[]) =>
    BO_TUNING.minDist > 0 && tried.some((t) => dist(t, x) < BO_TUNING.minDist);
  if (batch.reorder) {
    const top = scored.find((c) => !seen.has(keyOf(keys, decode(space, c.x))) && !tooClose(c.x)) ?? scored[0];
    // ei-ts: EI's choice stands unless a running point is already near it.
    if (BO_TUNING.batch === 'ts' || pending.some((p) => dist(p, top.x) < BO_TUNING.tsNear))
      scored = batch.reorder(scored);
  }
  for (const c of scored) {
    const params = decode(space, c.x);
    if (!seen.has(keyOf(keys, params)) && !tooClose(c.x)) return params;
  }
  for (const c of scored) {
    const params = decode(space, c.x);
    if (!seen.has(keyOf(keys, params))) return params;
  }
  return decode(space, scored[0].x);
}

/** Snapped candidates by acquisition value, best first: random valid points (max(n_warmup, 1000), at most
 *  10,000) and moves around the incumbents at three scales of their fitted length scales; the best `nIter`
 *  distinct ones are polished by the bounded quasi-Newton over their continuous coordinates (the discrete ones
 *  held), then the best is improved by single discrete moves (a neighbouring index, another category). */
function maximizeAcquisition(
  space: Space,
  gp: GaussianProcess,
  cfg: BoConfig,
  kind: AcquisitionKind,
  best: number,
  param: number,
  incumbents: number[][],
  rng: Rng,
  custom?: BatchAcquisition,
): Array<{ x: number[]; value: number }> {
  const score = (x: number[]) => {
    if (custom) return custom.value(x);
    const p = gp.predict(x);
    return acquisition(kind, p.mean, p.sd, best, param).value;
  };
  const candidates: number[][] = [];
  const nRandom = Math.min(Math.max(cfg.nWarmup, BO_TUNING.minRandom), 10000);
  for (let i = 0; i < nRandom; i++) candidates.push(randomPoint(space, rng));
  const ell = gp.hyper.lengthScales.map((l) => Math.min(Math.max(l, 0.01), 1));
  const scales = [0.05, 0.2, 0.6];
  const nDims = Math.max(1, space.coords.length);
  for (const x0 of incumbents) {
    for (let k = 0; k < BO_TUNING.localPerIncumbent; k++) {
      const s = scales[k % scales.length];
      // Move a random subset of the params (each with probability min(1, 2/d), at least one), so that in
      // more dimensions the moves stay local, as in TuRBO's candidates.
      const pMove = Math.min(1, 2 / nDims);
      const forced = rng.int(nDims);
      const x = [...x0];
      space.coords.forEach((c, ci) => {
        if (ci !== forced && rng.next() >= pMove) return;
        if (c.type === 'categorical') {
          const to = rng.int(c.count);
          for (let i = 0; i < c.count; i++) x[c.at + i] = i === to ? 1 : 0;
        } else x[c.at] += s * ell[c.at] * rng.normal();
      });
      candidates.push(snap(space, x));
    }
  }
  // Lines through the best incumbents along each param (the rest held), stratified over its whole range: on
  // a function with a separable part, the better basin of one param is found without moving the others.
  for (const x0 of incumbents.slice(0, 2)) {
    for (const c of space.coords) {
      if (c.type === 'categorical') continue;
      for (let k = 0; k < BO_TUNING.axisCandidates; k++) {
        const x = [...x0];
        x[c.at] = (k + rng.next()) / BO_TUNING.axisCandidates;
        candidates.push(snap(space, x));
      }
    }
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
  const negAcq = (x: number[]) => {
    if (custom) {
      const r = custom.withGrad(x);
      return { value: -r.value, grad: r.grad.map((g) => -g) };
    }
    const p = gp.predict(x, true);
    const a = acquisition(kind, p.mean, p.sd, best, param);
    const grad = x.map((_, j) => -(a.dMean * p.dMean![j] + a.dSd * p.dSd![j]));
    return { value: -a.value, grad };
  };
  if (space.free.some(Boolean)) {
    for (const start of starts) {
      const lower = start.map((v, j) => (space.free[j] ? 0 : v));
      const upper = start.map((v, j) => (space.free[j] ? 1 : v));
      const res = minimizeBox(negAcq, start, lower, upper, { maxIter: 30, initialStep: 0.05 });
      const x = snap(space, res.x);
      scored.push({ x, value: score(x) });
    }
    scored.sort((a, b) => b.value - a.value);
  }
  // Discrete neighbourhood search from the best point: one index up or down, or another category.
  if (space.coords.some((c) => c.type !== 'continuous' || c.q)) {
    let cur = scored[0];
    for (let round = 0; round < 3; round++) {
      let improved = false;
      for (const c of space.coords) {
        const moves: number[][] = [];
        if (c.type === 'ordinal' || (c.type === 'continuous' && c.q)) {
          const stepSize = c.type === 'ordinal' ? 1 / (c.count - 1) : 0.02;
          for (const dir of [-1, 1]) {
            const x = [...cur.x];
            x[c.at] += dir * stepSize;
            moves.push(snap(space, x));
          }
        } else if (c.type === 'categorical') {
          for (let to = 0; to < c.count; to++) {
            if (cur.x[c.at + to] === 1) continue;
            const x = [...cur.x];
            for (let i = 0; i < c.count; i++) x[c.at + i] = i === to ? 1 : 0;
            moves.push(x);
          }
        }
        for (const x of moves) {
          const value = score(x);
          if (value > cur.value) {
            cur = { x, value };
            improved = true;
          }
        }
      }
      if (!improved) break;
    }
    if (cur !== scored[0]) scored.unshift(cur);
  }
  return scored;
}
