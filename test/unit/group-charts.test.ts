// The Group page's pure chart helpers: parallel-coordinates axes (linear, log, categorical), positions,
// ticks, brushes and the colour ramp; the hyperband bracket layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  brushFromValues,
  buildAxes,
  buildAxis,
  matches,
  metricScale,
  nearestLine,
  position,
  quality,
  rampColor,
  ticks,
  valueAt,
  type PcRow,
} from '../../renderer/src/lib/parcoords';
import { bracketLayout, statusTone } from '../../renderer/src/lib/brackets';
import type { GroupSweep, SweepExperiment } from '../../shared/api';

const close = (a: number, b: number, msg = `${a} ≈ ${b}`) => assert.ok(Math.abs(a - b) < 1e-9, msg);

test('axes: linear spans the values, log spans decades, categories keep the matrix order then the rest', () => {
  const lin = buildAxis('x', [0.2, 0.8, 0.5]);
  assert.equal(lin.scale, 'linear');
  assert.deepEqual(lin.domain, [0.2, 0.8]);
  close(position(lin, 0.5)!, 0.5);

  const log = buildAxis('lr', [0.001, 0.01, 0.1], { scale: 'log' });
  assert.equal(log.scale, 'log');
  close(position(log, 0.01)!, 0.5);
  close(valueAt(log, 0.5) as number, 0.01);

  // A log axis with a value ≤ 0 falls back to linear; a numeric axis with a string becomes categorical.
  assert.equal(buildAxis('a', [0, 1, 10], { scale: 'log' }).scale, 'linear');
  const mixed = buildAxis('b', [1, 'two']);
  assert.equal(mixed.scale, 'categorical');

  const cat = buildAxis('opt', ['sgd', 'adam', 'rmsprop'], {
    scale: 'categorical',
    categories: ['adam', 'sgd'],
  });
  assert.deepEqual(cat.categories, ['adam', 'sgd', 'rmsprop']);
  assert.equal(position(cat, 'adam'), 0);
  assert.equal(position(cat, 'sgd'), 0.5);
  assert.equal(position(cat, 'rmsprop'), 1);
  assert.equal(position(cat, 'nope'), null);
  assert.equal(position(buildAxis('one', ['a'], { scale: 'categorical' }), 'a'), 0.5);

  // One value: the axis is widened around it so the line sits in the middle.
  const single = buildAxis('s', [3, 3]);
  close(position(single, 3)!, 0.5);
  const singleLog = buildAxis('s', [4], { scale: 'log' });
  close(position(singleLog, 4)!, 0.5);
});

test('buildAxes: params in order, then the metric (log when it spans more than 3 decades)', () => {
  const rows: PcRow[] = [
    { id: 1, values: { x: 0.1, opt: 'adam', loss: 0.001 } },
    { id: 2, values: { x: 0.9, opt: 'sgd', loss: 10 } },
  ];
  const axes = buildAxes(
    [
      { name: 'x', scale: 'linear' },
      { name: 'opt', scale: 'categorical', values: ['sgd', 'adam'] },
    ],
    'loss',
    rows,
    [...rows, { id: 3, values: { x: 2, opt: 'adam' } }],
  );
  assert.deepEqual(
    axes.map((a) => [a.key, a.scale, a.isMetric]),
    [
      ['x', 'linear', false],
      ['opt', 'categorical', false],
      ['loss', 'log', true],
    ],
  );
  assert.deepEqual(axes[0].domain, [0.1, 2], 'param axes span every experiment, finished or not');
  assert.deepEqual(axes[1].categories, ['sgd', 'adam']);
  assert.equal(metricScale([0.5, 2]), 'linear');
  assert.equal(metricScale([-1, 2000]), 'linear');
});

test('ticks: round numbers, powers of ten, every category', () => {
  assert.deepEqual(
    ticks(buildAxis('x', [0, 1]), 5).map((t) => t.label),
    ['0', '0.2', '0.4', '0.6', '0.8', '1'],
  );
  const lt = ticks(buildAxis('lr', [1e-4, 1], { scale: 'log' }), 5);
  assert.deepEqual(
    lt.map((t) => t.label),
    ['1e-4', '0.001', '0.01', '0.1', '1'],
  );
  close(lt[0].p, 0);
  close(lt[4].p, 1);
  // Few decades: 2 and 5 fill in.
  assert.deepEqual(
    ticks(buildAxis('e', [1, 9], { scale: 'log' })).map((t) => t.label),
    ['1', '2', '5'],
  );
  assert.deepEqual(
    ticks(buildAxis('o', ['a', 'b', 'c'], { scale: 'categorical' })).map((t) => [t.label, t.p]),
    [
      ['a', 0],
      ['b', 0.5],
      ['c', 1],
    ],
  );
  // A discrete param: ticks at its values.
  assert.deepEqual(
    ticks(buildAxis('epochs', [1, 3, 9, 3], { scale: 'log', discrete: true })).map((t) => t.label),
    ['1', '3', '9'],
  );
  assert.deepEqual(
    buildAxes([{ name: 'lr', scale: 'log', kind: 'logspace' }], 'loss', [
      { id: 1, values: { lr: 0.001, loss: 1 } },
      { id: 2, values: { lr: 0.1, loss: 2 } },
    ])[0].ticksAt,
    [0.001, 0.1],
  );
  for (const t of ticks(buildAxis('y', [-3.7, 12.2])))
    assert.ok(t.p >= 0 && t.p <= 1, `tick ${t.label} at ${t.p} is on the axis`);
});

test('brushes: a row matches when it is inside every brushed range; typed ranges make the same brushes', () => {
  const axes = buildAxes(
    [
      { name: 'x', scale: 'linear' },
      { name: 'opt', scale: 'categorical', values: ['adam', 'sgd', 'rms'] },
    ],
    'loss',
    [
      { id: 1, values: { x: 0, opt: 'adam', loss: 1 } },
      { id: 2, values: { x: 10, opt: 'sgd', loss: 2 } },
      { id: 3, values: { x: 5, opt: 'rms', loss: 3 } },
    ],
  );
  const rows: PcRow[] = [
    { id: 1, values: { x: 0, opt: 'adam', loss: 1 } },
    { id: 2, values: { x: 10, opt: 'sgd', loss: 2 } },
    { id: 3, values: { x: 5, opt: 'rms', loss: 3 } },
  ];
  const pick = (b: Parameters<typeof matches>[2]) => rows.filter((r) => matches(r, axes, b)).map((r) => r.id);
  assert.deepEqual(pick({}), [1, 2, 3]);
  const x = brushFromValues(axes[0], '4', '10')!;
  close(x.lo, 0.4);
  close(x.hi, 1);
  assert.deepEqual(pick({ x }), [2, 3]);
  assert.deepEqual(brushFromValues(axes[0], '10', '4'), x, 'the order of the bounds does not matter');
  const opt = brushFromValues(axes[1], 'sgd', 'rms')!;
  assert.deepEqual(pick({ x, opt }), [2, 3]);
  assert.deepEqual(pick({ opt: brushFromValues(axes[1], 'adam', 'adam')! }), [1]);
  assert.equal(brushFromValues(axes[0], '', '3'), null);
  assert.equal(brushFromValues(axes[1], 'adam', 'nope'), null);
  // A row without a value on a brushed axis is out.
  assert.equal(matches({ id: 9, values: { opt: 'adam' } }, axes, { x }), false);
});

test('colour ramp: the best end stands out in each theme; quality follows the optimization', () => {
  assert.equal(rampColor(1, 'light'), 'rgb(68, 1, 84)', 'best is dark violet on a light page');
  assert.equal(rampColor(1, 'dark'), 'rgb(253, 231, 37)', 'best is bright yellow on a dark page');
  assert.notEqual(rampColor(0, 'light'), 'rgb(253, 231, 37)', 'the worst end stops short of pale yellow');
  assert.equal(quality(0.2, 'minimize'), 0.8);
  assert.equal(quality(0.2, 'maximize'), 0.2);
});

test('nearestLine: interpolates between axes and prefers the line drawn last', () => {
  const xs = [0, 100, 200];
  const lines = [
    { id: 1, ys: [0, 100, 0] },
    { id: 2, ys: [100, 0, 100] },
    { id: 3, ys: [50, 50, 50] },
  ];
  assert.equal(nearestLine(xs, lines, 50, 50), 3);
  assert.equal(nearestLine(xs, lines, 150, 49), 3);
  assert.equal(nearestLine(xs, lines, 10, 11), 1);
  assert.equal(nearestLine(xs, lines, 10, 91), 2);
  assert.equal(nearestLine(xs, lines, 10, 30), null);
  assert.equal(nearestLine(xs, lines, 400, 50), null);
  assert.equal(nearestLine(xs, [{ id: 4, ys: [50, 50, 50] }, ...lines], 50, 50), 3);
});

test('bracketLayout: rounds line up by resource, cells best first, promoted and current marked', () => {
  const x = (
    id: number,
    bracket: number,
    round: number,
    value: number | null,
    status: SweepExperiment['status'] = 'succeeded',
    promoted = false,
  ): SweepExperiment => ({
    id,
    status,
    value,
    config: id,
    bracket,
    round,
    resource: null,
    promoted,
  });
  const sweep: Pick<GroupSweep, 'brackets' | 'experiments' | 'current' | 'metric'> = {
    metric: { name: 'loss', optimization: 'minimize' },
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
    experiments: [
      x(1, 0, 0, 0.5),
      x(2, 0, 0, 0.1, 'succeeded', true),
      x(3, 0, 0, null, 'failed'),
      x(4, 0, 0, 0.3),
      x(5, 0, 1, null, 'running'),
    ],
    current: { bracket: 0, round: 1 },
  };
  const l = bracketLayout(sweep, (id) => (id === 4 ? { status: 'succeeded', value: 0.05 } : undefined));
  assert.deepEqual(l.columns, [1, 3, 9]);
  assert.deepEqual(
    l.rows.map((r) => r.rounds.map((b) => b.column)),
    [[0, 1, 2], [1, 2], [2]],
  );
  const r0 = l.rows[0].rounds[0];
  assert.deepEqual(
    r0.cells.map((c) => c.id),
    [4, 2, 1, 3],
    'best first by the live value; no value last',
  );
  assert.equal(r0.toCome, 5);
  assert.equal(r0.done, 4);
  assert.equal(r0.current, false);
  assert.equal(r0.cells[1].promoted, true);
  const r1 = l.rows[0].rounds[1];
  assert.equal(r1.current, true);
  assert.equal(r1.active, true);
  assert.equal(l.rows[1].configs, 5);
  assert.equal(statusTone('running'), 'running');
  assert.equal(statusTone('upstream_failed'), 'danger');
  assert.equal(statusTone('created'), 'pending');
});
