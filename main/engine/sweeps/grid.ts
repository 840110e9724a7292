// Grid search (SPEC §1.11): the cartesian product of the matrix in key (file) order, the last key varying
// fastest, like itertools.product; n_experiments keeps the first N, with no shuffling.
import { enumerate, type MatrixValue } from '../../../shared/polyaxonfile';

/** The first `nExperiments` grid points (all of them when unset or larger than the grid). */
export function gridSuggestions(
  matrix: Record<string, MatrixValue>,
  nExperiments?: number,
): Array<Record<string, unknown>> {
  const keys = Object.keys(matrix);
  const dims = keys.map((key) => {
    const values = enumerate(matrix[key]);
    if (values === null) {
      throw new Error(
        `grid search cannot enumerate \`${key}\`: ${matrix[key].kind} is a continuous distribution`,
      );
    }
    return values;
  });
  const size = dims.reduce((n, d) => n * d.length, 1);
  const count = nExperiments === undefined ? size : Math.min(size, Math.max(0, Math.floor(nExperiments)));
  const out: Array<Record<string, unknown>> = [];
  // Decoding the index in mixed radix builds only the points kept, however large the grid is.
  for (let index = 0; index < count; index++) {
    const point: Record<string, unknown> = {};
    let rest = index;
    for (let d = dims.length - 1; d >= 0; d--) {
      const len = dims[d].length;
      Object.defineProperty(point, keys[d], {
        value: dims[d][rest % len],
        enumerable: true,
        writable: true,
        configurable: true,
      });
      rest = Math.floor(rest / len);
    }
    out.push(reorder(point, keys));
  }
  return out;
}

/** Keys in matrix order (the decode above fills them last-first). */
function reorder(point: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys)
    Object.defineProperty(out, k, { value: point[k], enumerable: true, writable: true, configurable: true });
  return out;
}
