// The pieces the ingestion benchmarks share: a log of protocol lines, a fresh Store with one experiment and
// one job, the engine's LogFollower over that log, and the raw-SQLite baseline.
import fs from 'node:fs';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import { Store } from '../main/engine/store';
import { LogFollower } from '../main/engine/tracking/follower';
import { nowMs } from './lib';

export const KEYS = ['loss', 'accuracy', 'learning_rate', 'grad_norm'];

/** One line per step with every key, as a training loop prints it. Returns the number of points. */
export function writeProtocolLog(file: string, steps: number, keys = KEYS): number {
  const fd = fs.openSync(file, 'w');
  try {
    const block = 10_000;
    for (let from = 0; from < steps; from += block) {
      let text = '';
      for (let i = from; i < Math.min(steps, from + block); i++) {
        const metrics: Record<string, number> = {};
        keys.forEach((k, j) => (metrics[k] = Math.exp(-i / 50_000) * (j + 1) + Math.sin(i) * 1e-3));
        text += `@@axon ${JSON.stringify({ metrics, step: i })}\n`;
      }
      fs.writeSync(fd, text);
    }
  } finally {
    fs.closeSync(fd);
  }
  return steps * keys.length;
}

/** The points `writeProtocolLog` writes, for the raw baseline (built before its clock starts). */
export function protocolPoints(steps: number, keys = KEYS): Array<[string, number, number, number]> {
  const ts = Date.now() / 1000;
  const out: Array<[string, number, number, number]> = [];
  for (let i = 0; i < steps; i++)
    keys.forEach((k, j) => out.push([k, i, ts, Math.exp(-i / 50_000) * (j + 1) + Math.sin(i) * 1e-3]));
  return out;
}

export interface Fixture {
  store: Store;
  experimentId: number;
  jobId: number;
  logPath: string;
}

/** A fresh Store (all migrations, the engine's pragmas) with one project, experiment and job. */
export async function freshFixture(dir: string, logPath: string): Promise<Fixture> {
  const store = await Store.open(path.join(dir, 'axon.db'));
  const p = await store.projects.create('bench', '', dir);
  const experimentId = await store.db.transaction(() =>
    store.experiments.insert({
      projectId: p.id,
      groupId: null,
      name: null,
      backend: 'local',
      cmd: 'x',
      spec: {},
      params: {},
      tags: [],
      codePath: dir,
    }),
  );
  const jobId = await store.db.transaction(() => store.jobs.insert(experimentId, 'master', 0, logPath));
  return { store, experimentId, jobId, logPath };
}

/** Anything shaped like the engine's LogFollower (the engine's own, or a variant under bench/variants). */
export interface FollowerLike {
  start(): Promise<void>;
  finish(): Promise<void>;
}
export type MakeFollower = (f: Fixture) => FollowerLike;

export const engineFollower: MakeFollower = (f) =>
  new LogFollower(f.store, f.experimentId, f.jobId, f.logPath, {
    onLog: () => undefined,
    onMetrics: () => undefined,
  });

export interface IngestTiming {
  points: number;
  ms: number;
  perSecond: number;
}

/** Times a follower reading the whole log into a fresh Store, from start() to finish(); checks the count. */
export async function timeFollowerIngest(
  dir: string,
  logPath: string,
  expected: number,
  make = engineFollower,
): Promise<IngestTiming> {
  const fx = await freshFixture(dir, logPath);
  try {
    const t0 = nowMs();
    const f = make(fx);
    await f.start();
    await f.finish();
    const ms = nowMs() - t0;
    const row = await fx.store.db.get<{ n: number }>(
      'SELECT count(*) AS n FROM metrics WHERE experiment_id = ?',
      [fx.experimentId],
    );
    if (row?.n !== expected) throw new Error(`the follower stored ${row?.n} points, expected ${expected}`);
    return { points: expected, ms, perSecond: (expected / ms) * 1000 };
  } finally {
    await fx.store.close();
  }
}

const ROWS_PER_INSERT = 800; // 5 variables a row, under SQLite's 32,766 bound variables, as the store does

/**
 * The baseline: the same rows into a fresh SQLite file with the same `metrics` table (WITHOUT ROWID, primary
 * key (experiment_id, key, step), a foreign key to a one-row experiments table) and the engine's pragmas, in
 * one transaction of multi-row INSERTs through one reused prepared statement. No parsing, no upsert.
 */
export async function timeRawInsert(
  file: string,
  points: Array<[string, number, number, number]>,
): Promise<IngestTiming> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const d = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(d)));
  });
  const exec = (sql: string) => new Promise<void>((res, rej) => db.exec(sql, (e) => (e ? rej(e) : res())));
  try {
    await exec(`PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;
      CREATE TABLE experiments (id INTEGER PRIMARY KEY);
      INSERT INTO experiments (id) VALUES (1);
      CREATE TABLE metrics (
        experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        key TEXT NOT NULL, step INTEGER NOT NULL, ts REAL NOT NULL, value REAL NOT NULL,
        PRIMARY KEY (experiment_id, key, step)
      ) WITHOUT ROWID;`);
    const sql = (n: number) =>
      `INSERT INTO metrics (experiment_id, key, step, ts, value) VALUES ${Array(n).fill('(?,?,?,?,?)').join(',')}`;
    const t0 = nowMs();
    await exec('BEGIN IMMEDIATE');
    const full = db.prepare(sql(ROWS_PER_INSERT));
    for (let i = 0; i < points.length; i += ROWS_PER_INSERT) {
      const chunk = points.slice(i, i + ROWS_PER_INSERT);
      const args: unknown[] = [];
      for (const [k, step, ts, v] of chunk) args.push(1, k, step, ts, v);
      const stmt = chunk.length === ROWS_PER_INSERT ? full : db.prepare(sql(chunk.length));
      await new Promise<void>((res, rej) => stmt.run(args, (e: Error | null) => (e ? rej(e) : res())));
      if (stmt !== full) stmt.finalize();
    }
    await new Promise<void>((res) => full.finalize(() => res()));
    await exec('COMMIT');
    const ms = nowMs() - t0;
    return { points: points.length, ms, perSecond: (points.length / ms) * 1000 };
  } finally {
    await new Promise<void>((res) => db.close(() => res()));
  }
}
