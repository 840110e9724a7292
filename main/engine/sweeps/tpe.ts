// TPE (Bergstra et al. 2011) as Optuna 5.0's TPESampler runs it: random until n_startup_trials finished, then
// jointly (`multivariate`, the default) or per param Parzen estimators l(x) on the best gamma(n) observations and
// g(x) on the rest; the suggestion is the candidate drawn from l maximising log l(x) - log g(x). Given the same
// uniforms it suggests exactly what Optuna does (bench/hpo/tpe-inprocess.ts --rng numpy); the one default that
// differs is `pooled_magic_clip` (the kernels' minimum width; `false` is Optuna's). See docs/sweeps.md (TPE).
import { sample, type MatrixValue } from '../../../shared/polyaxonfile';
import type { Rng } from '../../../shared/random';
import { ParzenEstimator, type ParzenParams } from './parzen';
import { dimensionOf } from './space';
import type { Observation } from './types';

export interface TpeOptions {
  nStartupTrials: number;
  nEiCandidates: number;
  /** The size of the "below" (good) set for n finished observations; Optuna's default_gamma when unset. */
  gamma?: (n: number) => number;
  priorWeight: number;
  considerMagicClip: boolean;
  considerEndpoints: boolean;
  multivariate: boolean;
  constantLiar: boolean;
  /** The magic clip counts sqrt(own · all) observations rather than the estimator's own (parzen.ts); unset: on
   *  with `multivariate`, off without (Optuna 4's univariate TPE exactly). `false`: Optuna's clip. */
  pooledMagicClip?: boolean;
}

/** Optuna's default_gamma: min(ceil(0.1·n), 25). */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** Optuna 5.0's defaults for one objective: multivariate and the constant liar on (Optuna 4 had both off). The
 *  joint model did better on Hartmann-6 and Rosenbrock here (bench/hpo); the liar keeps parallel suggestions
 *  apart in groups with concurrency > 1. `multivariate: false` gives Optuna 4's independent TPE. Axon's own
 *  default on top: the pooled magic clip with the multivariate model (`pooled_magic_clip: false` is Optuna 5's
 *  TPE exactly). */
export const TPE_DEFAULTS: TpeOptions = Object.freeze({
  nStartupTrials: 10,
  nEiCandidates: 24,
  gamma: defaultGamma,
  priorWeight: 1.0,
  considerMagicClip: true,
  considerEndpoints: false,
  multivariate: true,
  constantLiar: true,
  pooledMagicClip: undefined,
});

type OptionKey = Exclude<keyof TpeOptions, 'gamma'>;
const OPTION_KEYS: Array<[OptionKey, string, 'count' | 'positive' | 'weight' | 'boolean']> = [
  ['nStartupTrials', 'n_startup_trials', 'count'],
  ['nEiCandidates', 'n_ei_candidates', 'positive'],
  ['priorWeight', 'prior_weight', 'weight'],
  ['considerMagicClip', 'consider_magic_clip', 'boolean'],
  ['considerEndpoints', 'consider_endpoints', 'boolean'],
  ['multivariate', 'multivariate', 'boolean'],
  ['constantLiar', 'constant_liar', 'boolean'],
  ['pooledMagicClip', 'pooled_magic_clip', 'boolean'],
];
const EXPECTED = {
  count: 'an integer >= 0',
  positive: 'an integer >= 1',
  weight: 'a finite number >= 0',
  boolean: 'true or false',
};

/** The options from a polyaxonfile's free-form `tpe:` map, snake_case or camelCase. Keys that are not TPE's
 *  (metric, n_experiments, numRuns, n_iterations, hyperopt's algorithm...) are the caller's and are ignored;
 *  null means the default. A value of the wrong type throws, naming the key. */
export function tpeOptions(raw: Record<string, unknown> | undefined): TpeOptions {
  const opts: TpeOptions = { ...TPE_DEFAULTS };
  if (raw === undefined || raw === null) return opts;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`tpe options: expected a map of options, found ${JSON.stringify(raw)}`);
  }
  for (const [camel, snake, type] of OPTION_KEYS) {
    const given = [snake, camel].filter(
      (k) => Object.hasOwn(raw, k) && raw[k] !== null && raw[k] !== undefined,
    );
    if (given.length === 0) continue;
    if (given.length === 2 && raw[snake] !== raw[camel]) {
      throw new Error(`tpe options: \`${snake}\` and \`${camel}\` are the same option and disagree`);
    }
    const key = given[0];
    const value = raw[key];
    const ok =
      type === 'boolean'
        ? typeof value === 'boolean'
        : typeof value === 'number' &&
          Number.isFinite(value) &&
          (type === 'weight'
            ? value >= 0
            : Number.isInteger(value) && value >= (type === 'positive' ? 1 : 0));
    if (!ok)
      throw new Error(`tpe options: \`${key}\` expected ${EXPECTED[type]}, found ${JSON.stringify(value)}`);
    (opts as unknown as Record<string, unknown>)[camel] = value;
  }
  return opts;
}

function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Optuna's _split_trials: the best gamma(n) complete observations (by value), topped up with the best pruned
 *  ones (by their last intermediate value), are "below"; the others, and running ones under the constant liar,
 *  are "above". Failed ones are ignored. Both lists keep creation order (the recency weights need it). */
export function splitObservations(
  observations: Observation[],
  gamma: (n: number) => number,
  constantLiar: boolean,
): { below: Observation[]; above: Observation[] } {
  const indexed = observations.map((o, i) => ({ o, i }));
  // a missing or NaN value ranks last, as Optuna ranks a NaN intermediate value
  const score = (o: Observation) =>
    typeof o.value === 'number' && !Number.isNaN(o.value) ? o.value : Infinity;
  const ranked = (state: Observation['state']) =>
    indexed.filter((x) => x.o.state === state).sort((a, b) => score(a.o) - score(b.o) || a.i - b.i);
  const complete = ranked('complete');
  const pruned = ranked('pruned');
  const running = constantLiar ? indexed.filter((x) => x.o.state === 'running') : [];
  const n = complete.length + pruned.length;
  const nBelow = Math.min(n, Math.max(0, Math.floor(gamma(n)) || 0));
  const finished = [...complete, ...pruned];
  const byCreation = (list: Array<{ o: Observation; i: number }>) =>
    list.sort((a, b) => a.i - b.i).map((x) => x.o);
  return {
    below: byCreation(finished.slice(0, nBelow)),
    above: byCreation([...finished.slice(nBelow), ...running]),
  };
}

/** One suggestion: a value for every matrix key, in matrix order. The same observations and generator state give
 *  the same suggestion; the generator is advanced. */
export function suggestTpe(
  matrix: Record<string, MatrixValue>,
  observations: Observation[],
  rng: Rng,
  opts: TpeOptions = TPE_DEFAULTS,
): Record<string, unknown> {
  const keys = Object.keys(matrix);
  const out: Record<string, unknown> = {};
  const finished = observations.filter((o) => o.state === 'complete' || o.state === 'pruned').length;
  if (finished < opts.nStartupTrials) {
    for (const k of keys) setKey(out, k, sample(matrix[k], rng));
    return out;
  }
  const dims = keys.map((k) => dimensionOf(k, matrix[k]));
  const { below, above } = splitObservations(observations, opts.gamma ?? defaultGamma, opts.constantLiar);
  const params: ParzenParams = {
    priorWeight: opts.priorWeight,
    considerMagicClip: opts.considerMagicClip,
    considerEndpoints: opts.considerEndpoints,
    multivariate: opts.multivariate,
  };
  const pooled = opts.pooledMagicClip ?? opts.multivariate;
  // Single-valued params need no model (Optuna leaves them out of the search space too).
  const modelled = keys.map((_, i) => i).filter((i) => dims[i].kind === 'model');
  const groups = opts.multivariate ? [modelled] : modelled.map((i) => [i]);
  const chosen = new Map<number, unknown>();
  for (const group of groups) {
    if (group.length === 0) continue;
    const models = group.map((i) => {
      const d = dims[i];
      if (d.kind !== 'model') throw new Error('unreachable: a fixed dimension in a model group');
      return d;
    });
    // An observation takes part only where every param of the group can be placed (Optuna's
    // _get_internal_repr skips trials missing a param).
    const rows = (list: Observation[]) =>
      list.flatMap((o) => {
        const row = models.map((m, j) =>
          Object.hasOwn(o.params, keys[group[j]]) ? m.toInternal(o.params[keys[group[j]]]) : null,
        );
        return row.every((x) => x !== null) ? [row as number[]] : [];
      });
    const parzenDims = models.map((m) => m.parzen);
    const belowRows = rows(below);
    const aboveRows = rows(above);
    const fit = pooled ? { ...params, pooledCount: belowRows.length + aboveRows.length } : params;
    const l = new ParzenEstimator(parzenDims, belowRows, fit);
    const g = new ParzenEstimator(parzenDims, aboveRows, fit);
    const candidates = l.sample(rng, opts.nEiCandidates);
    const ll = l.logPdf(candidates);
    const lg = g.logPdf(candidates);
    let best = 0;
    let bestScore = -Infinity;
    candidates.forEach((_, c) => {
      const s = ll[c] - lg[c];
      if (s > bestScore) [best, bestScore] = [c, s]; // the first maximum, as np.argmax
    });
    group.forEach((i, j) => {
      const d = models[j];
      chosen.set(i, d.fromInternal(candidates[best][j]));
    });
  }
  keys.forEach((k, i) => {
    const d = dims[i];
    setKey(out, k, d.kind === 'fixed' ? d.value : chosen.get(i));
  });
  return out;
}
