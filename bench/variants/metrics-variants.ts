// Candidate changes to main/engine/store/metrics.ts, measured by the ingest benchmark (`npm run bench -- ingest`
// with AXON_BENCH_VARIANTS=1). Each keeps the engine's semantics (upsert by (run, key, step), last_metrics,
// params, tags and the log offset in the same transaction); only the way the points reach SQLite differs.
// They reach the engine's private sqlite3 handle through the Db wrapper; the real change would add a method
// to Db instead.
import type sqlite3 from 'sqlite3';
import type { MetricPoint } from '../../shared/domain';
import type { Store } from '../../main/engine/store';
import type { IngestBatch } from '../../main/engine/store/metrics';
import { LogFollower } from '../../main/engine/tracking/follower';
import type { Fixture, MakeFollower } from '../ingest-setup';
import { PipelinedFollower } from './pipelined-follower';

type IngestPoints = (store: Store, raw: sqlite3.Database, b: IngestBatch) => Promise<void>;

const UPSERT_TAIL = `ON CONFLICT (experiment_id, key, step) DO UPDATE SET ts = excluded.ts, value = excluded.value`;
const ROWS = 800;

const runStmt = (stmt: sqlite3.Statement, args: unknown[]) =>
  new Promise<void>((resolve, reject) => stmt.run(args, (e: Error | null) => (e ? reject(e) : resolve())));

/**
 * (1) One prepared 800-row upsert, reused for every full chunk of the batch, instead of a new statement (and
 * a new parse of a 20 kB SQL text) per chunk. Finalized at the end of the batch so that the store can close.
 */
function preparedChunks(): IngestPoints {
  return async (store, raw, b) => {
    const full = raw.prepare(
      `INSERT INTO metrics (experiment_id, key, step, ts, value) VALUES ${Array(ROWS).fill('(?,?,?,?,?)').join(',')} ${UPSERT_TAIL}`,
    );
    try {
      for (let i = 0; i < b.points.length; i += ROWS) {
        const chunk = b.points.slice(i, i + ROWS);
        const args: unknown[] = [];
        for (const p of chunk) args.push(b.experimentId, p.key, p.step, p.ts, p.value);
        if (chunk.length === ROWS) await runStmt(full, args);
        else
          await store.db.run(
            `INSERT INTO metrics (experiment_id, key, step, ts, value) VALUES ${chunk.map(() => '(?,?,?,?,?)').join(',')} ${UPSERT_TAIL}`,
            args,
          );
      }
    } finally {
      await new Promise<void>((resolve) => full.finalize(() => resolve()));
    }
  };
}

/**
 * (2) The whole batch as one JSON text bound to one parameter, unpacked by SQLite's json_each on the worker
 * thread: the main thread makes one string instead of binding five values a point. `WHERE true` keeps
 * SQLite from reading ON CONFLICT as a join constraint. Later duplicates of (key, step) still win: json_each
 * yields in array order.
 */
function jsonEach(): IngestPoints {
  return async (store, _raw, b) => {
    if (!b.points.length) return;
    const rows = b.points.map((p) => [p.key, p.step, p.ts, p.value]);
    await store.db.run(
      `INSERT INTO metrics (experiment_id, key, step, ts, value)
       SELECT ?, value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?) WHERE true ${UPSERT_TAIL}`,
      [b.experimentId, JSON.stringify(rows)],
    );
  };
}

/** The rest of Metrics.ingest, unchanged: last values, params, tags, the offset. */
async function ingestRest(store: Store, b: IngestBatch): Promise<void> {
  const db = store.db;
  const last = new Map<string, MetricPoint>();
  for (const p of b.points) {
    const prev = last.get(p.key);
    if (!prev || p.step >= prev.step) last.set(p.key, p);
  }
  for (const p of last.values())
    await db.run(
      `INSERT INTO last_metrics (experiment_id, key, step, value) VALUES (?, ?, ?, ?)
       ON CONFLICT (experiment_id, key) DO UPDATE SET step = excluded.step, value = excluded.value
       WHERE excluded.step >= last_metrics.step`,
      [b.experimentId, p.key, p.step, p.value],
    );
  for (const [k, v] of Object.entries(b.params))
    await db.run(
      `INSERT INTO params (experiment_id, key, value_json, source) VALUES (?, ?, ?, 'logged')
       ON CONFLICT (experiment_id, key) DO UPDATE SET value_json = excluded.value_json, source = 'logged'`,
      [b.experimentId, k, JSON.stringify(v)],
    );
  for (const t of b.tags)
    await db.run('INSERT OR IGNORE INTO experiment_tags (experiment_id, tag) VALUES (?, ?)', [
      b.experimentId,
      t,
    ]);
  await db.run(
    `INSERT INTO log_offsets (job_id, consumed, malformed) VALUES (?, ?, ?)
     ON CONFLICT (job_id) DO UPDATE SET consumed = excluded.consumed, malformed = log_offsets.malformed + excluded.malformed,
       updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`,
    [b.jobId, b.consumed, b.malformed],
  );
}

/** The engine's Metrics.ingest with the points part swapped for a variant, in the same transaction. */
function ingestWith(f: Fixture, points: IngestPoints): (b: IngestBatch) => Promise<void> {
  const raw = (f.store.db as unknown as { db: sqlite3.Database }).db;
  return (b) =>
    f.store.db.transaction(async () => {
      await points(f.store, raw, b);
      await ingestRest(f.store, b);
    });
}

/** The engine's LogFollower over a store whose metrics.ingest is the variant; offset and maxSteps are the engine's. */
function followerWith(points: IngestPoints): MakeFollower {
  return (f: Fixture) => {
    const metrics = {
      offset: (jobId: number) => f.store.metrics.offset(jobId),
      maxSteps: (id: number) => f.store.metrics.maxSteps(id),
      ingest: ingestWith(f, points),
    };
    const store = { metrics } as unknown as Store;
    return new LogFollower(store, f.experimentId, f.jobId, f.logPath, {
      onLog: () => undefined,
      onMetrics: () => undefined,
    });
  };
}

export const VARIANTS: Record<string, MakeFollower> = {
  'metrics.ts: reuse one prepared 800-row upsert': followerWith(preparedChunks()),
  'metrics.ts: one json_each upsert per batch': followerWith(jsonEach()),
  'follower.ts: parse next chunk during commit': (f) => new PipelinedFollower(f),
  'both: json_each + parse during commit': (f) => new PipelinedFollower(f, ingestWith(f, jsonEach())),
};
