import type { Db } from './db';
import type { MetricPoint } from '../../../shared/domain';
import { downsampled, ROLLUP_STEPS, type MetricSeries, type StepRange } from './metric-series';

export interface IngestBatch {
  experimentId: number;
  /** The job whose log the batch was read from; null for one sent through the API (no log offset to keep). */
  jobId: number | null;
  points: MetricPoint[];
  params: Record<string, unknown>;
  tags: string[];
  /** The log byte offset consumed up to and including this batch; stored in the same transaction. */
  consumed: number;
  malformed: number;
}

export class Metrics {
  constructor(private db: Db) {}

  /** Upserts a batch keyed by (run, key, step) and stores the log offset with it: all or nothing. */
  async ingest(b: IngestBatch): Promise<void> {
    await this.db.transaction(async () => {
      // One statement per batch with the points as one JSON text: binding thousands of values one by one
      // was most of the ingest time (bench/README.md). json_each yields in order, so a later duplicate wins.
      if (b.points.length)
        await this.db.run(
          `INSERT INTO metrics (experiment_id, key, step, ts, value)
           SELECT ?, value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?) WHERE true
           ON CONFLICT (experiment_id, key, step) DO UPDATE SET ts = excluded.ts, value = excluded.value`,
          [b.experimentId, JSON.stringify(b.points.map((p) => [p.key, p.step, p.ts, p.value]))],
        );
      // Per key: the point with the highest step (the last value), and the batch's min and max.
      const last = new Map<string, KeyState>();
      for (const p of b.points) {
        let prev = last.get(p.key);
        // A step not above every earlier one of the batch may repeat one: its rollup row is recomputed later.
        let repeated = false;
        if (!prev) last.set(p.key, (prev = { p, min: p.value, max: p.value, rollups: new Map(), cur: null }));
        else {
          repeated = p.step <= prev.p.step;
          if (p.step >= prev.p.step) prev.p = p;
          prev.min = Math.min(prev.min, p.value);
          prev.max = Math.max(prev.max, p.value);
        }
        addToRollup(prev, p, repeated);
      }
      if (b.points.length) await this.storeRollups(b.experimentId, last);
      for (const { p, min, max } of last.values())
        await this.db.run(
          `INSERT INTO last_metrics (experiment_id, key, step, value, min_value, max_value) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (experiment_id, key) DO UPDATE SET
             value = CASE WHEN excluded.step >= last_metrics.step THEN excluded.value ELSE last_metrics.value END,
             step = MAX(excluded.step, last_metrics.step),
             min_value = MIN(COALESCE(last_metrics.min_value, excluded.min_value), excluded.min_value),
             max_value = MAX(COALESCE(last_metrics.max_value, excluded.max_value), excluded.max_value)`,
          [b.experimentId, p.key, p.step, p.value, min, max],
        );
      for (const [k, v] of Object.entries(b.params))
        await this.db.run(
          `INSERT INTO params (experiment_id, key, value_json, source) VALUES (?, ?, ?, 'logged')
           ON CONFLICT (experiment_id, key) DO UPDATE SET value_json = excluded.value_json, source = 'logged'`,
          [b.experimentId, k, JSON.stringify(v)],
        );
      for (const t of b.tags)
        await this.db.run('INSERT OR IGNORE INTO experiment_tags (experiment_id, tag) VALUES (?, ?)', [
          b.experimentId,
          t,
        ]);
      if (b.jobId !== null)
        await this.db.run(
          `INSERT INTO log_offsets (job_id, consumed, malformed) VALUES (?, ?, ?)
         ON CONFLICT (job_id) DO UPDATE SET consumed = excluded.consumed, malformed = log_offsets.malformed + excluded.malformed,
           updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
          [b.jobId, b.consumed, b.malformed],
        );
    });
  }

  /** Each key's next step: one after the last stored, else 0. */
  async nextSteps(experimentId: number, keys: string[]): Promise<Map<string, number>> {
    const rows = await this.db.all<{ key: string; step: number }>(
      `SELECT key, step FROM last_metrics WHERE experiment_id = ? AND key IN (SELECT value FROM json_each(?))`,
      [experimentId, JSON.stringify(keys)],
    );
    const last = new Map(rows.map((r) => [r.key, r.step]));
    return new Map(keys.map((k) => [k, (last.get(k) ?? -1) + 1]));
  }

  async offset(jobId: number): Promise<{ consumed: number; malformed: number }> {
    const r = await this.db.get<{ consumed: number; malformed: number }>(
      'SELECT consumed, malformed FROM log_offsets WHERE job_id = ?',
      [jobId],
    );
    return r ?? { consumed: 0, malformed: 0 };
  }

  /** Where a follower resumes, in one query: the job's log offset and the experiment's highest step per key. */
  async resumePoint(
    jobId: number,
    experimentId: number,
  ): Promise<{ consumed: number; maxSteps: Map<string, number> }> {
    const rows = await this.db.all<{ key: string | null; n: number }>(
      `SELECT NULL AS key, consumed AS n FROM log_offsets WHERE job_id = ?
       UNION ALL SELECT key, step AS n FROM last_metrics WHERE experiment_id = ?`,
      [jobId, experimentId],
    );
    let consumed = 0;
    const maxSteps = new Map<string, number>();
    for (const r of rows)
      if (r.key === null) consumed = r.n;
      else maxSteps.set(r.key, r.n);
    return { consumed, maxSteps };
  }

  /** The highest step stored per key, so that step-less points continue the numbering after a restart. */
  async maxSteps(experimentId: number): Promise<Map<string, number>> {
    const rows = await this.db.all<{ key: string; step: number }>(
      'SELECT key, step FROM last_metrics WHERE experiment_id = ?',
      [experimentId],
    );
    return new Map(rows.map((r) => [r.key, r.step]));
  }

  async series(experimentId: number, keys?: string[]): Promise<MetricPoint[]> {
    const filter = keys?.length ? `AND key IN (${keys.map(() => '?').join(',')})` : '';
    return this.db.all<MetricPoint>(
      `SELECT key, step, ts, value FROM metrics WHERE experiment_id = ? ${filter} ORDER BY key, step`,
      [experimentId, ...(keys ?? [])],
    );
  }

  /** Each key's series in at most `maxPoints` buckets, optionally of a step range (metric-series.ts). */
  downsampled(
    experimentId: number,
    keys: string[] | undefined,
    maxPoints: number,
    range: StepRange = {},
  ): Promise<MetricSeries[]> {
    return downsampled(this.db, experimentId, keys, maxPoints, range);
  }

  /**
   * Adds the batch's per-256-step summaries to `metric_rollups` in one statement. A row is marked stale when
   * the batch may count a step it already holds: a batch step not above the row's last step, or a step
   * repeated or out of order within the batch (`dup`).
   */
  private async storeRollups(experimentId: number, keys: Map<string, KeyState>): Promise<void> {
    const rows: unknown[] = [];
    for (const [key, st] of keys)
      for (const [bucket, r] of st.rollups)
        rows.push([key, bucket, r.n, r.sum, r.min, r.max, r.minStep, r.maxStep, r.maxTs, r.dup ? 1 : 0]);
    await this.db.run(
      `INSERT INTO metric_rollups (experiment_id, key, bucket, n, sum, min, max, min_step, max_step, max_ts, stale)
       SELECT ?, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6,
         value ->> 7, value ->> 8, value ->> 9 FROM json_each(?) WHERE true
       ON CONFLICT (experiment_id, key, bucket) DO UPDATE SET
         stale = metric_rollups.stale OR excluded.stale OR excluded.min_step <= metric_rollups.max_step,
         n = metric_rollups.n + excluded.n, sum = metric_rollups.sum + excluded.sum,
         min = MIN(metric_rollups.min, excluded.min), max = MAX(metric_rollups.max, excluded.max),
         min_step = MIN(metric_rollups.min_step, excluded.min_step),
         max_step = MAX(metric_rollups.max_step, excluded.max_step),
         max_ts = MAX(metric_rollups.max_ts, excluded.max_ts)`,
      [experimentId, JSON.stringify(rows)],
    );
  }
}

interface Rollup {
  n: number;
  sum: number;
  min: number;
  max: number;
  minStep: number;
  maxStep: number;
  maxTs: number;
  dup: boolean;
}

interface KeyState {
  p: MetricPoint;
  min: number;
  max: number;
  rollups: Map<number, Rollup>;
  /** The bucket of the key's previous point (most points go into the same one as the point before). */
  cur: { bucket: number; r: Rollup } | null;
}

function addToRollup(st: KeyState, p: MetricPoint, repeated: boolean): void {
  const bucket = Math.floor(p.step / ROLLUP_STEPS);
  let r = st.cur?.bucket === bucket ? st.cur.r : st.rollups.get(bucket);
  if (!r) {
    r = {
      n: 0,
      sum: 0,
      min: p.value,
      max: p.value,
      minStep: p.step,
      maxStep: p.step,
      maxTs: p.ts,
      dup: false,
    };
    st.rollups.set(bucket, r);
  }
  if (st.cur?.r !== r) st.cur = { bucket, r };
  if (repeated) r.dup = true;
  r.n++;
  r.sum += p.value;
  if (p.value < r.min) r.min = p.value;
  if (p.value > r.max) r.max = p.value;
  if (p.step < r.minStep) r.minStep = p.step;
  if (p.step > r.maxStep) r.maxStep = p.step;
  if (p.ts > r.maxTs) r.maxTs = p.ts;
}

export type { MetricSeries } from './metric-series';
