import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sqlite3 from 'sqlite3';
import { Store, StoreError } from '../../main/engine/store';
import { MIGRATIONS } from '../../main/engine/store/migrations';
import { insertExperiment, tmpDir } from '../helpers';

async function freshStore() {
  const file = path.join(tmpDir(), 'axon.db');
  return { file, store: await Store.open(file) };
}

const experiment = (store: Store) => insertExperiment(store, { params: { lr: 0.1 }, tags: ['t'] });

test('a new database is migrated to the latest schema, in WAL mode with foreign keys on', async () => {
  const { store } = await freshStore();
  const [v] = await store.db.all<{ user_version: number }>('PRAGMA user_version');
  assert.equal(v.user_version, MIGRATIONS.length);
  const [j] = await store.db.all<{ journal_mode: string }>('PRAGMA journal_mode');
  assert.equal(j.journal_mode, 'wal');
  const [fk] = await store.db.all<{ foreign_keys: number }>('PRAGMA foreign_keys');
  assert.equal(fk.foreign_keys, 1);
  const tables = (
    await store.db.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type='table'`)
  ).map((t) => t.name);
  for (const t of [
    'users',
    'organizations',
    'memberships',
    'projects',
    'experiment_groups',
    'experiments',
    'jobs',
    'status_history',
    'params',
    'metrics',
    'log_offsets',
    'code_refs',
    'outputs',
  ])
    assert.ok(tables.includes(t), t);
  await store.close();
});

test('a database written by a newer Axon is refused and left byte for byte as it was', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'axon.db');
  const raw = new sqlite3.Database(file);
  await new Promise<void>((r, j) =>
    raw.exec(`PRAGMA user_version = ${MIGRATIONS.length + 5}; CREATE TABLE x(a);`, (e) => (e ? j(e) : r())),
  );
  await new Promise<void>((r) => raw.close(() => r()));
  const before = fs.readFileSync(file);
  await assert.rejects(
    Store.open(file),
    (e: Error) => e instanceof StoreError && /newer Axon/.test(e.message) && /not changed/.test(e.message),
  );
  assert.deepEqual(fs.readFileSync(file), before);
});

test('a corrupt database file gives a clear error and is never overwritten', async () => {
  const file = path.join(tmpDir(), 'axon.db');
  fs.writeFileSync(file, 'this is not a database, just a file a user put here\n'.repeat(100));
  const before = fs.readFileSync(file);
  await assert.rejects(
    Store.open(file),
    (e: Error) => e instanceof StoreError && /not an SQLite database/.test(e.message),
  );
  assert.deepEqual(fs.readFileSync(file), before);
});

test('reopening keeps the data and runs no migration twice', async () => {
  const { file, store } = await freshStore();
  const id = await experiment(store);
  await store.close();
  const again = await Store.open(file);
  const x = await again.experiments.get(id);
  assert.deepEqual(x.params, { lr: 0.1 });
  assert.deepEqual(x.tags, ['t']);
  await again.close();
});

test('a refused transition changes nothing and records nothing', async () => {
  const { store } = await freshStore();
  const id = await experiment(store);
  assert.equal((await store.statuses.experiment(id, 'running')).applied, true);
  assert.equal((await store.statuses.experiment(id, 'succeeded', 'exit code 0')).applied, true);
  const t = await store.statuses.experiment(id, 'running');
  assert.equal(t.applied, false);
  assert.equal((await store.experiments.get(id)).status, 'succeeded');
  const h = await store.statuses.history('experiment', id);
  assert.deepEqual(
    h.map((r) => r.status),
    ['created', 'running', 'succeeded'],
  );
  assert.equal(h[2].reason, 'exit code 0');
  const x = await store.experiments.get(id);
  assert.ok(x.startedAt && x.finishedAt, 'x.startedAt && x.finishedAt');
  await store.close();
});

test("start times: the backend's when it knows, kept once set; a run never seen running gets it at its end", async () => {
  const fresh = async () => {
    const { store } = await freshStore();
    return { store, id: await experiment(store) };
  };
  const a = await fresh();
  await a.store.statuses.experiment(a.id, 'running', null, null, '2026-01-01T10:00:00.000Z');
  // A later running (a re-attach) does not move it.
  await a.store.statuses.experiment(a.id, 'unknown');
  await a.store.statuses.experiment(a.id, 'running', null, null, '2026-01-01T10:05:00.000Z');
  assert.equal((await a.store.experiments.get(a.id)).startedAt, '2026-01-01T10:00:00.000Z');
  await a.store.close();

  // Ran while no engine watched: it goes from scheduled straight to its end, with the pod's start time.
  const b = await fresh();
  await b.store.statuses.experiment(b.id, 'scheduled');
  await b.store.db.transaction(() =>
    b.store.statuses.experimentIn(
      b.id,
      'succeeded',
      null,
      null,
      '2026-01-01T11:00:00.000Z',
      '2026-01-01T10:30:00.000Z',
    ),
  );
  const x = await b.store.experiments.get(b.id);
  assert.equal(x.startedAt, '2026-01-01T10:30:00.000Z');
  assert.equal(x.finishedAt, '2026-01-01T11:00:00.000Z');
  await b.store.close();

  // Failed before it started: no start time.
  const c = await fresh();
  await c.store.statuses.experiment(c.id, 'failed', 'build failed');
  assert.equal((await c.store.experiments.get(c.id)).startedAt, null);
  await c.store.close();
});

test('the status timeline: a start and end the backend knows are recorded at their time, never out of order', async () => {
  const { store } = await freshStore();
  const id = await experiment(store);
  // Created long ago (the engine was away for the whole run).
  await store.db.run(`UPDATE status_history SET at = '2026-01-01T09:00:00.000Z' WHERE entity = 'experiment'`);
  await store.statuses.experiment(id, 'running', null, null, '2026-01-01T10:00:00Z');
  await store.db.transaction(() =>
    store.statuses.experimentIn(id, 'succeeded', null, null, '2026-01-01T11:00:00Z'),
  );
  const times = (await store.statuses.history('experiment', id)).map((h) => `${h.status} ${h.at}`);
  assert.deepEqual(times.slice(-2), [
    'running 2026-01-01T10:00:00.000Z',
    'succeeded 2026-01-01T11:00:00.000Z',
  ]);

  // Seen unknown (now) before its end (long ago) was known: the end is shown at the unknown, in order.
  await store.close();
  const { store: s2 } = await freshStore();
  const other = await experiment(s2);
  await s2.statuses.experiment(other, 'running');
  await s2.statuses.experiment(other, 'unknown');
  await s2.db.transaction(() =>
    s2.statuses.experimentIn(other, 'failed', 'exit code 1', null, '2026-01-01T11:00:00Z'),
  );
  const h = await s2.statuses.history('experiment', other);
  assert.deepEqual(
    h.map((r) => r.status),
    ['created', 'running', 'unknown', 'failed'],
  );
  assert.ok(h[3].at >= h[2].at, `${h[3].at} < ${h[2].at}`);
  assert.ok(Date.now() - Date.parse(h[3].at) < 60_000);

  // Ran and ended between two looks (a fast pod): its `running` is in the history too, at its start.
  await s2.close();
  const { store: s3 } = await freshStore();
  const fast = await experiment(s3);
  await s3.db.run(`UPDATE status_history SET at = '2026-01-01T09:00:00.000Z' WHERE entity_id = ?`, [fast]);
  await s3.statuses.experiment(fast, 'scheduled');
  await s3.db.run(`UPDATE status_history SET at = '2026-01-01T09:00:00.000Z' WHERE entity_id = ?`, [fast]);
  await s3.db.transaction(() =>
    s3.statuses.experimentIn(fast, 'succeeded', null, null, '2026-01-01T10:00:05Z', '2026-01-01T10:00:01Z'),
  );
  assert.deepEqual(
    (await s3.statuses.history('experiment', fast)).map((r) => `${r.status} ${r.at}`),
    [
      'created 2026-01-01T09:00:00.000Z',
      'scheduled 2026-01-01T09:00:00.000Z',
      'running 2026-01-01T10:00:01.000Z',
      'succeeded 2026-01-01T10:00:05.000Z',
    ],
  );
  await s3.close();
});

test('kept outputs brought home: a run that failed only for them succeeds after all; any other run keeps its status', async () => {
  const KEPT = 'outputs not copied, kept in pod p-1: copying the outputs failed: 403 Forbidden';
  const HOME = 'outputs copied later from the pod they were kept in, p-1';
  /** An experiment with `n` jobs, ended as given. */
  let store: Store | null = null;
  const st = () => store!;
  const ended = async (jobs: Array<[status: 'succeeded' | 'failed', reason: string | null]>, x: string) => {
    await store?.close();
    store = (await freshStore()).store; // (one experiment per store: the helper makes project "p")
    const id = await experiment(store);
    const ids: number[] = [];
    for (const [i, [status, reason]] of jobs.entries()) {
      const j = await store.jobs.insert(id, i ? 'worker' : 'master', i ? i - 1 : 0, '/tmp/x.log');
      await store.statuses.job(j, 'running');
      await store.statuses.job(j, status, reason);
      ids.push(j);
    }
    await store.statuses.experiment(id, 'running');
    await store.statuses.experiment(id, 'failed', x);
    return { id, jobs: ids };
  };

  // One job whose command succeeded: the job and the run succeed, the failure stays in the history.
  const a = await ended([['failed', KEPT]], KEPT);
  assert.deepEqual(
    (await st().jobs.withReason('outputs not copied, kept in pod')).map((j) => j.id),
    a.jobs,
  );
  const t = await st().statuses.outputsHome(a.jobs[0], KEPT, HOME, true);
  assert.deepEqual(t, { experimentId: a.id, from: 'failed', to: 'succeeded' });
  const x = await st().experiments.row(a.id);
  assert.equal(x.status, 'succeeded');
  assert.equal(x.status_reason, HOME);
  assert.deepEqual(
    (await st().statuses.history('experiment', a.id)).map((h) => `${h.status} ${h.reason ?? ''}`),
    ['created ', 'running ', `failed ${KEPT}`, `succeeded ${HOME}`],
  );
  assert.equal((await st().jobs.get(a.jobs[0]))!.status, 'succeeded');
  assert.deepEqual(await st().jobs.withReason('outputs not copied, kept in pod'), []);
  // Asked again (a second engine's try): nothing more changes.
  assert.equal(await st().statuses.outputsHome(a.jobs[0], KEPT, HOME, true), null);
  assert.equal((await st().statuses.history('experiment', a.id)).length, 4);

  // A command that failed: still failed, its reason says the outputs came home.
  const b = await ended([['failed', `exit code 1; ${KEPT}`]], `exit code 1; ${KEPT}`);
  assert.equal((await st().statuses.outputsHome(b.jobs[0], KEPT, HOME, true))!.to, 'failed');
  assert.equal((await st().experiments.row(b.id)).status_reason, `exit code 1; ${HOME}`);
  assert.equal((await st().jobs.get(b.jobs[0]))!.status_reason, `exit code 1; ${HOME}`);
  // The history says when they came, though the status stayed (what `axon experiment statuses` shows last).
  assert.deepEqual(
    (await st().statuses.history('experiment', b.id)).slice(-2).map((h) => `${h.status} ${h.reason}`),
    [`failed exit code 1; ${KEPT}`, `failed exit code 1; ${HOME}`],
  );

  // The pod went before they were copied: the run stays failed, saying so.
  const GONE = 'outputs not copied; the pod they were kept in is gone (pod p-1 is gone)';
  const c = await ended([['failed', KEPT]], KEPT);
  assert.equal((await st().statuses.outputsHome(c.jobs[0], KEPT, GONE, false))!.to, 'failed');
  assert.equal((await st().experiments.row(c.id)).status_reason, GONE);
  assert.equal((await st().jobs.get(c.jobs[0]))!.status, 'failed');

  // A distributed run: succeeds once its last kept replica is home, not before.
  const d = await ended(
    [
      ['succeeded', null],
      ['failed', KEPT],
      ['failed', KEPT],
    ],
    `worker-0: ${KEPT}`,
  );
  assert.equal((await st().statuses.outputsHome(d.jobs[1], KEPT, HOME, true))!.to, 'failed');
  assert.equal((await st().experiments.row(d.id)).status_reason, `worker-0: ${HOME}`);
  assert.equal((await st().statuses.outputsHome(d.jobs[2], KEPT, HOME, true))!.to, 'succeeded');
  assert.equal((await st().experiments.row(d.id)).status, 'succeeded');
  await st().close();
});

test('metric batches upsert by (run, key, step) and store the log offset in the same transaction', async () => {
  const { store } = await freshStore();
  const id = await experiment(store);
  const jobId = await store.db.transaction(() => store.jobs.insert(id, 'master', 0, '/dev/null'));
  const pts = (n: number, v: number) =>
    Array.from({ length: n }, (_, i) => ({ key: 'loss', step: i, ts: 1, value: v + i }));
  await store.metrics.ingest({
    experimentId: id,
    jobId,
    points: pts(2000, 0),
    params: { a: 1 },
    tags: ['x'],
    consumed: 100,
    malformed: 1,
  });
  await store.metrics.ingest({
    experimentId: id,
    jobId,
    points: pts(10, 1000),
    params: {},
    tags: [],
    consumed: 200,
    malformed: 2,
  });
  const series = await store.metrics.series(id);
  assert.equal(series.length, 2000);
  assert.equal(series[0].value, 1000);
  assert.equal(series[1999].value, 1999);
  assert.deepEqual(await store.metrics.offset(jobId), { consumed: 200, malformed: 3 });
  const x = await store.experiments.get(id);
  assert.equal(x.lastMetrics.loss, 1999);
  assert.equal(x.params.a, 1);
  assert.deepEqual(x.tags.sort(), ['t', 'x']);
  // A failing batch leaves neither points nor the offset behind.
  await assert.rejects(
    store.metrics.ingest({
      experimentId: id,
      jobId,
      points: [
        { key: 'loss', step: 5000, ts: 1, value: 1 },
        { key: 'loss', step: 5001, ts: 1, value: null as unknown as number },
      ],
      params: {},
      tags: [],
      consumed: 999,
      malformed: 0,
    }),
  );
  assert.equal((await store.metrics.series(id)).length, 2000);
  assert.equal((await store.metrics.offset(jobId)).consumed, 200);
  await store.close();
});

test("each metric's smallest and largest value: kept across batches, out-of-order steps included", async () => {
  const { store } = await freshStore();
  const id = await experiment(store);
  const jobId = await store.db.transaction(() => store.jobs.insert(id, 'master', 0, '/dev/null'));
  const batch = (points: Array<[string, number, number]>) =>
    store.metrics.ingest({
      experimentId: id,
      jobId,
      points: points.map(([key, step, value]) => ({ key, step, ts: 1, value })),
      params: {},
      tags: [],
      consumed: 0,
      malformed: 0,
    });
  await batch([
    ['loss', 0, 2.5],
    ['loss', 1, 0.7],
    ['loss', 2, 1.1],
    ['acc', 0, 0.4],
  ]);
  await batch([['loss', 3, 0.9]]);
  await batch([['loss', 1, -0.2]]); // an earlier step: not the last value, but a new minimum
  const x = await store.experiments.get(id);
  assert.deepEqual(x.lastMetrics, { loss: 0.9, acc: 0.4 });
  assert.deepEqual(x.minMetrics, { loss: -0.2, acc: 0.4 });
  assert.deepEqual(x.maxMetrics, { loss: 2.5, acc: 0.4 });
  await store.close();
});

test('migration 6 fills the min and max of metrics stored before it', async () => {
  const file = path.join(tmpDir(), 'axon.db');
  // A database at schema 5 with metrics in it, as an Axon before migration 6 left it.
  const raw = new sqlite3.Database(file);
  const exec = (sql: string) => new Promise<void>((r, j) => raw.exec(sql, (e) => (e ? j(e) : r())));
  await exec(MIGRATIONS.slice(0, 5).join('\n'));
  await exec(`PRAGMA user_version = 5;
    INSERT INTO projects (id, name, owner_id) VALUES (1, 'p', 1);
    INSERT INTO experiments (id, project_id, status, backend, spec_json, code_path) VALUES (1, 1, 'succeeded', 'local', '{}', '/tmp');
    INSERT INTO metrics (experiment_id, key, step, ts, value) VALUES (1, 'loss', 0, 1, 3), (1, 'loss', 1, 1, 1), (1, 'loss', 2, 1, 2);
    INSERT INTO last_metrics (experiment_id, key, step, value) VALUES (1, 'loss', 2, 2);`);
  await new Promise<void>((r) => raw.close(() => r()));
  const store = await Store.open(file);
  const x = await store.experiments.get(1);
  assert.deepEqual([x.lastMetrics.loss, x.minMetrics.loss, x.maxMetrics.loss], [2, 1, 3]);
  await store.close();
});

test('migration 11 rebuilds projects with names unique per namespace, keeping every run and the cascade', async () => {
  const file = path.join(tmpDir(), 'axon.db');
  // A database at schema 10 (project names unique per owner_id), as an Axon before migration 11 left it.
  const raw = new sqlite3.Database(file);
  const exec = (sql: string) => new Promise<void>((r, j) => raw.exec(sql, (e) => (e ? j(e) : r())));
  await exec(MIGRATIONS.slice(0, 10).join('\n'));
  await exec(`PRAGMA user_version = 10; PRAGMA foreign_keys = ON;
    INSERT INTO users (id, username) VALUES (2, 'ann');
    INSERT INTO organizations (id, name) VALUES (1, 'lab');
    INSERT INTO projects (id, name, owner_id, organization_id, description) VALUES (1, 'mnist', 1, NULL, 'local'), (2, 'mnist', 2, NULL, 'ann');
    INSERT INTO experiments (id, project_id, status, backend, spec_json, code_path) VALUES (1, 1, 'succeeded', 'local', '{}', '/tmp'), (2, 2, 'succeeded', 'local', '{}', '/tmp');`);
  await new Promise<void>((r) => raw.close(() => r()));
  const store = await Store.open(file);
  try {
    assert.deepEqual(
      (await store.projects.list()).map((p) => [p.id, p.name, p.description, p.experimentCount]),
      [
        [2, 'ann/mnist', 'ann', 1],
        [1, 'mnist', 'local', 1],
      ],
    );
    assert.equal((await store.experiments.get(2)).projectName, 'ann/mnist');
    // ann's own "mnist" and the organization's (which she created) now live side by side; a second in one
    // namespace is refused by the database itself.
    await store.db.transaction(() =>
      store.db.run("INSERT INTO projects (name, owner_id, organization_id) VALUES ('mnist', 2, 1)"),
    );
    assert.equal((await store.projects.get('lab/mnist')).name, 'lab/mnist');
    await assert.rejects(
      store.db.transaction(() =>
        store.db.run("INSERT INTO projects (name, owner_id, organization_id) VALUES ('mnist', 1, 1)"),
      ),
      /UNIQUE constraint failed/,
    );
    const [fk] = await store.db.all<{ foreign_keys: number }>('PRAGMA foreign_keys');
    assert.equal(fk.foreign_keys, 1, 'foreign keys are on again after the rebuild');
    await store.projects.delete(2);
    await assert.rejects(store.experiments.get(2), /no experiment/);
    assert.equal((await store.experiments.get(1)).projectName, 'mnist');
  } finally {
    await store.close();
  }
});
