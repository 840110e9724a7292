import type { Db } from './db';
import type { MetricPoint } from '../../../shared/domain';

export interface IngestBatch {
  experimentId: number;
  jobId: number;
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
      const last = new Map<string, { p: MetricPoint; min: number; max: number }>();
      for (const p of b.points) {
        const prev = last.get(p.key);
        if (!prev) last.set(p.key, { p, min: p.value, max: p.value });
        else {
          if (p.step >= prev.p.step) prev.p = p;
          prev.min = Math.min(prev.min, p.value);
          prev.max = Math.max(prev.max, p.value);
        }
      }
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
      await this.db.run(
        `INSERT INTO log_offsets (job_id, consumed, malformed) VALUES (?, ?, ?)
         ON CONFLICT (job_id) DO UPDATE SET consumed = excluded.consumed, malformed = log_offsets.malformed + excluded.malformed,
           updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
        [b.jobId, b.consumed, b.malformed],
      );
    });
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

  /**
   * Each key's series in at most `maxPoints` points: consecutive steps are bucketed, each bucket giving its
   * last step, the mean as the line, and the min and max as a band. One pass over the index per key.
   */
  async downsampled(
    experimentId: number,
    keys: string[] | undefined,
    maxPoints: number,
    range: { fromStep?: number; toStep?: number } = {},
  ): Promise<MetricSeries[]> {
    // A step range (a zoomed chart) narrows every query below, so its buckets are as fine as the range allows.
    const inRange = `${range.fromStep !== undefined ? 'AND step >= ?' : ''} ${range.toStep !== undefined ? 'AND step <= ?' : ''}`;
    const rangeArgs = [range.fromStep, range.toStep].filter((v): v is number => v !== undefined);
    const stats = await this.db.all<{ key: string; n: number; lo: number; hi: number }>(
      `SELECT key, count(*) AS n, min(step) AS lo, max(step) AS hi FROM metrics WHERE experiment_id = ?
       ${keys?.length ? `AND key IN (${keys.map(() => '?').join(',')})` : ''} ${inRange} GROUP BY key ORDER BY key`,
      [experimentId, ...(keys ?? []), ...rangeArgs],
    );
    const out: MetricSeries[] = [];
    for (const st of stats) {
      if (st.n <= maxPoints) {
        const rows = await this.db.all<{ step: number; ts: number; value: number }>(
          `SELECT step, ts, value FROM metrics WHERE experiment_id = ? AND key = ? ${inRange} ORDER BY step`,
          [experimentId, st.key, ...rangeArgs],
        );
        out.push({
          key: st.key,
          total: st.n,
          points: rows.map((r) => ({ ...r, min: r.value, max: r.value })),
        });
        continue;
      }
      const width = Math.ceil((st.hi - st.lo + 1) / maxPoints);
      const points = await this.db.all<{ step: number; ts: number; value: number; min: number; max: number }>(
        `SELECT max(step) AS step, max(ts) AS ts, avg(value) AS value, min(value) AS min, max(value) AS max
         FROM metrics WHERE experiment_id = ? AND key = ? ${inRange} GROUP BY (step - ?) / ? ORDER BY step`,
        [experimentId, st.key, ...rangeArgs, st.lo, width],
      );
      out.push({ key: st.key, total: st.n, points });
    }
    return out;
  }
}

export interface MetricSeries {
  key: string;
  /** How many points the series has before downsampling. */
  total: number;
  points: Array<{ step: number; ts: number; value: number; min: number; max: number }>;
}
