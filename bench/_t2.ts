import path from 'node:path';
import sqlite3 from 'sqlite3';
import { protocolPoints } from './ingest-setup';
import { tmpDir, nowMs } from './lib';
const pts = protocolPoints(250000);
for (const rows of [1, 50, 200, 800, 3000, 6553]) {
  const d = tmpDir('bq-');
  const db = await new Promise<sqlite3.Database>((res, rej) => { const x = new sqlite3.Database(path.join(d, 'r.db'), (e) => e ? rej(e) : res(x)); });
  const exec = (sql: string) => new Promise<void>((res, rej) => db.exec(sql, (e) => (e ? rej(e) : res())));
  await exec(`PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;
      CREATE TABLE experiments (id INTEGER PRIMARY KEY); INSERT INTO experiments (id) VALUES (1);
      CREATE TABLE metrics (experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        key TEXT NOT NULL, step INTEGER NOT NULL, ts REAL NOT NULL, value REAL NOT NULL,
        PRIMARY KEY (experiment_id, key, step)) WITHOUT ROWID;`);
  const t0 = nowMs();
  await exec('BEGIN');
  const stmt = db.prepare(`INSERT INTO metrics VALUES ${Array(rows).fill('(?,?,?,?,?)').join(',')}`);
  const ps: Promise<void>[] = [];
  let i = 0;
  for (; i + rows <= pts.length; i += rows) {
    const args: unknown[] = [];
    for (let j = i; j < i + rows; j++) { const [k, s, ts, v] = pts[j]; args.push(1, k, s, ts, v); }
    ps.push(new Promise<void>((res, rej) => stmt.run(args, (e: Error | null) => (e ? rej(e) : res()))));
    if (ps.length > 64) { await Promise.all(ps); ps.length = 0; }
  }
  await Promise.all(ps);
  await exec('COMMIT');
  console.log(rows, 'rows/stmt', Math.round(i / (nowMs() - t0) * 1000), 'pts/s', i);
}
