// A promise wrapper over one sqlite3 connection. Writes go through a mutex so that a transaction from one
// caller never interleaves with statements of another (node-sqlite3 queues statements, not transactions).
//
// Each statement is a round trip to sqlite3's worker thread and back through the event loop (~90 µs on a quiet
// machine, several times that under load), which is what a transaction costs, not SQLite's own work (~1 µs).
// So inside a transaction, writes whose result nobody needs (`write`) are collected as SQL text and sent
// together as one script with the next read or with the COMMIT: a launch's or an ending's transaction is a few
// round trips instead of a dozen or more.
import sqlite3 from 'sqlite3';
import fs from 'node:fs';
import { MIGRATIONS, REBUILDS } from './migrations';
import { inlineParams } from './inline';

export type Row = Record<string, unknown>;
export type Params = unknown[];

export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

/** The transaction in progress: writes not sent yet (BEGIN first), and what its statements learnt. */
interface Tx {
  script: string[];
  memo: Map<string, unknown>;
}

export class Db {
  private chain: Promise<unknown> = Promise.resolve();
  /**
   * The open transaction. Statements sent while it is open run inside it whoever sends them, as they always
   * did on one connection; an AsyncLocalStorage to tell callers apart costs every promise of the engine.
   */
  private tx: Tx | null = null;
  private readonly statements = new Map<string, sqlite3.Statement>();

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
      const rebuild = REBUILDS.has(v + 1);
      // Only outside a transaction does this pragma take effect.
      if (rebuild) await this.exec('PRAGMA foreign_keys = OFF');
      try {
        await this.transaction(async () => {
          await this.exec(MIGRATIONS[v]);
          if (rebuild && (await this.all('PRAGMA foreign_key_check')).length)
            throw new StoreError(
              `migration ${v + 1} would leave rows referring to nothing; nothing was changed`,
            );
          await this.exec(`PRAGMA user_version = ${v + 1}`);
        });
      } finally {
        if (rebuild) await this.exec('PRAGMA foreign_keys = ON');
      }
    }
  }

  private rawExec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (err) => (err ? reject(err) : resolve())));
  }

  /** Sends the calling transaction's pending writes; resolves at once when there are none. */
  private flush(tx: Tx | null): Promise<void> {
    if (!tx || !tx.script.length) return Promise.resolve();
    const sql = tx.script.join(';\n');
    tx.script = [];
    return this.rawExec(sql);
  }

  async exec(sql: string): Promise<void> {
    await this.flush(this.tx);
    return this.rawExec(sql);
  }

  async run(sql: string, params: Params = []): Promise<{ lastID: number; changes: number }> {
    // Awaited before the statement: were BEGIN refused, a write sent behind it would commit on its own.
    await this.flush(this.tx);
    const st = await this.prepared(sql);
    return new Promise<{ lastID: number; changes: number }>((resolve, reject) =>
      st.run(params, function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(err);
        else resolve({ lastID: this.lastID, changes: this.changes });
      }),
    ).catch((e) => this.evict(sql, st, e));
  }

  /**
   * The statement for `sql`, prepared once and kept (the most recently used 128): a kept statement runs in
   * one trip to the worker thread, where a new one also needs one to prepare it and one to finalize it.
   */
  private prepared(sql: string): sqlite3.Statement | Promise<sqlite3.Statement> {
    const kept = this.statements.get(sql);
    if (kept) {
      this.statements.delete(sql);
      this.statements.set(sql, kept);
      return kept;
    }
    return new Promise((resolve, reject) => {
      const st = this.db.prepare(sql, (err) => {
        if (err) return reject(err);
        if (this.statements.size >= 128) {
          const [oldSql, old] = this.statements.entries().next().value!;
          this.statements.delete(oldSql);
          old.finalize();
        }
        // Two first calls may both prepare it: the second is the one kept, the first finalized.
        const other = this.statements.get(sql);
        if (other) other.finalize();
        this.statements.set(sql, st);
        resolve(st);
      });
    });
  }

  /** A statement that failed is prepared afresh next time (its SQL may refer to what a migration changed). */
  private evict(sql: string, st: sqlite3.Statement, e: unknown): never {
    if (this.statements.get(sql) === st) {
      this.statements.delete(sql);
      st.finalize();
    }
    throw e;
  }

  /**
   * A write whose result is not needed. Inside a transaction it is sent with the transaction's next statement
   * or its COMMIT (an error then fails the transaction there, and it is rolled back whole); outside, at once.
   */
  write(sql: string, params: Params = []): Promise<void> {
    const tx = this.tx;
    const text = tx ? inlineParams(sql, params) : null;
    if (tx && text !== null) {
      tx.script.push(text);
      return Promise.resolve();
    }
    return this.run(sql, params).then(() => undefined);
  }

  /** Per-transaction memory for what the store learnt inside it (the statuses it read or wrote); null outside. */
  memo(): Map<string, unknown> | null {
    return this.tx?.memo ?? null;
  }

  all<T = Row>(sql: string, params: Params = []): Promise<T[]> {
    const tx = this.tx;
    if (tx?.script.length) {
      // A read inside a transaction sees its writes: the script goes first. node-sqlite3 runs an exec alone
      // and in order, and prepares a new statement only after it, so the read is sent now, not one round trip
      // later (a kept statement would not wait for the exec).
      const flushed = this.flush(tx);
      const rows = new Promise<T[]>((resolve, reject) =>
        this.db.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as T[]))),
      );
      return Promise.all([flushed, rows]).then(([, r]) => r);
    }
    const kept = this.prepared(sql);
    const read = (st: sqlite3.Statement) =>
      new Promise<T[]>((resolve, reject) =>
        st.all(params, (err, rows) => (err ? reject(err) : resolve(rows as T[]))),
      ).catch((e) => this.evict(sql, st, e));
    return kept instanceof Promise ? kept.then(read) : read(kept);
  }

  async get<T = Row>(sql: string, params: Params = []): Promise<T | undefined> {
    const rows = await this.all<T>(sql, params);
    return rows[0];
  }

  /**
   * Runs `fn` inside BEGIN IMMEDIATE..COMMIT, serialised with every other write. BEGIN goes with the first
   * statement and the last writes with COMMIT, so a transaction of writes alone is one round trip.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(async () => {
      const tx: Tx = { script: ['BEGIN IMMEDIATE'], memo: new Map() };
      this.tx = tx;
      try {
        const out = await fn();
        tx.script.push('COMMIT');
        this.tx = null;
        await this.flush(tx);
        return out;
      } catch (e) {
        this.tx = null;
        tx.script = [];
        await this.rawExec('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    const kept = [...this.statements.values()];
    this.statements.clear();
    await Promise.all(kept.map((st) => new Promise<void>((resolve) => st.finalize(() => resolve()))));
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
