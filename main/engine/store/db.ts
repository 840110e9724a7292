// A promise wrapper over one sqlite3 connection. Writes go through a mutex so that a transaction from one
// caller never interleaves with statements of another (node-sqlite3 queues statements, not transactions).
import sqlite3 from 'sqlite3';
import fs from 'node:fs';
import { MIGRATIONS } from './migrations';

export type Row = Record<string, unknown>;
export type Params = unknown[];

export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

export class Db {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: sqlite3.Database,
    readonly path: string,
  ) {}

  /** Opens (creating if absent) and migrates. A newer or corrupt database is refused and left untouched. */
  static async open(file: string): Promise<Db> {
    const existed = fs.existsSync(file);
    if (existed) checkHeader(file);
    const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(d)));
    });
    const db = new Db(raw, file);
    try {
      const [{ user_version: version }] = (await db.all('PRAGMA user_version')) as Array<{
        user_version: number;
      }>;
      if (version > MIGRATIONS.length) {
        throw new StoreError(
          `${file} was written by a newer Axon (schema ${version}; this Axon knows up to ${MIGRATIONS.length}). ` +
            'Upgrade Axon, or point AXON_HOME elsewhere. The file was not changed.',
        );
      }
      await db.exec('PRAGMA journal_mode = WAL');
      await db.exec('PRAGMA foreign_keys = ON');
      await db.exec('PRAGMA synchronous = NORMAL');
      await db.exec('PRAGMA busy_timeout = 5000');
      await db.migrate(version);
    } catch (e) {
      await db.close().catch(() => undefined);
      if (e instanceof StoreError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      if (/SQLITE_NOTADB|SQLITE_CORRUPT|malformed/.test(msg))
        throw new StoreError(
          `${file} is not a readable Axon database (${msg}). It was left as it is; move it away to start afresh.`,
        );
      throw e;
    }
    return db;
  }

  private async migrate(from: number): Promise<void> {
    for (let v = from; v < MIGRATIONS.length; v++) {
      await this.transaction(async () => {
        await this.exec(MIGRATIONS[v]);
        await this.exec(`PRAGMA user_version = ${v + 1}`);
      });
    }
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (err) => (err ? reject(err) : resolve())));
  }

  run(sql: string, params: Params = []): Promise<{ lastID: number; changes: number }> {
    return new Promise((resolve, reject) =>
      this.db.run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(err);
        else resolve({ lastID: this.lastID, changes: this.changes });
      }),
    );
  }

  all<T = Row>(sql: string, params: Params = []): Promise<T[]> {
    return new Promise((resolve, reject) =>
      this.db.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as T[]))),
    );
  }

  async get<T = Row>(sql: string, params: Params = []): Promise<T | undefined> {
    const rows = await this.all<T>(sql, params);
    return rows[0];
  }

  /** Runs `fn` inside BEGIN IMMEDIATE..COMMIT, serialised with every other write. */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(async () => {
      await this.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn();
        await this.exec('COMMIT');
        return out;
      } catch (e) {
        await this.exec('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve())));
  }
}

/** A non-empty file that does not start with SQLite's magic header is refused before sqlite touches it. */
function checkHeader(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = fs.readSync(fd, buf, 0, 16, 0);
    if (n === 0) return;
    if (n < 16 || buf.toString('latin1') !== 'SQLite format 3\0')
      throw new StoreError(
        `${file} is not an SQLite database (corrupt or a different file). It was left as it is; move it away to start afresh.`,
      );
  } finally {
    fs.closeSync(fd);
  }
}
