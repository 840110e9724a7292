// The matrix value kinds (SPEC §1.10) with numpy's exact semantics: what a kind enumerates to, and how
// one value is drawn from it.
import type { MatrixKind, MatrixValue } from './types';
import type { Rng } from '../random';

export const DISCRETE_KINDS: readonly MatrixKind[] = [
  'values',
  'pvalues',
  'range',
  'linspace',
  'logspace',
  'geomspace',
];
export const CONTINUOUS_KINDS: readonly MatrixKind[] = [
  'uniform',
  'quniform',
  'loguniform',
  'qloguniform',
  'normal',
  'qnormal',
  'lognormal',
  'qlognormal',
];
export const MATRIX_KINDS: readonly MatrixKind[] = [...DISCRETE_KINDS, ...CONTINUOUS_KINDS];

/** Enumerable: values, pvalues and the range kinds. */
export function isDiscrete(v: MatrixValue): boolean {
  return DISCRETE_KINDS.includes(v.kind);
}

export function isContinuous(v: MatrixValue): boolean {
  return CONTINUOUS_KINDS.includes(v.kind);
}

/** pvalues and the continuous kinds: grid search rejects these. */
export function isDistribution(v: MatrixValue): boolean {
  return v.kind === 'pvalues' || isContinuous(v);
}

/** `np.arange`: stop is exclusive; length `ceil((stop - start) / step)`, items `start + i * delta` where
 *  numpy's fill uses `delta = (start + step) - start`. */
export function arange(start: number, stop: number, step: number): number[] {
  const n = Math.ceil((stop - start) / step);
  if (!(n > 0)) return [];
  const out = [start];
  if (n > 1) out.push(start + step);
  const delta = start + step - start;
  for (let i = 2; i < n; i++) out.push(start + i * delta);
  return out;
}

/** `np.linspace` with both ends included; the last item is exactly `stop`. */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num <= 0) return [];
  if (num === 1) return [start];
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(step === 0 ? (i / div) * delta + start : i * step + start);
  out[num - 1] = stop;
  return out;
}

/** `np.logspace`: the bounds are exponents of `base`. */
export function logspace(start: number, stop: number, num: number, base = 10): number[] {
  return linspace(start, stop, num).map((y) => Math.pow(base, y));
}

/** `np.geomspace`: actual bounds, both included exactly; both negative is mirrored like numpy does. */
export function geomspace(start: number, stop: number, num: number): number[] {
  if (start === 0 || stop === 0) throw new Error('Geometric sequence cannot include zero');
  const sign = start < 0 && stop < 0 ? -1 : 1;
  const a = start * sign;
  const b = stop * sign;
  const out = logspace(Math.log10(a), Math.log10(b), num);
  if (num > 0) out[0] = a;
  if (num > 1) out[num - 1] = b;
  return out.map((x) => x * sign);
}

/** Python's float `a // b` (CPython float_floor_div): exact floor of the true quotient, which can differ
 *  from `Math.floor(a / b)` when the division rounds up to an integer (e.g. `1 // 0.1 == 9.0`). */
export function pyFloorDiv(a: number, b: number): number {
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod && b < 0 !== mod < 0) div -= 1;
  if (div) {
    let floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
    return floordiv;
  }
  return 0 * (a / b); // a signed zero, as Python returns
}

/** numpy's `np.round(x // q) * q`: a floor quantisation (SPEC ⚠: not the `round(x / q) * q` of the docs). */
export function quantize(x: number, q: number): number {
  return pyFloorDiv(x, q) * q;
}

/** Every value a discrete kind can take, in order; null for the continuous kinds. */
export function enumerate(v: MatrixValue): unknown[] | null {
  switch (v.kind) {
    case 'values':
      return [...v.values];
    case 'pvalues':
      return v.values.map(([value]) => value);
    case 'range':
      return arange(v.start, v.stop, v.step);
    case 'linspace':
      return linspace(v.start, v.stop, v.num);
    case 'logspace':
      return logspace(v.start, v.stop, v.num, v.base);
    case 'geomspace':
      return geomspace(v.start, v.stop, v.num);
    default:
      return null;
  }
}

/** The number of grid points: the product of the dimensions' sizes; null when a dimension is continuous. */
export function spaceSize(matrix: Record<string, MatrixValue>): number | null {
  let size = 1;
  for (const v of Object.values(matrix)) {
    const values = enumerate(v);
    if (values === null) return null;
    size *= values.length;
  }
  return size;
}

/** pvalues probabilities as numpy's multinomial uses them: the last option takes the remaining mass. */
export function pvalueWeights(v: Extract<MatrixValue, { kind: 'pvalues' }>): number[] {
  const ps = v.values.map(([, p]) => p);
  if (ps.length === 0) return [];
  const head = ps.slice(0, -1);
  const rest = 1 - head.reduce((a, b) => a + b, 0);
  return [...head, Math.max(0, rest)];
}

/** One draw, as Polyaxon's `MatrixConfig.sample()`:
 *  - values and the range kinds: a uniform choice among the enumerated values;
 *  - pvalues: a multinomial draw where the last option takes the leftover mass;
 *  - uniform in [low, high); loguniform = exp(uniform(low, high)); normal(loc, scale); lognormal = exp(normal);
 *  - q-kinds quantise with numpy's floor `round(x // q) * q`. qlognormal is quantised as Polyaxon v1 does;
 *    Polyaxon 0.4.4 ignored q there (it returned exp(lognormal)), a bug Axon does not reproduce. */
export function sample(v: MatrixValue, rng: Rng): unknown {
  switch (v.kind) {
    case 'pvalues': {
      const weights = pvalueWeights(v);
      const u = rng.next();
      let acc = 0;
      for (let i = 0; i < weights.length - 1; i++) {
        acc += weights[i];
        if (u < acc) return v.values[i][0];
      }
      return v.values[v.values.length - 1]?.[0];
    }
    case 'uniform':
      return rng.uniform(v.low, v.high);
    case 'quniform':
      return quantize(rng.uniform(v.low, v.high), v.q);
    case 'loguniform':
      return Math.exp(rng.uniform(v.low, v.high));
    case 'qloguniform':
      return quantize(Math.exp(rng.uniform(v.low, v.high)), v.q);
    case 'normal':
      return v.loc + v.scale * rng.normal();
    case 'qnormal':
      return quantize(v.loc + v.scale * rng.normal(), v.q);
    case 'lognormal':
      return Math.exp(v.loc + v.scale * rng.normal());
    case 'qlognormal':
      return quantize(Math.exp(v.loc + v.scale * rng.normal()), v.q);
    default: {
      const values = enumerate(v) ?? [];
      if (values.length === 0) throw new Error(`matrix ${v.kind} has no values to sample from`);
      return values[rng.int(values.length)];
    }
  }
}
