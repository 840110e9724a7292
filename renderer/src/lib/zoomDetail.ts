// Zoom that reads finer data: the chart first shows the engine's overview of the whole run (at most
// MAX_POINTS buckets per line); a zoomed view of a downsampled series asks experiments.metricSeries for its
// step range alone, which comes back in buckets as fine as the range allows, and is spliced into the
// overview. Pure, so when the engine is asked is unit-tested (test/unit/metric-panels.test.ts).

export interface StepPoint {
  step: number;
  ts: number;
  value: number;
  min: number;
  max: number;
}

/** The range the detail was read for, and whether it holds every point there (nothing bucketed). */
export interface DetailRange {
  from: number;
  to: number;
  complete: boolean;
}

export type ZoomDecision =
  { kind: 'overview' } | { kind: 'keep' } | { kind: 'fetch'; fromStep: number; toStep: number };

/**
 * What a chart does when its visible step range becomes `view` (null: reset to the whole run).
 * - the whole run (or no zoom): back to the overview;
 * - nothing was downsampled: the overview already has every point, keep it;
 * - a detail read covers the view and is still fine enough there (complete, or the view is at least a
 *   quarter of what it was read for, so at least a quarter of its buckets are on screen): keep it;
 * - else read the view widened by `pad` of its width on each side (clamped to the run), so that panning a
 *   little does not read again.
 */
export function zoomDecision(
  view: readonly [number, number] | null,
  o: { extent: readonly [number, number]; downsampled: boolean; detail: DetailRange | null; pad?: number },
): ZoomDecision {
  const [lo, hi] = o.extent;
  if (!view || (view[0] <= lo && view[1] >= hi)) return { kind: 'overview' };
  if (!o.downsampled) return { kind: 'keep' };
  const [a, b] = view;
  const d = o.detail;
  if (d && d.from <= a && d.to >= b && (d.complete || (b - a) * 4 >= d.to - d.from)) return { kind: 'keep' };
  const pad = (o.pad ?? 0.5) * (b - a);
  return {
    kind: 'fetch',
    fromStep: Math.max(lo, Math.floor(a - pad)),
    toStep: Math.min(hi, Math.ceil(b + pad)),
  };
}

/** The overview with the points of [from, to] replaced by the detail read for that range. */
export function mergeDetail<P extends { step: number }>(
  overview: P[],
  detail: P[],
  from: number,
  to: number,
): P[] {
  return [...overview.filter((p) => p.step < from), ...detail, ...overview.filter((p) => p.step > to)];
}

/** How many of the sorted x values lie in [min, max]. */
export function countInRange(xs: ArrayLike<number>, min: number, max: number): number {
  let n = 0;
  for (let i = 0; i < xs.length; i++) if (xs[i] >= min && xs[i] <= max) n++;
  return n;
}

/**
 * Several lines' [x, ...columns] tables on one x axis (the union of their x values, sorted), with null where
 * a line has no point. Within a line a repeated x keeps its last row (samples with the same timestamp).
 */
export function alignColumns(tables: Array<{ x: number[]; cols: Array<Array<number | null>> }>): {
  x: number[];
  cols: Array<Array<number | null>>;
} {
  const xs = [...new Set(tables.flatMap((t) => t.x))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const cols: Array<Array<number | null>> = [];
  for (const t of tables)
    for (const c of t.cols) {
      const out = new Array<number | null>(xs.length).fill(null);
      t.x.forEach((x, i) => (out[at.get(x)!] = c[i]));
      cols.push(out);
    }
  return { x: xs, cols };
}
