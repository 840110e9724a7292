// experiments.metricSeries' downsampling against a brute-force computation over the stored points, on a real
// SQLite store: long series read from the per-256-step rollups kept at ingest, zoomed ranges, rewritten steps
// (stale rollups), sparse series, and rollups backfilled by the migration from points stored before it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Store } from '../../main/engine/store';
import { MIGRATIONS } from '../../main/engine/store/migrations';
import type { MetricSeries } from '../../main/engine/store/metric-series';
import type { MetricPoint } from '../../shared/domain';
import { insertExperiment, tmpDir } from '../helpers';

/** A seeded generator: the same points on every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function setup() {
  const file = path.join(tmpDir(), 'axon.db');
  const store = await Store.open(file);
  const id = await insertExperiment(store);
  const jobId = await store.db.transaction(() => store.jobs.insert(id, 'master', 0, '/dev/null'));
  let consumed = 0;
  const ingest = (points: MetricPoint[]) =>
    store.metrics.ingest({
      experimentId: id,
      jobId,
      points,
      params: {},
      tags: [],
      consumed: ++consumed,
      malformed: 0,
    });
  return { file, store, id, ingest };
}

const point = (key: string, step: number, value: number): MetricPoint => ({
  key,
  step,
  ts: 1_700_000_000 + step / 10,
  value,
});

/**
 * Buckets are consecutive runs of steps, in order: bucket k holds the stored points with a step above bucket
 * k-1's step and up to its own. Each must give exactly their count, last step, last time, min, max and mean.
 */
function assertMatches(s: MetricSeries, raw: MetricPoint[], maxPoints: number, what: string) {
  assert.ok(s.points.length <= maxPoints, `${what}: ${s.points.length} buckets > ${maxPoints}`);
  assert.equal(s.total, raw.length, `${what}: total`);
  let i = 0;
  let prevStep = -Infinity;
  for (const [k, b] of s.points.entries()) {
    assert.ok(b.step > prevStep, `${what}: bucket ${k} steps in order`);
    const inside: MetricPoint[] = [];
    while (i < raw.length && raw[i].step <= b.step) inside.push(raw[i++]);
    assert.ok(inside.length > 0, `${what}: bucket ${k} (step ${b.step}) holds points`);
    const values = inside.map((p) => p.value);
    assert.equal(b.step, inside[inside.length - 1].step, `${what}: bucket ${k} last step`);
    assert.equal(b.ts, Math.max(...inside.map((p) => p.ts)), `${what}: bucket ${k} time`);
    assert.equal(b.min, Math.min(...values), `${what}: bucket ${k} min`);
    assert.equal(b.max, Math.max(...values), `${what}: bucket ${k} max`);
    const mean = values.reduce((a, v) => a + v, 0) / values.length;
    assert.ok(Math.abs(b.value - mean) <= 1e-9 * Math.max(1, Math.abs(mean)), `${what}: bucket ${k} mean`);
    prevStep = b.step;
  }
  assert.equal(i, raw.length, `${what}: every point is in a bucket`);
}

async function check(
  store: Store,
  id: number,
  key: string,
  maxPoints: number,
  range: { fromStep?: number; toStep?: number } = {},
  stored?: MetricPoint[],
) {
  const all = stored ?? (await store.metrics.series(id, [key]));
  const raw = all.filter(
    (p) => p.step >= (range.fromStep ?? -Infinity) && p.step <= (range.toStep ?? Infinity),
  );
  const [s] = await store.metrics.downsampled(id, [key], maxPoints, range);
  const what = `${key} max ${maxPoints} ${JSON.stringify(range)}`;
  if (!raw.length) return assert.equal(s, undefined, `${what}: no series`);
  assertMatches(s, raw, maxPoints, what);
  return s;
}

const staleRows = async (store: Store, id: number) =>
  (await store.db.get<{ n: number }>(
    'SELECT count(*) AS n FROM metric_rollups WHERE experiment_id = ? AND stale = 1',
    [id],
  ))!.n;

test('a long series in order: every bucket is exactly its points, read from rollups that are never stale', async () => {
  const { store, id, ingest } = await setup();
  const r = rng(1);
  // 60,000 steps with gaps, in batches of uneven sizes that end in the middle of 256-step buckets.
  const points: MetricPoint[] = [];
  for (let step = 0; points.length < 60_000; step += r() < 0.1 ? 1 + Math.floor(r() * 40) : 1)
    points.push(point('loss', step, 1 / (1 + step / 1000) + r() * 0.05));
  for (let i = 0; i < points.length;) {
    const n = 1 + Math.floor(r() * 5000);
    await ingest(points.slice(i, i + n));
    i += n;
  }
  assert.equal(await staleRows(store, id), 0);
  const stored = await store.metrics.series(id, ['loss']);
  for (const maxPoints of [10, 100, 1000, 2000, 50_000])
    await check(store, id, 'loss', maxPoints, {}, stored);
  // A series that fits is returned point for point.
  const s = await check(store, id, 'loss', 100_000, {}, stored);
  assert.equal(s!.points.length, 60_000);
  assert.deepEqual(
    s!.points.slice(0, 2).map((p) => p.step),
    [0, 1],
  );
  await store.close();
});

test('zoomed ranges: ends inside buckets, open ends, fine buckets, a range with no points', async () => {
  const { store, id, ingest } = await setup();
  const r = rng(2);
  const points: MetricPoint[] = [];
  for (let step = 0; step < 120_000; step += 2) points.push(point('acc', step, r()));
  for (let i = 0; i < points.length; i += 7_777) await ingest(points.slice(i, i + 7_777));
  const stored = await store.metrics.series(id, ['acc']);
  for (const range of [
    { fromStep: 1_000, toStep: 110_001 },
    { fromStep: 77 },
    { toStep: 99_999 },
    { fromStep: 12_345, toStep: 13_000 },
    { fromStep: 300, toStep: 301 },
    { fromStep: 301, toStep: 301 },
    { fromStep: 250_000 },
  ])
    for (const maxPoints of [10, 500, 2000]) await check(store, id, 'acc', maxPoints, range, stored);
  await store.close();
});

test('steps written again, repeated in a batch or out of order: stale rollups are recomputed, then healed', async () => {
  const { store, id, ingest } = await setup();
  const r = rng(3);
  const steps = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  await ingest(steps(0, 20_000).map((s) => point('loss', s, r())));
  // Later batches: rewrite old steps with new values (a lower min, a higher max), repeat a step within a
  // batch (the later one wins), go back in steps, and fill a gap far ahead out of order.
  await ingest([point('loss', 5, -10), point('loss', 9_000, 10)]);
  await ingest([point('loss', 20_000, 0.5), point('loss', 20_000, -3), point('loss', 19_999, 7)]);
  await ingest([point('loss', 40_000, 1), point('loss', 30_000, 2), point('loss', 30_001, 3)]);
  assert.ok((await staleRows(store, id)) > 0, 'rewritten buckets are marked stale');
  // 100 buckets of 40,001 steps: read from the rollups.
  const first = await check(store, id, 'loss', 100);
  assert.equal(first!.points[0].min, -10);
  assert.equal(Math.max(...first!.points.map((p) => p.max)), 10);
  assert.equal(first!.total, 20_004);
  assert.equal(await staleRows(store, id), 0, 'read once, the stale rows are exact again');
  await check(store, id, 'loss', 100);
  await check(store, id, 'loss', 300);
  // Healed rows go on being kept by later batches.
  await ingest(steps(40_001, 45_000).map((s) => point('loss', s, r())));
  await ingest([point('loss', 5, 100)]);
  assert.equal(await staleRows(store, id), 1);
  await check(store, id, 'loss', 100);
  await check(store, id, 'loss', 1000, { fromStep: 3, toStep: 41_000 });
  await store.close();
});

test('several keys, a key filter, a sparse series returned as it is, a run without metrics', async () => {
  const { store, id, ingest } = await setup();
  const batch: MetricPoint[] = [];
  for (let s = 0; s < 10_000; s++) batch.push(point('a', s, Math.sin(s)), point('b', s, Math.cos(s)));
  for (let s = 0; s < 500; s++) batch.push(point('sparse', s * 10_000, s));
  await ingest(batch);
  const all = await store.metrics.downsampled(id, undefined, 100);
  assert.deepEqual(
    all.map((s) => s.key),
    ['a', 'b', 'sparse'],
  );
  await check(store, id, 'a', 100);
  await check(store, id, 'b', 100);
  const sparse = await check(store, id, 'sparse', 1000);
  assert.equal(sparse!.points.length, 500, 'fewer points than asked for: every point');
  await check(store, id, 'sparse', 100);
  assert.deepEqual(await store.metrics.downsampled(id, ['nothing'], 100), []);
  const other = await store.db.transaction(() =>
    store.experiments.insert({
      projectId: 1,
      groupId: null,
      name: null,
      backend: 'local',
      cmd: 'true',
      spec: {},
      params: {},
      tags: [],
      codePath: '/tmp',
    }),
  );
  assert.deepEqual(await store.metrics.downsampled(other, undefined, 100), []);
  await store.close();
});

test('points stored before the rollups existed are summarised by the migration', async () => {
  const { file, store, id, ingest } = await setup();
  const r = rng(4);
  await ingest(Array.from({ length: 30_000 }, (_, s) => point('loss', s, r())));
  // Back to the schema before migration 10, as an older Axon left it.
  await store.db.exec(`DROP TABLE metric_rollups; PRAGMA user_version = 9`);
  await store.close();
  assert.equal(MIGRATIONS.length >= 10, true);
  const again = await Store.open(file);
  await check(again, id, 'loss', 200);
  await check(again, id, 'loss', 2000, { fromStep: 1000, toStep: 29_000 });
  await again.close();
});
