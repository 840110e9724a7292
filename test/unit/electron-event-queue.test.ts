// The per-renderer event queue (main/electron/event-queue.ts): FIFO while within limits; under pressure it
// coalesces state events and joins deltas, then drops the oldest deltas, counting them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventQueue } from '../../main/electron/event-queue';
import type { Events } from '../../shared/api';

const changed = (id: number, status: string, previous: string | null): Events['experiments.changed'] => ({
  experiment: { id, status } as never,
  previous,
});
const log = (experimentId: number, offset: number, text: string, jobId = 1): Events['logs.appended'] => ({
  experimentId,
  jobId,
  offset,
  nextOffset: offset + text.length,
  text,
});

test('within its limits the queue is a FIFO and take respects the batch limits', () => {
  const q = new EventQueue({ maxEvents: 100, maxBytes: 1 << 20 });
  q.push('experiments.changed', changed(1, 'scheduled', 'created'));
  q.push('logs.appended', log(1, 0, 'a'));
  q.push('experiments.changed', changed(1, 'running', 'scheduled'));
  q.push('logs.appended', log(1, 1, 'b'));
  assert.equal(q.length, 4);
  const first = q.take(3, 1 << 20);
  assert.deepEqual(
    first.events.map((e) => e.event),
    ['experiments.changed', 'logs.appended', 'experiments.changed'],
  );
  assert.equal(first.dropped, undefined);
  assert.equal(q.take(10, 1).events.length, 1, 'at least one event even over the byte limit');
  assert.equal(q.length, 0);
  assert.equal(q.size, 0);
});

test('under pressure: latest state per experiment with the oldest previous; contiguous logs joined', () => {
  const q = new EventQueue({ maxEvents: 6, maxBytes: 1 << 20 });
  q.push('experiments.changed', changed(1, 'scheduled', 'created'));
  q.push('logs.appended', log(1, 0, 'hello '));
  q.push('experiments.changed', changed(1, 'running', 'scheduled'));
  q.push('logs.appended', log(1, 6, 'world'));
  q.push('groups.changed', { group: { id: 3, status: 'running' } as never });
  q.push('groups.changed', { group: { id: 3, status: 'done' } as never });
  q.push('experiments.changed', changed(1, 'succeeded', 'running')); // 7 > 6: coalesce
  const { events, dropped } = q.take(100, 1 << 20);
  assert.equal(dropped, undefined);
  assert.deepEqual(
    events.map((e) => e.event),
    ['logs.appended', 'groups.changed', 'experiments.changed'],
  );
  assert.deepEqual(events[0].payload, {
    experimentId: 1,
    jobId: 1,
    offset: 0,
    nextOffset: 11,
    text: 'hello world',
  });
  assert.equal((events[1].payload as Events['groups.changed']).group.status, 'done');
  assert.deepEqual(events[2].payload, changed(1, 'succeeded', 'created'));
});

test('under pressure, logs of two jobs of one experiment are joined per job, never across jobs', () => {
  const q = new EventQueue({ maxEvents: 3, maxBytes: 1 << 20 });
  q.push('logs.appended', log(1, 0, 'master a ', 1));
  q.push('logs.appended', log(1, 0, 'worker a ', 2)); // same offsets, another file
  q.push('logs.appended', log(1, 9, 'master b', 1));
  q.push('logs.appended', log(1, 9, 'worker b', 2)); // 4 > 3: coalesce
  const { events } = q.take(100, 1 << 20);
  const texts = events.map((e) => {
    const c = e.payload as Events['logs.appended'];
    return `${c.jobId}:${c.offset}-${c.nextOffset}:${c.text}`;
  });
  assert.deepEqual(texts, ['1:0-17:master a master b', '2:0-17:worker a worker b']);
});

test('logs with a gap are not joined; metrics of one experiment merge; resources keep the latest per job', () => {
  const q = new EventQueue({ maxEvents: 5, maxBytes: 1 << 20 });
  q.push('logs.appended', log(1, 0, 'aaa'));
  q.push('logs.appended', log(1, 100, 'bbb')); // gap: the renderer must see it
  q.push('metrics.appended', { experimentId: 2, points: [{ key: 'loss', step: 0, ts: 1, value: 1 }] });
  q.push('metrics.appended', { experimentId: 2, points: [{ key: 'loss', step: 1, ts: 2, value: 0.5 }] });
  const sample = (experimentId: number, jobId: number, ts: number) =>
    ({ experimentId, jobId, ts, cpuPercent: ts }) as never;
  q.push('resources.sampled', { samples: [sample(1, 1, 1), sample(2, 2, 1)] });
  q.push('resources.sampled', { samples: [sample(1, 1, 2)] });
  const { events } = q.take(100, 1 << 20);
  assert.deepEqual(
    events.map((e) => e.event),
    ['logs.appended', 'logs.appended', 'metrics.appended', 'resources.sampled'],
  );
  assert.deepEqual(
    (events[2].payload as Events['metrics.appended']).points.map((p) => p.step),
    [0, 1],
  );
  const samples = (events[3].payload as Events['resources.sampled']).samples;
  assert.deepEqual(
    samples.map((s) => [s.experimentId, s.jobId, s.ts]),
    [
      [1, 1, 2],
      [2, 2, 1],
    ],
  );
});

test('over its byte limit it drops the oldest deltas, counts them, and keeps every state event', () => {
  const q = new EventQueue({ maxEvents: 10_000, maxBytes: 10_000 });
  for (let i = 0; i < 100; i++) {
    q.push('logs.appended', log(i, 0, 'x'.repeat(500)));
    q.push('experiments.changed', changed(i, 'running', 'starting'));
  }
  const { events, dropped } = q.take(100_000, 1 << 30);
  const logs = events.filter((e) => e.event === 'logs.appended');
  const logBytes = logs.reduce((n, e) => n + (e.payload as Events['logs.appended']).text.length, 0);
  assert.ok(logBytes <= 10_000, `${logBytes} bytes of logs kept`);
  assert.equal(events.filter((e) => e.event === 'experiments.changed').length, 100);
  assert.ok(dropped && dropped['logs.appended']! > 80, JSON.stringify(dropped));
  assert.equal(logs.length + dropped!['logs.appended']!, 100);
  // The newest logs are the ones kept.
  assert.equal((logs[logs.length - 1].payload as Events['logs.appended']).experimentId, 99);
  // The counts are reported once.
  q.push('logs.appended', log(1, 0, 'y'));
  assert.equal(q.take(10, 1 << 20).dropped, undefined);
});

test('state events alone are coalesced at doubling thresholds: bounded by the number of distinct ids', () => {
  const q = new EventQueue({ maxEvents: 100, maxBytes: 1 << 20 });
  for (let round = 0; round < 50; round++)
    for (let id = 0; id < 300; id++) q.push('experiments.changed', changed(id, `s${round}`, 'created'));
  assert.ok(q.length <= 600, `${q.length} queued for 300 experiments`);
  const { events, dropped } = q.take(100_000, 1 << 30);
  assert.equal(dropped, undefined);
  const last = new Map<number, string>();
  for (const e of events) {
    const p = e.payload as Events['experiments.changed'];
    last.set(p.experiment.id, p.experiment.status);
  }
  assert.equal(last.size, 300);
  assert.ok(
    [...last.values()].every((s) => s === 's49'),
    "[...last.values()].every((s) => s === 's49')",
  );
});
