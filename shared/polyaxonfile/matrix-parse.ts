// Reads one matrix entry (v0 `{kind: args}` or v1 `{kind, value}`) into a MatrixValue, with the checks of
// polyaxon_schemas/ops/matrix.py (v0) and polyflow/matrix/params.py (v1).
import type { MatrixKind, MatrixValue } from './types';
import { show, type Issues, type Path } from './errors';
import { literalEval } from './literal';
import { isPlainObject } from './pyrepr';
import { MATRIX_KINDS } from './matrix';

type RangeKind = Exclude<MatrixKind, 'values' | 'pvalues'>;

const ARGS: Record<RangeKind, { required: string[]; optional: string[] }> = {
  range: { required: ['start', 'stop', 'step'], optional: [] },
  linspace: { required: ['start', 'stop', 'num'], optional: [] },
  logspace: { required: ['start', 'stop', 'num'], optional: ['base'] },
  geomspace: { required: ['start', 'stop', 'num'], optional: [] },
  // `size` is accepted as Polyaxon does, and ignored as it is there (sample() overrides it).
  uniform: { required: ['low', 'high'], optional: ['size'] },
  quniform: { required: ['low', 'high', 'q'], optional: ['size'] },
  loguniform: { required: ['low', 'high'], optional: ['size'] },
  qloguniform: { required: ['low', 'high', 'q'], optional: ['size'] },
  normal: { required: ['loc', 'scale'], optional: ['size'] },
  qnormal: { required: ['loc', 'scale', 'q'], optional: ['size'] },
  lognormal: { required: ['loc', 'scale'], optional: ['size'] },
  qlognormal: { required: ['loc', 'scale', 'q'], optional: ['size'] },
};

const RANGE_KINDS = new Set<MatrixKind>(['range', 'linspace', 'logspace', 'geomspace']);
/** A cap on enumerated values per dimension, so a typo like `0:1:1e-9` cannot exhaust memory. */
export const MAX_VALUES = 1_000_000;

export interface MatrixParseOptions {
  /** v0.4.4 requires first < second for every range-like kind, distributions included (loc < scale is a
   *  0.4.4 bug kept for v0 files); v1 only checks it for range/linspace/logspace/geomspace. */
  orderForDistributions: boolean;
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') {
    const n = literalEval(v.trim());
    return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function parseRangeLike(
  kind: RangeKind,
  raw: unknown,
  path: Path,
  issues: Issues,
  opts: MatrixParseOptions,
): MatrixValue | undefined {
  const { required, optional } = ARGS[kind];
  const all = [...required, ...optional];
  const shape = `[${required.join(', ')}]`;
  let items: unknown[];
  if (typeof raw === 'string') {
    items = raw.split(':');
  } else if (Array.isArray(raw)) {
    items = raw;
  } else if (isPlainObject(raw)) {
    const missing = required.filter((k) => !(k in raw));
    const unknown = Object.keys(raw).filter((k) => !all.includes(k));
    if (missing.length || unknown.length) {
      issues.add(
        path,
        `a mapping with keys ${all.join(', ')} (${optional.join(', ') || 'none'} optional)`,
        show(raw),
      );
      return undefined;
    }
    items = all.filter((k) => k in raw).map((k) => raw[k]);
  } else {
    issues.add(path, `'${required.join(':')}', ${shape} or {${required.join(', ')}}`, show(raw));
    return undefined;
  }
  if (items.length !== required.length && items.length !== all.length) {
    const counts = optional.length ? `${required.length} or ${all.length}` : `${required.length}`;
    issues.add(path, `${shape} (${counts} numbers)`, show(raw));
    return undefined;
  }
  const nums: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const n = toNumber(items[i]);
    if (n === undefined) {
      issues.add(path, `${shape} of numbers (${all[i]} is not a number)`, show(raw));
      return undefined;
    }
    nums.push(n);
  }
  const [a, b, c] = nums;
  const [k0, k1, k2] = required;
  if ((RANGE_KINDS.has(kind) || opts.orderForDistributions) && !(a < b)) {
    issues.add(path, `${shape} with ${k0} < ${k1}`, show(nums));
    return undefined;
  }
  if (required.length === 3 && c === 0) {
    issues.add(path, `${shape} with ${k2} != 0`, show(nums));
    return undefined;
  }
  return build(kind, nums, path, issues, shape);
}

/** Axon's extra checks, for values numpy would reject or that cannot produce any experiment. */
function build(
  kind: RangeKind,
  nums: number[],
  path: Path,
  issues: Issues,
  shape: string,
): MatrixValue | undefined {
  const [a, b, c, d] = nums;
  const countOk = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_VALUES;
  switch (kind) {
    case 'range': {
      const n = Math.ceil((b - a) / c);
      if (!(n >= 1 && n <= MAX_VALUES)) {
        issues.add(path, `${shape} giving 1 to ${MAX_VALUES} values (step > 0)`, show(nums));
        return undefined;
      }
      return { kind, start: a, stop: b, step: c };
    }
    case 'linspace':
    case 'logspace':
    case 'geomspace':
      if (!countOk(c)) {
        issues.add(path, `${shape} with num an integer from 1 to ${MAX_VALUES}`, show(nums));
        return undefined;
      }
      if (kind === 'geomspace' && !(a * b > 0)) {
        issues.add(path, `${shape} with start and stop non-zero and of the same sign`, show(nums));
        return undefined;
      }
      if (kind === 'logspace') return { kind, start: a, stop: b, num: c, base: d ?? 10 };
      return { kind, start: a, stop: b, num: c };
    case 'uniform':
    case 'loguniform':
      return { kind, low: a, high: b };
    case 'quniform':
    case 'qloguniform':
      return { kind, low: a, high: b, q: c };
    default:
      if (b < 0) {
        issues.add(path, `${shape} with scale >= 0`, show(nums));
        return undefined;
      }
      if (kind === 'normal' || kind === 'lognormal') return { kind, loc: a, scale: b };
      return { kind, loc: a, scale: b, q: c };
  }
}

export function parseValues(raw: unknown, path: Path, issues: Issues): MatrixValue | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    issues.add(path, 'a non-empty list of values', show(raw));
    return undefined;
  }
  return { kind: 'values', values: [...raw] };
}

export function parsePValues(raw: unknown, path: Path, issues: Issues): MatrixValue | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    issues.add(path, 'a non-empty list of [value, probability] pairs', show(raw));
    return undefined;
  }
  const pairs: Array<[unknown, number]> = [];
  let ok = true;
  raw.forEach((item, i) => {
    const p = Array.isArray(item) && item.length === 2 ? item[1] : undefined;
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) {
      issues.add([...path, i], '[value, p] with a probability 0 <= p < 1', show(item));
      ok = false;
    } else {
      pairs.push([(item as unknown[])[0], p]);
    }
  });
  if (!ok) return undefined;
  const sum = pairs.reduce((acc, [, p]) => acc + p, 0);
  // A little slack: Polyaxon compares the float sum exactly, so 0.1 + 0.2 + 0.7 > 1 was rejected there.
  if (sum > 1 + 1e-9) {
    issues.add(path, 'probabilities that sum to at most 1', `a sum of ${sum}`);
    return undefined;
  }
  return { kind: 'pvalues', values: pairs };
}

/** A v0 entry: exactly one kind key ("one and only one option is required"). */
export function parseV0Entry(raw: unknown, path: Path, issues: Issues): MatrixValue | undefined {
  const expected = `exactly one of ${MATRIX_KINDS.join(', ')}`;
  if (!isPlainObject(raw)) {
    issues.add(path, `a mapping with ${expected}`, show(raw));
    return undefined;
  }
  for (const k of Object.keys(raw)) {
    if (!MATRIX_KINDS.includes(k as MatrixKind))
      issues.add([...path, k], `a matrix kind (${MATRIX_KINDS.join(', ')})`, show(k));
  }
  const given = Object.keys(raw).filter((k) => MATRIX_KINDS.includes(k as MatrixKind) && raw[k] !== null);
  if (given.length !== 1) {
    issues.add(path, expected, given.length ? given.join(', ') : 'none');
    return undefined;
  }
  const kind = given[0] as MatrixKind;
  return parseKind(kind, raw[kind], [...path, kind], issues, { orderForDistributions: true });
}

export function parseKind(
  kind: MatrixKind,
  raw: unknown,
  path: Path,
  issues: Issues,
  opts: MatrixParseOptions,
): MatrixValue | undefined {
  if (kind === 'values') return parseValues(raw, path, issues);
  if (kind === 'pvalues') return parsePValues(raw, path, issues);
  return parseRangeLike(kind, raw, path, issues, opts);
}
