// The metric panels' rules (renderer/src/lib): which metrics share a panel, sections by prefix, the search
// over names, when a zoomed chart asks the engine for finer data, run colours, and Compare's identical rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildPanels,
  groupSections,
  metricBase,
  moveMetric,
  ownPanel,
  panelMatches,
  parseOverrides,
} from '../../renderer/src/lib/metricPanels';
import { alignColumns, countInRange, mergeDetail, zoomDecision } from '../../renderer/src/lib/zoomDetail';
import { runColors } from '../../renderer/src/lib/runColors';
import { sameInAll, splitIdentical } from '../../renderer/src/lib/compareRows';

const KEYS = ['loss', 'val_loss', 'train/acc', 'val/acc', 'train/lr', 'acc_train', 'acc_val', 'grad_norm'];
const layout = (keys: string[], o = {}) => buildPanels(keys, o).map((p) => [p.name, p.keys, p.section]);

test('a split word as prefix or suffix is what metrics that share a panel differ by', () => {
  assert.equal(metricBase('val_loss'), 'loss');
  assert.equal(metricBase('train/acc'), 'acc');
  assert.equal(metricBase('acc_val'), 'acc');
  assert.equal(metricBase('loss/validation'), 'loss');
  assert.equal(metricBase('Train/Layer1/grad'), 'Layer1/grad');
  assert.equal(metricBase('loss'), 'loss');
  assert.equal(metricBase('val'), 'val', 'a split word alone is a name');
  assert.equal(metricBase('interval_loss'), 'interval_loss', 'only whole words at either end');
});

test('default panels: loss with val_loss, train/acc with val/acc; a metric with no partner alone', () => {
  assert.deepEqual(layout(['loss', 'val_loss', 'train/acc', 'val/acc', 'train/lr', 'grad_norm']), [
    ['acc', ['train/acc', 'val/acc'], ''],
    ['grad_norm', ['grad_norm'], ''],
    ['loss', ['loss', 'val_loss'], ''],
    ['train/lr', ['train/lr'], 'train'],
  ]);
  // acc_train, acc_val, train/acc and val/acc all have the base acc: one panel, train lines before val.
  const acc = buildPanels(KEYS).find((p) => p.name === 'acc')!;
  assert.deepEqual(acc.keys, ['acc_train', 'train/acc', 'acc_val', 'val/acc']);
  // Numbers in names sort as numbers.
  assert.deepEqual(
    buildPanels(['layer10', 'layer2', 'layer1']).map((p) => p.name),
    ['layer1', 'layer2', 'layer10'],
  );
});

test('the user splits a shared panel and moves a metric onto another; back to the default drops the choice', () => {
  const keys = ['loss', 'val_loss', 'train/acc', 'val/acc', 'train/lr'];
  let o = moveMetric(keys, {}, 'val/acc', ownPanel('val/acc'));
  assert.deepEqual(o, { 'val/acc': 'key:val/acc' });
  assert.deepEqual(layout(keys, o), [
    ['loss', ['loss', 'val_loss'], ''],
    ['train/acc', ['train/acc'], 'train'],
    ['train/lr', ['train/lr'], 'train'],
    ['val/acc', ['val/acc'], 'val'],
  ]);
  const lossPanel = buildPanels(keys, o).find((p) => p.name === 'loss')!.id;
  o = moveMetric(keys, o, 'train/lr', lossPanel);
  assert.deepEqual(buildPanels(keys, o).find((p) => p.name === 'loss')!.keys, [
    'loss',
    'train/lr',
    'val_loss',
  ]);
  o = moveMetric(keys, o, 'val/acc', 'base:acc');
  assert.deepEqual(o, { 'train/lr': 'base:loss' }, 'val/acc is back where it goes by default');
  // What localStorage held is read with care.
  assert.deepEqual(parseOverrides(JSON.stringify(o)), o);
  assert.deepEqual(parseOverrides('{"a": 3, "b": "nonsense", "c": "key:c"}'), { c: 'key:c' });
  assert.deepEqual(parseOverrides('not json'), {});
  assert.deepEqual(parseOverrides(null), {});
  assert.deepEqual(parseOverrides('[1]'), {});
});

test('sections by prefix: the unprefixed panels first, then each prefix in order', () => {
  const o = { 'val/acc': ownPanel('val/acc') };
  const sections = groupSections(buildPanels(['zeta/x', 'loss', 'train/acc', 'val/acc', 'train/lr'], o));
  assert.deepEqual(
    sections.map((s) => [s.name, s.panels.map((p) => p.name)]),
    [
      ['', ['loss']],
      ['train', ['train/acc', 'train/lr']],
      ['val', ['val/acc']],
      ['zeta', ['zeta/x']],
    ],
  );
});

test('search: every word in one metric name, case-insensitive; a found panel is shown whole', () => {
  const panels = buildPanels(['loss', 'val_loss', 'train/acc', 'val/acc', 'train/lr']);
  const found = (q: string) => panels.filter((p) => panelMatches(p, q)).map((p) => p.name);
  assert.deepEqual(found(''), ['acc', 'loss', 'train/lr']);
  assert.deepEqual(found('  '), ['acc', 'loss', 'train/lr']);
  assert.deepEqual(found('ACC'), ['acc']);
  assert.deepEqual(found('val'), ['acc', 'loss']);
  assert.deepEqual(found('train lr'), ['train/lr']);
  assert.deepEqual(found('val lr'), [], 'both words in the same name');
  assert.deepEqual(found('nothing'), []);
});

test('zoom: the engine is asked for the visible range only when the view holds too few points', () => {
  const extent = [0, 1_000_000] as const;
  // Reset, or a view of the whole run: the overview.
  assert.deepEqual(zoomDecision(null, { extent, downsampled: true, detail: null }), { kind: 'overview' });
  assert.deepEqual(zoomDecision([-5, 1_000_010], { extent, downsampled: true, detail: null }), {
    kind: 'overview',
  });
  // Nothing was bucketed: every point is already there.
  assert.deepEqual(zoomDecision([100, 200], { extent, downsampled: false, detail: null }), { kind: 'keep' });
  // The first 1 % of a 1M-point run: read it, widened by half its width each side (clamped at 0).
  assert.deepEqual(zoomDecision([0, 10_000], { extent, downsampled: true, detail: null }), {
    kind: 'fetch',
    fromStep: 0,
    toStep: 15_000,
  });
  assert.deepEqual(zoomDecision([1000.4, 2000.6], { extent, downsampled: true, detail: null }), {
    kind: 'fetch',
    fromStep: 500,
    toStep: 2501,
  });
  // Inside a complete detail read: nothing more to read however far in.
  const complete = { from: 0, to: 15_000, complete: true };
  assert.deepEqual(zoomDecision([10, 20], { extent, downsampled: true, detail: complete }), { kind: 'keep' });
  // Inside a bucketed one: kept while the view is at least a quarter of it, read again below that.
  const bucketed = { from: 0, to: 15_000, complete: false };
  assert.deepEqual(zoomDecision([1000, 5000], { extent, downsampled: true, detail: bucketed }), {
    kind: 'keep',
  });
  assert.deepEqual(zoomDecision([1000, 2000], { extent, downsampled: true, detail: bucketed }).kind, 'fetch');
  // Panned out of the detail: read again.
  assert.deepEqual(zoomDecision([14_000, 16_000], { extent, downsampled: true, detail: complete }), {
    kind: 'fetch',
    fromStep: 13_000,
    toStep: 17_000,
  });
  // The end of the run clamps the read.
  assert.deepEqual(zoomDecision([990_000, 1_000_000], { extent, downsampled: true, detail: null }), {
    kind: 'fetch',
    fromStep: 985_000,
    toStep: 1_000_000,
  });
});

test('the detail replaces the overview within its range; columns of several lines share one x axis', () => {
  const pt = (step: number) => ({ step });
  assert.deepEqual(
    mergeDetail([pt(10), pt(20), pt(30), pt(40)], [pt(15), pt(16), pt(17)], 15, 30).map((p) => p.step),
    [10, 15, 16, 17, 40],
  );
  assert.equal(countInRange([1, 2, 3, 4, 5], 2, 4), 3);
  assert.equal(countInRange([], 0, 1), 0);
  assert.deepEqual(
    alignColumns([
      { x: [1, 3], cols: [[10, 30]] },
      {
        x: [2, 3, 3],
        cols: [
          [2, 3, 33],
          [0, 0, 1],
        ],
      },
    ]),
    {
      x: [1, 2, 3],
      cols: [
        [10, null, 30],
        [null, 2, 33],
        [null, 0, 1],
      ],
    },
  );
});

test('run colours: distinct, independent of the order picked, stable when a run joins; dashed past 8', () => {
  const a = runColors([3, 1, 2]);
  assert.deepEqual(
    [...a].sort(([x], [y]) => x - y),
    [
      [1, { index: 0, dashed: false }],
      [2, { index: 1, dashed: false }],
      [3, { index: 2, dashed: false }],
    ],
  );
  assert.deepEqual(runColors([2, 3, 1]), a, 'same selection, same colours');
  const b = runColors([1, 2, 3, 5]);
  for (const id of [1, 2, 3]) assert.deepEqual(b.get(id), a.get(id), `#${id} keeps its colour`);
  // 1 and 9 prefer the same slot: 9 takes the next free one.
  assert.deepEqual(runColors([1, 9]).get(9), { index: 1, dashed: false });
  const ten = runColors(Array.from({ length: 10 }, (_, i) => i + 1));
  assert.equal(new Set([...ten.values()].filter((c) => !c.dashed).map((c) => c.index)).size, 8);
  assert.deepEqual(ten.get(9), { index: 0, dashed: true });
  assert.deepEqual(ten.get(10), { index: 1, dashed: true });
});

test('compare: rows identical across runs are told apart from those that differ', () => {
  assert.equal(sameInAll([1, 1, 1]), true);
  assert.equal(sameInAll([{ a: [1] }, { a: [1] }]), true);
  assert.equal(sameInAll([1, '1']), false, 'a number and a string');
  assert.equal(sameInAll([null, undefined]), false, 'missing differs from null');
  const rows = [
    { key: 'lr', values: [0.1, 0.01] },
    { key: 'batch', values: [32, 32] },
    { key: 'opt', values: ['adam', undefined] },
    { key: 'seed', values: [undefined, undefined] },
  ];
  const { differing, identical } = splitIdentical(rows);
  assert.deepEqual(
    differing.map((r) => r.key),
    ['lr', 'opt'],
  );
  assert.deepEqual(
    identical.map((r) => r.key),
    ['batch', 'seed'],
  );
});
