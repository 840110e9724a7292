// Pure pieces of the parallel-coordinates chart: one axis per param (linear, log or categorical) and the
// metric, positions in [0, 1] (0 at the bottom), ticks, brushes (ranges in [0, 1] per axis) and the colour
// ramp. No DOM here, so the unit tests run them in Node.
import type { SweepParam } from '../../../shared/api';
import { formatNumber } from './format';
import { DISCRETE_KINDS as MATRIX_DISCRETE_KINDS } from '../../../shared/polyaxonfile/matrix';

export type AxisScale = 'linear' | 'log' | 'categorical';

export interface PcAxis {
  key: string;
  label: string;
  scale: AxisScale;
  /** Numeric axes: the value at the bottom and at the top. */
  domain: [number, number];
  /** Categorical axes: the labels, bottom to top; a value's category is `categoryKey(value)`. */
  categories: string[];
  isMetric: boolean;
  /** A discrete numeric param (values, range, linspace, logspace, geomspace, the resource): its ticks are
   * the values the experiments have, when there are few. */
  ticksAt?: number[];
}

/** One experiment as the chart draws it: its value on each axis, by axis key. */
export interface PcRow {
  id: number;
  values: Record<string, unknown>;
}

/** A brushed range on one axis, as positions in [0, 1] (lo ≤ hi). */
export interface Brush {
  lo: number;
  hi: number;
}

export const categoryKey = (v: unknown): string => (typeof v === 'string' ? v : formatNumber(v));

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Builds one axis from every value seen on it (unfinished experiments included, so the axes stay put while
 * a sweep runs). `scale` comes from the matrix kind; log falls back to linear when a value is not above 0,
 * and a numeric axis with any value that is not a number becomes categorical.
 */
export function buildAxis(
  key: string,
  values: unknown[],
  opts: {
    scale?: AxisScale;
    categories?: unknown[];
    label?: string;
    isMetric?: boolean;
    discrete?: boolean;
  } = {},
): PcAxis {
  const present = values.filter((v) => v !== undefined && v !== null);
  let scale: AxisScale = opts.scale ?? 'linear';
  if (scale !== 'categorical' && !present.every(finite)) scale = 'categorical';
  // A log axis needs values, all above 0 (an empty one would span [0, 1], and log(0) has no ticks).
  if (scale === 'log' && (!present.length || !present.every((v) => (v as number) > 0))) scale = 'linear';
  const base = { key, label: opts.label ?? key, isMetric: !!opts.isMetric };
  if (scale === 'categorical') {
    const cats: string[] = [];
    const add = (v: unknown) => {
      const k = categoryKey(v);
      if (!cats.includes(k)) cats.push(k);
    };
    (opts.categories ?? []).forEach(add);
    const seen = [...new Set(present.map(categoryKey))].filter((k) => !cats.includes(k));
    seen.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    seen.forEach(add);
    return { ...base, scale, domain: [0, Math.max(0, cats.length - 1)], categories: cats };
  }
  const nums = present as number[];
  let lo = nums.length ? Math.min(...nums) : 0;
  let hi = nums.length ? Math.max(...nums) : 1;
  if (lo === hi) {
    if (scale === 'log') {
      lo /= 2;
      hi *= 2;
    } else {
      const d = Math.abs(lo) * 0.1 || 1;
      lo -= d;
      hi += d;
    }
  }
  const distinct = [...new Set(nums)].sort((a, b) => a - b);
  const ticksAt = opts.discrete && distinct.length <= 12 ? distinct : undefined;
  return { ...base, scale, domain: [lo, hi], categories: [], ...(ticksAt ? { ticksAt } : {}) };
}

/** Matrix kinds whose values are a short list of numbers (and the resource, and a mapping's keys). */
export const DISCRETE_KINDS = new Set<string>([...MATRIX_DISCRETE_KINDS, 'resource', 'mapping']);

/** The metric gets a log axis when every value is above 0 and they span more than 3 decades. */
export function metricScale(values: number[]): AxisScale {
  const v = values.filter(finite);
  if (!v.length || v.some((x) => x <= 0)) return 'linear';
  return Math.max(...v) / Math.min(...v) > 1000 ? 'log' : 'linear';
}

/** The axes of a group: its params in the search's order (from groups.sweep, else what the experiments
 * carry), then the metric. Param axes span `paramRows` (every experiment), the metric axis `rows`. */
export function buildAxes(
  params: Array<Pick<SweepParam, 'name' | 'values'> & { scale?: AxisScale; kind?: string }>,
  metric: string,
  rows: PcRow[],
  paramRows: PcRow[] = rows,
): PcAxis[] {
  const axes = params.map((p) =>
    buildAxis(
      p.name,
      paramRows.map((r) => r.values[p.name]),
      { scale: p.scale, categories: p.values, discrete: !!p.kind && DISCRETE_KINDS.has(p.kind) },
    ),
  );
  const mv = rows.map((r) => r.values[metric]).filter(finite);
  axes.push(buildAxis(metric, mv, { scale: metricScale(mv), isMetric: true }));
  return axes;
}

/** Where a value sits on the axis, 0 (bottom) … 1 (top); null when it cannot be placed. */
export function position(axis: PcAxis, v: unknown): number | null {
  if (v === undefined || v === null) return null;
  if (axis.scale === 'categorical') {
    const i = axis.categories.indexOf(categoryKey(v));
    if (i < 0) return null;
    return axis.categories.length === 1 ? 0.5 : i / (axis.categories.length - 1);
  }
  if (!finite(v)) return null;
  const [lo, hi] = axis.domain;
  if (axis.scale === 'log') {
    if (v <= 0) return null;
    return (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo));
  }
  return (v - lo) / (hi - lo);
}

/** The value at a position (numeric axes); the nearest category's label on categorical ones. */
export function valueAt(axis: PcAxis, p: number): number | string {
  if (axis.scale === 'categorical') {
    const n = axis.categories.length;
    return axis.categories[Math.max(0, Math.min(n - 1, Math.round(p * Math.max(0, n - 1))))] ?? '';
  }
  const [lo, hi] = axis.domain;
  if (axis.scale === 'log') return Math.exp(Math.log(lo) + p * (Math.log(hi) - Math.log(lo)));
  return lo + p * (hi - lo);
}

/** A brush from values typed in (numeric: lo and hi as numbers; categorical: the first and last category
 * to keep, half a step around each). Null when the input does not make a range. */
export function brushFromValues(axis: PcAxis, a: string, b: string): Brush | null {
  if (axis.scale === 'categorical') {
    const n = axis.categories.length;
    const ia = axis.categories.indexOf(a);
    const ib = axis.categories.indexOf(b);
    if (ia < 0 || ib < 0) return null;
    const half = n > 1 ? 0.5 / (n - 1) : 0.5;
    const at = (i: number) => (n === 1 ? 0.5 : i / (n - 1));
    return {
      lo: Math.max(0, at(Math.min(ia, ib)) - half * 0.99),
      hi: Math.min(1, at(Math.max(ia, ib)) + half * 0.99),
    };
  }
  if (a.trim() === '' || b.trim() === '') return null;
  const pa = position(axis, Number(a));
  const pb = position(axis, Number(b));
  if (pa === null || pb === null) return null;
  // A range beyond the axis still filters by what it covers.
  return { lo: Math.min(pa, pb), hi: Math.max(pa, pb) };
}

/** True when the row is inside every brush (axes without a brush keep everything). */
export function matches(row: PcRow, axes: PcAxis[], brushes: Record<string, Brush>): boolean {
  for (const a of axes) {
    const b = brushes[a.key];
    if (!b) continue;
    const p = position(a, row.values[a.key]);
    if (p === null || p < b.lo - 1e-9 || p > b.hi + 1e-9) return false;
  }
  return true;
}

export interface Tick {
  p: number;
  label: string;
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f >= 7.07 ? 10 : f >= 3.16 ? 5 : f >= 1.41 ? 2 : 1) * mag;
}

const tickLabel = (v: number) => {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e5 ? v.toExponential(0).replace('e+', 'e') : String(Number(v.toPrecision(4)));
};

/** About `count` ticks: round numbers (linear), powers of ten (log, with 2 and 5 when few), or every
 * category (thinned to `count` when there are more). */
export function ticks(axis: PcAxis, count = 5): Tick[] {
  if (axis.scale === 'categorical') {
    const n = axis.categories.length;
    const every = Math.max(1, Math.ceil(n / Math.max(2, count * 2)));
    return axis.categories
      .map((label, i) => ({ p: n === 1 ? 0.5 : i / (n - 1), label }))
      .filter((_, i) => i % every === 0 || i === n - 1);
  }
  if (axis.ticksAt?.length) {
    const every = Math.max(1, Math.ceil(axis.ticksAt.length / Math.max(2, count * 2)));
    return axis.ticksAt
      .filter((_, i) => i % every === 0)
      .map((v) => ({ p: position(axis, v)!, label: tickLabel(v) }));
  }
  const [lo, hi] = axis.domain;
  // A domain no tick can be placed on (stale or empty data): its ends, never an endless tick loop.
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo) || (axis.scale === 'log' && !(lo > 0)))
    return Number.isFinite(lo) && Number.isFinite(hi)
      ? [{ p: 0, label: tickLabel(lo) }, ...(hi !== lo ? [{ p: 1, label: tickLabel(hi) }] : [])]
      : [];
  const inside = (v: number) => {
    const p = position(axis, v);
    return p !== null && p >= -1e-9 && p <= 1 + 1e-9;
  };
  if (axis.scale === 'log') {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
    let vs = out.filter(inside);
    if (vs.length < 3) {
      const more: number[] = [];
      for (const p of out) more.push(p, 2 * p, 5 * p);
      vs = more.filter(inside);
    }
    if (vs.length >= 2) {
      const every = Math.max(1, Math.ceil(vs.length / (count + 1)));
      return vs
        .filter((_, i) => i % every === 0)
        .map((v) => ({ p: position(axis, v)!, label: tickLabel(v) }));
    }
    return [lo, hi].map((v) => ({ p: position(axis, v)!, label: tickLabel(v) }));
  }
  const step = niceStep(hi - lo, count);
  const out: Tick[] = [];
  if (!(step > 0) || !Number.isFinite(step)) return out;
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9 && out.length < 100; v += step) {
    const clean = Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12));
    out.push({ p: position(axis, clean)!, label: tickLabel(clean) });
  }
  return out;
}

// Viridis (matplotlib's perceptually uniform sequential map), 9 stops.
const VIRIDIS = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [110, 206, 88],
  [181, 222, 43],
  [253, 231, 37],
];

function viridis(t: number): [number, number, number] {
  const x = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as [number, number, number];
}

/**
 * The colour of a line by its quality q (0 worst … 1 best). The best end is the one that stands out
 * against the theme: dark violet on a light background, bright yellow on a dark one; the other end is cut
 * where it would fade into the background (viridis' green-yellow on white, its blue-violet on near-black).
 */
export function rampColor(q: number, theme: 'light' | 'dark'): string {
  // Cut so that even the worst line keeps 3:1 against the card (WCAG 1.4.11; test/unit/group-charts.test.ts).
  const t = theme === 'dark' ? 0.4 + 0.6 * q : 0.56 * (1 - q);
  const [r, g, b] = viridis(t);
  return `rgb(${r}, ${g}, ${b})`;
}

/** The quality of a metric position: higher is better for maximize, lower for minimize. */
export const quality = (p: number, optimization: 'maximize' | 'minimize') =>
  Math.max(0, Math.min(1, optimization === 'maximize' ? p : 1 - p));

/** Which line is nearest to (x, y), within `tolerance` pixels: the lines' y at x is interpolated between the
 * two axes around x. `xs` are the axes' x; `ys[i]` the line's y on each axis (null: not drawn). */
export function nearestLine(
  xs: number[],
  lines: Array<{ id: number; ys: Array<number | null> }>,
  x: number,
  y: number,
  tolerance = 6,
): number | null {
  if (xs.length < 2 || x < xs[0] - tolerance || x > xs[xs.length - 1] + tolerance) return null;
  let seg = 0;
  while (seg < xs.length - 2 && x > xs[seg + 1]) seg++;
  const f = Math.max(0, Math.min(1, (x - xs[seg]) / (xs[seg + 1] - xs[seg])));
  let best: number | null = null;
  let bestD = tolerance;
  for (const l of lines) {
    const a = l.ys[seg];
    const b = l.ys[seg + 1];
    if (a === null || b === null) continue;
    const d = Math.abs(a + (b - a) * f - y);
    if (d <= bestD) {
      bestD = d;
      best = l.id;
    }
  }
  return best;
}

/**
 * A brush kept in the axis's own values, not in positions: when new experiments widen an axis (a live
 * sweep), the brush still covers the same values, and the table filtered by it keeps the same rows.
 * Numeric axes: a closed range; categorical ones: the categories kept.
 */
export type ValueBrush = { lo: number; hi: number } | { values: string[] };

/** The values a position brush covers on `axis`. */
export function toValueBrush(axis: PcAxis, b: Brush): ValueBrush {
  if (axis.scale === 'categorical')
    return {
      values: axis.categories.filter((c) => {
        const p = position(axis, c);
        return p !== null && p >= b.lo - 1e-9 && p <= b.hi + 1e-9;
      }),
    };
  const a = valueAt(axis, b.lo) as number;
  const z = valueAt(axis, b.hi) as number;
  return { lo: Math.min(a, z), hi: Math.max(a, z) };
}

/** Where a value brush sits on `axis` now (a set of categories: from the lowest to the highest kept, half a
 * step around them); null when nothing of it can be placed (an empty set, a range on a categorical axis). */
export function toPositionBrush(axis: PcAxis, v: ValueBrush): Brush | null {
  if ('values' in v) {
    if (axis.scale !== 'categorical') return null;
    const ps = v.values.map((c) => position(axis, c)).filter((p): p is number => p !== null);
    if (!ps.length) return null;
    const n = axis.categories.length;
    const half = n > 1 ? (0.5 / (n - 1)) * 0.99 : 0.5;
    return { lo: Math.max(0, Math.min(...ps) - half), hi: Math.min(1, Math.max(...ps) + half) };
  }
  if (axis.scale === 'categorical') return null;
  const lo = position(axis, v.lo);
  const hi = position(axis, v.hi);
  if (lo === null || hi === null) return null;
  return { lo: Math.min(lo, hi), hi: Math.max(lo, hi) };
}

/** True when `value` is inside the brush: a number within the range (ends included, to rounding), or one
 * of the kept categories. A missing value is never inside. */
export function insideBrush(v: ValueBrush, value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if ('values' in v) return v.values.includes(categoryKey(value));
  if (!finite(value)) return false;
  const tol = 1e-9 * Math.max(1, Math.abs(v.lo), Math.abs(v.hi));
  return value >= v.lo - tol && value <= v.hi + tol;
}

/** True when the row passes every brush (AND across axes); no brushes keep everything. */
export function passesBrushes(values: Record<string, unknown>, brushes: Record<string, ValueBrush>): boolean {
  for (const [key, b] of Object.entries(brushes)) if (!insideBrush(b, values[key])) return false;
  return true;
}

/** The experiments the table shows under the brushes: each one's params and its last value of `metric`
 * (the metric axis), AND across the brushed axes, in the order given. */
export function filterByBrushes<
  T extends { params: Record<string, unknown>; lastMetrics: Record<string, number> },
>(rows: T[], brushes: Record<string, ValueBrush>, metric: string | undefined): T[] {
  if (!Object.keys(brushes).length) return rows;
  return rows.filter((x) =>
    passesBrushes(metric ? { ...x.params, [metric]: x.lastMetrics[metric] } : x.params, brushes),
  );
}
