// The sweep page's pure logic: parallel-coordinates brushes kept in the axes' values (renderer/src/lib/
// parcoords.ts), which filter the ranked table (AND across axes) and stay on the same values when new
// trials widen an axis; and the overlaid curves' drawing order and colours (renderer/src/lib/trialCurves.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildAxis,
  filterByBrushes,
  insideBrush,
  passesBrushes,
  position,
  toPositionBrush,
  toValueBrush,
} from '../../renderer/src/lib/parcoords';
import { alignedCurves, curveStyles } from '../../renderer/src/lib/trialCurves';
import type { Experiment } from '../../shared/domain';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);

test('a dragged range becomes values, and those values sit where they belong on a wider axis', () => {
  const axis = buildAxis('lr', [0.001, 0.1], { scale: 'log' });
  const v = toValueBrush(axis, { lo: 0.25, hi: 0.75 });
  assert.ok('lo' in v);
  close(v.lo, 10 ** -2.5);
  close(v.hi, 10 ** -1.5);
  // A live sweep widens the axis: the brush stays on the same values, at new positions.
  const wider = buildAxis('lr', [0.0001, 0.1, 1], { scale: 'log' });
  const p = toPositionBrush(wider, v)!;
  close(p.lo, position(wider, 10 ** -2.5)!);
  close(p.hi, position(wider, 10 ** -1.5)!);
  assert.ok(p.lo > 0.25 && p.hi > 0.6, 'the positions moved, the values did not');
});

test('categorical brushes keep categories; a range on a categorical axis (or the reverse) is not placed', () => {
  const axis = buildAxis('opt', ['adam', 'sgd', 'rmsprop'], { scale: 'categorical' });
  const v = toValueBrush(axis, { lo: 0.4, hi: 1 });
  assert.deepEqual(v, { values: ['rmsprop', 'sgd'] });
  const p = toPositionBrush(axis, v)!;
  assert.ok(p.lo < 0.5 && p.hi >= 0.99, JSON.stringify(p));
  assert.equal(toPositionBrush(axis, { lo: 0, hi: 1 }), null);
  assert.equal(toPositionBrush(buildAxis('x', [1, 2]), { values: ['a'] }), null);
  assert.equal(toPositionBrush(axis, { values: ['nope'] }), null);
});

test('insideBrush: ranges include their ends, categories by label, a missing value is never inside', () => {
  assert.equal(insideBrush({ lo: 0.1, hi: 0.3 }, 0.1), true);
  assert.equal(insideBrush({ lo: 0.1, hi: 0.3 }, 0.3 + 1e-12), true, 'rounding at the end');
  assert.equal(insideBrush({ lo: 0.1, hi: 0.3 }, 0.31), false);
  assert.equal(insideBrush({ lo: 0.1, hi: 0.3 }, 'a'), false);
  assert.equal(insideBrush({ lo: 0.1, hi: 0.3 }, undefined), false);
  assert.equal(insideBrush({ values: ['sgd'] }, 'sgd'), true);
  assert.equal(insideBrush({ values: ['sgd'] }, 'adam'), false);
  assert.equal(insideBrush({ values: ['sgd'] }, null), false);
});

test('the table filter: AND across brushed axes, the metric axis by the last value, order kept', () => {
  const x = (id: number, a: number, opt: string, loss?: number) => ({
    id,
    params: { a, opt },
    lastMetrics: (loss === undefined ? {} : { loss }) as Record<string, number>,
  });
  const rows = [x(1, 0.1, 'sgd', 0.5), x(2, 0.2, 'adam', 0.2), x(3, 0.9, 'sgd', 0.1), x(4, 0.15, 'sgd')];
  assert.equal(filterByBrushes(rows, {}, 'loss'), rows, 'no brushes: every row, the same array');
  const ids = (b: Parameters<typeof filterByBrushes>[1]) => filterByBrushes(rows, b, 'loss').map((r) => r.id);
  assert.deepEqual(ids({ a: { lo: 0, hi: 0.5 } }), [1, 2, 4]);
  assert.deepEqual(ids({ a: { lo: 0, hi: 0.5 }, opt: { values: ['sgd'] } }), [1, 4]);
  // A brush on the metric: a trial without a value does not pass.
  assert.deepEqual(ids({ a: { lo: 0, hi: 0.5 }, loss: { lo: 0, hi: 1 } }), [1, 2]);
  assert.deepEqual(ids({ loss: { lo: 0, hi: 0.3 } }), [2, 3]);
  assert.equal(passesBrushes({ a: 1 }, { b: { lo: 0, hi: 2 } }), false, 'a param the row lacks');
});

test('curves: unranked first, then worst to best (the best on top), colours by rank, best three marked', () => {
  const exp = (id: number, status: string, loss?: number) =>
    [id, { id, status, lastMetrics: loss === undefined ? {} : { loss } }] as [
      number,
      Pick<Experiment, 'id' | 'status' | 'lastMetrics'>,
    ];
  const byId = new Map([
    exp(1, 'succeeded', 0.5),
    exp(2, 'succeeded', 0.1),
    exp(3, 'running', 0.05),
    exp(4, 'succeeded', 0.3),
    exp(5, 'failed', 9),
    exp(6, 'succeeded', 0.2),
  ]);
  const styles = curveStyles([1, 2, 3, 4, 5, 6], byId, { name: 'loss', optimization: 'minimize' });
  assert.deepEqual(
    styles.map((s) => [s.experimentId, s.rank, s.highlight]),
    [
      [3, null, false],
      [5, 5, false],
      [1, 4, false],
      [4, 3, true],
      [6, 2, true],
      [2, 1, true],
    ],
  );
  assert.equal(styles[styles.length - 1].q, 1, 'the best gets the best colour');
  assert.equal(styles[1].q, 0, 'the worst the other end');
  assert.equal(styles[0].q, null, 'a running trial is drawn neutral (its value is not final)');
  // Maximize flips the ranking; no objective: nothing ranked or highlighted.
  const max = curveStyles([1, 2], byId, { name: 'loss', optimization: 'maximize' });
  assert.deepEqual(
    max.map((s) => [s.experimentId, s.rank]),
    [
      [2, 2],
      [1, 1],
    ],
  );
  assert.ok(curveStyles([1, 2], byId, null).every((s) => s.rank === null && !s.highlight));

  const table = alignedCurves(
    {
      groupId: 1,
      key: 'loss',
      steps: [1, 2],
      bucket: 1,
      curves: [
        { experimentId: 1, total: 2, values: [1, 0.5] },
        { experimentId: 2, total: 1, values: [0.3, null] },
      ],
    },
    curveStyles([1, 2], byId, { name: 'loss', optimization: 'minimize' }),
  );
  assert.deepEqual(table, [
    [1, 2],
    [1, 0.5],
    [0.3, null],
  ]);
});
