// Random search (SPEC §1.11): N unique suggestions, each dimension drawn from its own distribution. When
// every dimension is discrete, N is capped at the number of distinct points (Polyaxon issue #193, where
// sampling looped forever; fixture matrix_file_ignored_n_experiments: 300 asked, 10 given).
import { enumerate, isDiscrete, pvalueWeights, sample, type MatrixValue } from '../../../shared/polyaxonfile';
import type { Rng } from '../../../shared/random';

/** A canonical text of a suggestion, so equal params compare equal whatever their key order. */
function keyOf(point: Record<string, unknown>): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object') {
      return Object.keys(v)
        .sort()
        .map((k) => [k, canon((v as Record<string, unknown>)[k])]);
    }
    return typeof v === 'number' && Object.is(v, -0) ? 0 : v;
  };
  return JSON.stringify(Object.keys(point).map((k) => [k, canon(point[k])]));
}

/** The values a discrete dimension can actually produce: pvalues options with no mass never come up. */
function reachable(v: MatrixValue): unknown[] {
  if (v.kind === 'pvalues') {
    const w = pvalueWeights(v);
    return v.values.filter((_, i) => w[i] > 0).map(([value]) => value);
  }
  return enumerate(v) ?? [];
}

function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The distinct values of each dimension when every one is discrete, else null (a continuous dimension: no cap). */
function discreteDims(matrix: Record<string, MatrixValue>): unknown[][] | null {
  const keys = Object.keys(matrix);
  if (!keys.every((k) => isDiscrete(matrix[k]))) return null;
  return keys.map((k) => dedupe(reachable(matrix[k])));
}

/** How many suggestions a random search of `n` makes: `n`, capped at the size of an all-discrete space.
 *  What `randomSuggestions` returns and what `axon check` and `axon run` announce (sweeps/planned.ts). */
export function randomSearchSize(matrix: Record<string, MatrixValue>, n: number): number {
  return capped(discreteDims(matrix), n);
}

function capped(dims: unknown[][] | null, n: number): number {
  const target = Math.max(0, Math.floor(n));
  return dims
    ? Math.min(
        target,
        dims.reduce((size, d) => size * d.length, 1),
      )
    : target;
}

/** Up to `n` distinct suggestions, deterministic for a given generator state. */
export function randomSuggestions(
  matrix: Record<string, MatrixValue>,
  n: number,
  rng: Rng,
): Array<Record<string, unknown>> {
  const keys = Object.keys(matrix);
  const dims = discreteDims(matrix);
  const target = capped(dims, n);
  const out: Array<Record<string, unknown>> = [];
  const seen = new Set<string>();
  const add = (point: Record<string, unknown>) => {
    const key = keyOf(point);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(point);
  };
  // Rejection sampling, as Polyaxon does; the budget only matters for nearly exhausted discrete spaces.
  const budget = 100 * target + 1000;
  for (let attempt = 0; attempt < budget && out.length < target; attempt++) {
    const point: Record<string, unknown> = {};
    for (const k of keys) setKey(point, k, sample(matrix[k], rng));
    add(point);
  }
  // Out of luck in a discrete space (e.g. a very unlikely pvalues option): complete it in grid order.
  if (dims && out.length < target) {
    const total = dims.reduce((size, d) => size * d.length, 1);
    for (let index = 0; index < total && out.length < target; index++) {
      const point: Record<string, unknown> = {};
      let rest = index;
      const values: unknown[] = new Array(dims.length);
      for (let d = dims.length - 1; d >= 0; d--) {
        values[d] = dims[d][rest % dims[d].length];
        rest = Math.floor(rest / dims[d].length);
      }
      keys.forEach((k, d) => setKey(point, k, values[d]));
      add(point);
    }
  }
  return out;
}

function dedupe(values: unknown[]): unknown[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = JSON.stringify(v) ?? String(v);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
