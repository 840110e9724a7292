// How TPE sees each matrix kind: a Parzen dimension in an internal space, with the maps from a param's value
// to that space (for observations) and back (for the suggestion).
import { enumerate, pvalueWeights, quantize, type MatrixValue } from '../../../shared/polyaxonfile';
import type { ParzenDim } from './parzen';

/** Unbounded kinds (normal, lognormal and their q-kinds) are modelled on loc ± 4·scale. */
export const NORMAL_SPAN = 4;

export type Dimension =
  | { kind: 'fixed'; value: unknown }
  | {
      kind: 'model';
      parzen: ParzenDim;
      /** An observed value in the internal space; null when it cannot be placed (then it is left out). */
      toInternal(value: unknown): number | null;
      fromInternal(x: number): unknown;
    };

/** A text that equal values share whatever their key order (lists and maps as categories). */
export function valueKey(v: unknown): string {
  const canon = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(canon);
    if (x && typeof x === 'object') {
      return Object.keys(x)
        .sort()
        .map((k) => [k, canon((x as Record<string, unknown>)[k])]);
    }
    if (typeof x === 'number') return Object.is(x, -0) ? 0 : Number.isFinite(x) ? x : String(x);
    return x === undefined ? '\u0000undefined' : x;
  };
  return `${typeof v}:${JSON.stringify(canon(v))}`;
}

const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

export function dimensionOf(key: string, v: MatrixValue): Dimension {
  switch (v.kind) {
    case 'uniform':
    case 'quniform':
      return continuous(key, Math.min(v.low, v.high), Math.max(v.low, v.high), false, qOf(v));
    case 'loguniform':
    case 'qloguniform':
      // Polyaxon's bounds are natural-log exponents: the values span [exp(low), exp(high)] on a log scale
      return continuous(key, Math.min(v.low, v.high), Math.max(v.low, v.high), true, qOf(v));
    case 'normal':
    case 'qnormal':
    case 'lognormal':
    case 'qlognormal': {
      const half = NORMAL_SPAN * Math.abs(v.scale);
      const log = v.kind === 'lognormal' || v.kind === 'qlognormal';
      return continuous(key, v.loc - half, v.loc + half, log, qOf(v));
    }
    case 'pvalues':
      return categorical(
        key,
        v.values.map(([x]) => x),
        pvalueWeights(v),
      );
    default: {
      // values lists of numbers and the range kinds are ordered; anything else is a category
      const values = enumerate(v) ?? [];
      if (values.every(isFiniteNumber)) return ordinal(key, values);
      return categorical(
        key,
        values,
        values.map(() => 1),
      );
    }
  }
}

function qOf(v: MatrixValue): number | undefined {
  return 'q' in v ? v.q : undefined;
}

function noValues(key: string): Error {
  return new Error(`TPE cannot suggest \`${key}\`: the matrix gives it no values`);
}

/** Distinct choices (equal ones merge their mass); options without mass are dropped, as random search never
 *  draws them. The prior is the normalised mass: uniform for `values`, the probabilities for `pvalues`. */
function categorical(key: string, items: unknown[], mass: number[]): Dimension {
  const index = new Map<string, number>();
  const choices: unknown[] = [];
  const prior: number[] = [];
  items.forEach((item, i) => {
    if (!(mass[i] > 0)) return;
    const k = valueKey(item);
    const at = index.get(k);
    if (at === undefined) {
      index.set(k, choices.length);
      choices.push(item);
      prior.push(mass[i]);
    } else prior[at] += mass[i];
  });
  if (choices.length === 0) throw noValues(key);
  if (choices.length === 1) return { kind: 'fixed', value: choices[0] };
  const total = prior.reduce((s, x) => s + x, 0);
  return {
    kind: 'model',
    parzen: { type: 'categorical', prior: prior.map((x) => x / total) },
    toInternal: (value) => index.get(valueKey(value)) ?? null,
    fromInternal: (x) => choices[x],
  };
}

/** Numeric lists and the range kinds: the sorted distinct values, modelled by their index like Optuna's
 *  IntDistribution (for evenly spaced kinds that is the same model as a float grid with a step; for logspace and
 *  geomspace, the same on a log scale). The suggestion is always an item of `enumerate()` itself. */
function ordinal(key: string, items: number[]): Dimension {
  const sorted = [...new Map(items.map((x) => [x, x])).values()].sort((a, b) => a - b);
  if (sorted.length === 0) throw noValues(key);
  if (sorted.length === 1) return { kind: 'fixed', value: sorted[0] };
  const index = new Map(sorted.map((x, i) => [x, i]));
  return {
    kind: 'model',
    parzen: { type: 'numeric', low: 0, high: sorted.length - 1, step: 1 },
    toInternal: (value) => {
      if (!isFiniteNumber(value)) return null;
      const exact = index.get(value);
      if (exact !== undefined) return exact;
      // not one of the points (e.g. written by hand): the nearest one
      let best = 0;
      sorted.forEach((x, i) => {
        if (Math.abs(x - value) < Math.abs(sorted[best] - value)) best = i;
      });
      return best;
    },
    fromInternal: (x) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(x)))],
  };
}

/** The largest double below x: the continuous kinds draw from [low, high). */
function nextDown(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  buf.setBigInt64(0, buf.getBigInt64(0) + (x > 0 ? -1n : 1n));
  return buf.getFloat64(0);
}

/** A continuous kind on [lo, hi) in the internal space (ln of the value when `log`), quantised afterwards with
 *  matrix.ts's floor `quantize` when `q` is set. A quantised observation v stands for the whole bucket
 *  [v, v + q) the floor maps to v, so it is placed at the bucket's centre v + q/2. */
function continuous(key: string, lo: number, hi: number, log: boolean, q: number | undefined): Dimension {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new Error(`TPE cannot suggest \`${key}\`: its bounds must be finite, found [${lo}, ${hi}]`);
  }
  const toValue = (x: number) => {
    const v = log ? Math.exp(x) : x;
    return q === undefined ? v : quantize(v, q);
  };
  if (!(hi > lo)) return { kind: 'fixed', value: toValue(lo) };
  const top = nextDown(hi);
  const shift = q !== undefined && q > 0 ? q / 2 : 0;
  return {
    kind: 'model',
    parzen: { type: 'numeric', low: lo, high: hi, step: 0 },
    toInternal: (value) => {
      if (!isFiniteNumber(value)) return null;
      const v = value + shift;
      const x = log ? (v > 0 ? Math.log(v) : lo) : v;
      return Math.min(hi, Math.max(lo, x));
    },
    fromInternal: (x) => toValue(Math.min(top, Math.max(lo, x))),
  };
}
