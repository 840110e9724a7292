// Pure helpers behind the dashboard defects of issue #13: throttling live re-reads, the one number format,
// chart tick labels, route ids, empty log axes, the group's objective and hyperband's planned total.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { debounce, throttle } from '../../renderer/src/lib/debounce';
import { formatNumber, formatTicks, numberFormatFor } from '../../renderer/src/lib/format';
import { parseId, projectParam, projectPath } from '../../renderer/src/lib/routeParams';
import { buildAxis, ticks } from '../../renderer/src/lib/parcoords';
import { objectiveValue, plannedExperiments, rankByObjective } from '../../renderer/src/lib/objective';
import { rank as engineRank } from '../../main/engine/handlers';
import type { ExperimentStatus } from '../../shared/statuses';

test('throttle fires during a steady stream of calls; debounce would not', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const th: number[] = [];
  const de: number[] = [];
  const a = throttle((n: number) => th.push(n), 1000);
  const b = debounce((n: number) => de.push(n), 1000);
  // Five calls a second for five seconds.
  for (let i = 1; i <= 25; i++) {
    a(i);
    b(i);
    t.mock.timers.tick(200);
  }
  assert.deepEqual(de, [], 'the debounce waits for a pause that never comes');
  assert.ok(th.length >= 5 && th.length <= 6, `the throttle fired ${th.length} times: ${th}`);
  assert.equal(th[0], 1, 'the first call goes at once');
  t.mock.timers.tick(1000);
  assert.equal(th[th.length - 1], 25, 'the last call is never lost');
  const n = th.length;
  t.mock.timers.tick(5000);
  assert.equal(th.length, n, 'and nothing fires after it');
  a.cancel();
});

test('one number format: 5 significant digits, an exponent outside [1e-4, 1e6), one format per column', () => {
  assert.equal(formatNumber(0.00235705), '0.002357');
  assert.equal(formatNumber(1.3367e-4), '0.00013367');
  assert.equal(formatNumber(1.3367e-5), '1.3367e-5');
  assert.equal(formatNumber(0.1 + 0.2), '0.3');
  assert.equal(formatNumber(12), '12');
  assert.equal(formatNumber(2.5e7 + 0.5), '2.5e+7');
  assert.equal(formatNumber(null), '—');
  assert.equal(formatNumber('adam'), 'adam');
  const col = numberFormatFor([0.00235705, 1.3367e-5, 3, undefined]);
  assert.deepEqual([0.00235705, 1.3367e-5, 3, undefined].map(col), ['2.357e-3', '1.3367e-5', '3', '—']);
  const plain = numberFormatFor([0.00235705, 1.3367e-4]);
  assert.deepEqual([0.00235705, 1.3367e-4].map(plain), ['0.002357', '0.00013367']);
});

test('tick labels read apart, with the decimals the step needs', () => {
  assert.deepEqual(formatTicks([0.0008, 0.001, 0.0012, 0.0014]), ['0.0008', '0.0010', '0.0012', '0.0014']);
  assert.deepEqual(formatTicks([0, 0.5, 1, 1.5]), ['0.0', '0.5', '1.0', '1.5']);
  assert.deepEqual(formatTicks([0, 200, 400]), ['0', '200', '400']);
  assert.deepEqual(formatTicks([1e-5, 2e-5, 3e-5]), ['1e-5', '2e-5', '3e-5']);
  assert.deepEqual(formatTicks([null, 1, 2]), ['', '1', '2']);
  for (const set of [
    [0.001, 0.0011, 0.0012, 0.0013],
    [123.4, 123.5, 123.6],
    [2e6, 2.5e6, 3e6],
  ]) {
    const labels = formatTicks(set);
    assert.equal(new Set(labels).size, labels.length, `${set} → ${labels}`);
  }
});

test('route ids: digits only', () => {
  assert.equal(parseId('19'), 19);
  for (const bad of ['abc', '', undefined, '0', '-3', '1.5', '1e3', ' 4', '007', '9'.repeat(20)])
    assert.equal(parseId(bad), null, String(bad));
});

test('a log axis with no values is linear and has ticks; no domain makes an endless tick loop', () => {
  const empty = buildAxis('lr', [], { scale: 'log' });
  assert.equal(empty.scale, 'linear');
  assert.ok(ticks(empty).length > 0);
  // A log axis over a domain that reaches 0 (stale data): its ends, at once.
  const broken = { ...buildAxis('lr', [0.1, 1], { scale: 'log' }), domain: [0, 1] as [number, number] };
  assert.ok(ticks(broken).length <= 2);
  const flat = { ...buildAxis('x', [1, 2]), domain: [NaN, 1] as [number, number] };
  assert.deepEqual(ticks(flat), []);
});

test('the objective: last value, ranked as the engine ranks; hyperband plans its total', () => {
  const m = { name: 'loss', optimization: 'minimize' as const };
  const xs: Array<{ id: number; status: ExperimentStatus; lastMetrics: Record<string, number> }> = [
    { id: 1, status: 'succeeded', lastMetrics: { loss: 0.5 } },
    { id: 2, status: 'succeeded', lastMetrics: {} },
    { id: 3, status: 'running', lastMetrics: { loss: 0.2 } },
    { id: 4, status: 'succeeded', lastMetrics: { loss: 0.2 } },
    // Reported the lowest loss, then failed: never the best, ranked after every run that can be.
    { id: 5, status: 'failed', lastMetrics: { loss: 0.1 } },
    { id: 6, status: 'stopped', lastMetrics: { loss: 0.3 } },
  ];
  assert.deepEqual(
    rankByObjective(xs, m).map((x) => x.id),
    [3, 4, 1, 2, 5, 6],
  );
  assert.deepEqual(
    rankByObjective(xs, { ...m, optimization: 'maximize' }).map((x) => x.id),
    [1, 3, 4, 2, 6, 5],
  );
  // The engine's ranking (groups.get) is the same.
  assert.deepEqual(
    engineRank(xs, m).map((x) => x.id),
    [3, 4, 1, 2, 5, 6],
  );
  assert.equal(objectiveValue(xs[1], m), undefined);
  assert.equal(
    plannedExperiments({
      algorithm: 'hyperband',
      brackets: [
        {
          index: 0,
          s: 2,
          rounds: [
            { n: 9, resource: 1 },
            { n: 3, resource: 3 },
            { n: 1, resource: 9 },
          ],
        },
        {
          index: 1,
          s: 1,
          rounds: [
            { n: 5, resource: 3 },
            { n: 1, resource: 9 },
          ],
        },
        { index: 2, s: 0, rounds: [{ n: 3, resource: 9 }] },
      ],
    }),
    22,
  );
  assert.equal(plannedExperiments({ algorithm: 'grid', brackets: [] }), null);
});

test("a project's address: its name, or OWNER/NAME as two segments, and back", () => {
  assert.equal(projectPath('mnist'), '/projects/mnist');
  assert.equal(projectPath('lab/mnist.v2'), '/projects/lab/mnist.v2');
  assert.equal(projectParam({ name: 'mnist' }), 'mnist');
  assert.equal(projectParam({ owner: 'lab', name: 'mnist.v2' }), 'lab/mnist.v2');
  assert.equal(projectParam({ name: 'a%20b' }), 'a b', 'an encoded segment is decoded');
});
