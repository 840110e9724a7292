// A metric series as a chart draws it: at most `maxPoints` buckets of consecutive steps, each with its last
// step and time, the mean as the line and the min and max as a band.
//
// Scanning a million points per chart costs about a second in SQLite (a GROUP BY over an expression sorts every
// point), so a long series is read from `metric_rollups` (migration 10): ingest keeps one row per 256 steps
// (count, sum, min, max, step range, last time), and buckets of 256·g steps are merged from those rows here.
// A rollup row that a batch may have counted a step of twice (a step written again, or out of order) is
// `stale` and is recomputed from its points, and written back exact. Only when the buckets asked for are
// much finer than 256 steps (a zoomed range) are the points themselves grouped.
import type { Db } from './db';

export const ROLLUP_SHIFT = 8;
export const ROLLUP_STEPS = 1 << ROLLUP_SHIFT;

export interface SeriesPoint {
  step: number;
  ts: number;
  value: number;
  min: number;
  max: number;
}

export interface MetricSeries {
  key: string;
  /** How many points the series has (in the range) before downsampling. */
  total: number;
  points: SeriesPoint[];
}

export interface StepRange {
  fromStep?: number;
  toStep?: number;
}

interface Agg {
  n: number;
  sum: number;
  min: number;
  max: number;
  max_step: number;
  max_ts: number;
}

const BUCKET_COLUMNS = `count(*) AS n, sum(value) AS sum, min(value) AS min, max(value) AS max,
  max(step) AS max_step, max(ts) AS max_ts`;

export async function downsampled(
  db: Db,
  experimentId: number,
  keys: string[] | undefined,
  maxPoints: number,
  range: StepRange = {},
): Promise<MetricSeries[]> {
  const names = keys?.length
    ? [...new Set(keys)].sort()
    : (
        await db.all<{ key: string }>('SELECT key FROM last_metrics WHERE experiment_id = ? ORDER BY key', [
          experimentId,
        ])
      ).map((r) => r.key);
  const out: MetricSeries[] = [];
  for (const key of names) {
    const s = await oneSeries(db, experimentId, key, maxPoints, range);
    if (s) out.push(s);
  }
  return out;
}

async function oneSeries(
  db: Db,
  experimentId: number,
  key: string,
  maxPoints: number,
  range: StepRange,
): Promise<MetricSeries | null> {
  // Both ends are single seeks in the (experiment_id, key, step) primary key.
  const ends = await db.get<{ lo: number | null; hi: number | null }>(
    `SELECT (SELECT min(step) FROM metrics WHERE experiment_id = ?1 AND key = ?2 AND step >= ?3) AS lo,
            (SELECT max(step) FROM metrics WHERE experiment_id = ?1 AND key = ?2 AND step <= ?4) AS hi`,
    [experimentId, key, range.fromStep ?? -Number.MAX_VALUE, range.toStep ?? Number.MAX_VALUE],
  );
  const lo = ends?.lo ?? null;
  const hi = ends?.hi ?? null;
  if (lo === null || hi === null || lo > hi) return null;
  const raw = async (): Promise<MetricSeries> => {
    const rows = await db.all<{ step: number; ts: number; value: number }>(
      'SELECT step, ts, value FROM metrics WHERE experiment_id = ? AND key = ? AND step BETWEEN ? AND ? ORDER BY step',
      [experimentId, key, lo, hi],
    );
    return { key, total: rows.length, points: rows.map((r) => ({ ...r, min: r.value, max: r.value })) };
  };
  if (hi - lo + 1 <= maxPoints) return raw();

  const width = Math.ceil((hi - lo + 1) / maxPoints);
  // Rollup rows are used as soon as they give at least half the buckets asked for (a chart's width in pixels
  // is about maxPoints: 256-step buckets where 200 were asked look the same, and read thousands of rows, not
  // hundreds of thousands).
  const rollupBuckets = Math.floor(hi / ROLLUP_STEPS) - Math.floor(lo / ROLLUP_STEPS) + 1;
  const buckets =
    rollupBuckets * 2 < maxPoints
      ? await db.all<Agg>(
          `SELECT ${BUCKET_COLUMNS} FROM metrics WHERE experiment_id = ? AND key = ? AND step BETWEEN ? AND ?
           GROUP BY (step - ?) / ? ORDER BY max_step`,
          [experimentId, key, lo, hi, lo, width],
        )
      : await fromRollups(db, experimentId, key, maxPoints, lo, hi, range);
  const total = buckets.reduce((t, b) => t + b.n, 0);
  // A sparse series that fits is sent as it is, as it always was.
  if (total <= maxPoints && buckets.some((b) => b.n > 1)) return raw();
  return {
    key,
    total,
    points: buckets.map((b) => ({
      step: b.max_step,
      ts: b.max_ts,
      value: b.sum / b.n,
      min: b.min,
      max: b.max,
    })),
  };
}

/** Buckets of g rollup rows each (g chosen so that there are at most maxPoints), in step order. */
async function fromRollups(
  db: Db,
  experimentId: number,
  key: string,
  maxPoints: number,
  lo: number,
  hi: number,
  range: StepRange,
): Promise<Agg[]> {
  const bLo = Math.floor(lo / ROLLUP_STEPS);
  const bHi = Math.floor(hi / ROLLUP_STEPS);
  const g = Math.ceil((bHi - bLo + 1) / maxPoints);
  const read = () =>
    db.all<Agg & { bucket: number; stale: number }>(
      `SELECT bucket, n, sum, min, max, max_step, max_ts, stale FROM metric_rollups
       WHERE experiment_id = ? AND key = ? AND bucket BETWEEN ? AND ? ORDER BY bucket`,
      [experimentId, key, bLo, bHi],
    );
  let rows = await read();
  const stale = rows.filter((r) => r.stale).map((r) => r.bucket);
  if (stale.length) {
    await heal(db, experimentId, key, stale);
    rows = await read();
  }
  // The end buckets of a range hold steps outside it: those two are counted from their points.
  const ends = new Map<number, Agg>();
  for (const [b, inRange] of [
    [bLo, range.fromStep !== undefined],
    [bHi, range.toStep !== undefined],
  ] as const)
    if (inRange && !ends.has(b)) {
      const r = await db.get<Agg>(
        `SELECT ${BUCKET_COLUMNS} FROM metrics WHERE experiment_id = ? AND key = ? AND step BETWEEN ? AND ?`,
        [experimentId, key, Math.max(b * ROLLUP_STEPS, lo), Math.min((b + 1) * ROLLUP_STEPS - 1, hi)],
      );
      if (r?.n) ends.set(b, r);
    }

  const out: Agg[] = [];
  let cur: Agg | null = null;
  let curGroup = NaN;
  for (const r of rows) {
    const b: Agg | undefined = ends.has(r.bucket) ? ends.get(r.bucket) : r;
    if (!b) continue;
    const group = Math.floor((r.bucket - bLo) / g);
    if (!cur || group !== curGroup) {
      cur = { ...b };
      curGroup = group;
      out.push(cur);
      continue;
    }
    cur.n += b.n;
    cur.sum += b.sum;
    cur.min = Math.min(cur.min, b.min);
    cur.max = Math.max(cur.max, b.max);
    cur.max_step = Math.max(cur.max_step, b.max_step);
    cur.max_ts = Math.max(cur.max_ts, b.max_ts);
  }
  return out;
}

/**
 * Recomputes stale rollup rows from their points and stores them exact again, one statement per run of
 * consecutive buckets, in a write transaction: a batch ingested meanwhile either comes before it (and is
 * counted) or after it (and marks the row stale again, as its steps are not above the row's last step).
 */
async function heal(db: Db, experimentId: number, key: string, buckets: number[]): Promise<void> {
  const runs: Array<[number, number]> = [];
  for (const b of buckets)
    if (runs.length && runs[runs.length - 1][1] === b - 1) runs[runs.length - 1][1] = b;
    else runs.push([b, b]);
  await db.transaction(async () => {
    for (const [first, last] of runs)
      await db.run(
        `INSERT OR REPLACE INTO metric_rollups (experiment_id, key, bucket, n, sum, min, max, min_step, max_step, max_ts, stale)
         SELECT ?1, ?2, step >> ${ROLLUP_SHIFT}, count(*), sum(value), min(value), max(value), min(step), max(step),
           max(ts), 0
         FROM metrics WHERE experiment_id = ?1 AND key = ?2 AND step BETWEEN ?3 AND ?4
         GROUP BY step >> ${ROLLUP_SHIFT}`,
        [experimentId, key, first * ROLLUP_STEPS, (last + 1) * ROLLUP_STEPS - 1],
      );
  });
}
