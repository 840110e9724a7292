// The experiments table's column sets (renderer/src/lib/columnSet.ts): kept per project, read back whatever
// the storage holds, columns shown/hidden against their defaults, moved, resized within bounds, and the
// sweep's objective put first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EMPTY_SET,
  MAX_COLUMN_WIDTH,
  MIN_COLUMN_WIDTH,
  clampWidth,
  columnSetKey,
  inOrder,
  isShown,
  loadColumnSet,
  moveColumn,
  putFirst,
  saveColumnSet,
  setWidth,
  toggleShown,
} from '../../renderer/src/lib/columnSet';

function memoryStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
}

test('a column set is saved per project and read back; an empty one leaves nothing behind', () => {
  const s = memoryStorage();
  let set = toggleShown(EMPTY_SET, 'status', true);
  set = setWidth(set, 'param:lr', 200);
  saveColumnSet(s, 'mnist', set);
  assert.deepEqual(loadColumnSet(s, 'mnist'), set);
  assert.deepEqual(loadColumnSet(s, 'cifar'), EMPTY_SET, 'another project has its own');
  saveColumnSet(s, 'mnist', EMPTY_SET);
  assert.equal(s.data.has(columnSetKey('mnist')), false, 'reset removes the entry');
});

test('whatever the storage holds, loading never throws: unreadable parts count as unset', () => {
  const key = columnSetKey('p');
  assert.deepEqual(loadColumnSet(memoryStorage({ [key]: '{not json' }), 'p'), EMPTY_SET);
  assert.deepEqual(loadColumnSet(memoryStorage({ [key]: '42' }), 'p'), EMPTY_SET);
  const odd = loadColumnSet(
    memoryStorage({
      [key]: JSON.stringify({ hidden: ['a', 3], order: 'x', widths: { a: 5, b: 'w', c: 1e6 } }),
    }),
    'p',
  );
  assert.deepEqual(odd, {
    hidden: ['a'],
    shown: [],
    order: [],
    widths: { a: MIN_COLUMN_WIDTH, c: MAX_COLUMN_WIDTH },
  });
  const refusing = {
    setItem: () => {
      throw new Error('QuotaExceededError');
    },
    removeItem: () => {},
  };
  assert.doesNotThrow(() => saveColumnSet(refusing, 'p', toggleShown(EMPTY_SET, 'a', true)));
});

test('shown or hidden against the default: a metric min/max is hidden until shown, a param shown until hidden', () => {
  assert.equal(isShown(EMPTY_SET, 'param:lr', true), true);
  assert.equal(isShown(EMPTY_SET, 'metric-min:loss', false), false);
  const hid = toggleShown(EMPTY_SET, 'param:lr', true);
  assert.equal(isShown(hid, 'param:lr', true), false);
  assert.equal(isShown(toggleShown(hid, 'param:lr', true), 'param:lr', true), true, 'toggling twice undoes');
  const showed = toggleShown(EMPTY_SET, 'metric-min:loss', false);
  assert.equal(isShown(showed, 'metric-min:loss', false), true);
});

test('resizing is clamped to whole pixels between the bounds; null goes back to automatic', () => {
  assert.equal(clampWidth(10), MIN_COLUMN_WIDTH);
  assert.equal(clampWidth(123.6), 124);
  assert.equal(clampWidth(5000), MAX_COLUMN_WIDTH);
  assert.equal(clampWidth(Number.NaN), MIN_COLUMN_WIDTH);
  const set = setWidth(EMPTY_SET, 'name', -40);
  assert.equal(set.widths.name, MIN_COLUMN_WIDTH);
  assert.deepEqual(setWidth(set, 'name', null).widths, {});
});

test('order: moved columns keep their place, new columns come after, the objective goes first', () => {
  const cols = ['status', 'group', 'param:lr', 'metric:loss'].map((id) => ({ id }));
  const current = cols.map((c) => c.id);
  const moved = moveColumn(EMPTY_SET, current, 'metric:loss', -2);
  assert.deepEqual(moved.order, ['status', 'metric:loss', 'group', 'param:lr']);
  assert.deepEqual(moveColumn(moved, moved.order, 'status', -1), moved, 'no move past the first');
  const withNew = [...cols, { id: 'param:batch' }];
  assert.deepEqual(
    inOrder(withNew, moved.order).map((c) => c.id),
    ['status', 'metric:loss', 'group', 'param:lr', 'param:batch'],
    'a param that appeared later comes after the ordered ones',
  );
  // A column not among `current` (hidden from the list) keeps its place after the moved ones.
  const partial = moveColumn({ ...EMPTY_SET, order: ['a', 'b', 'c'] }, ['a', 'b'], 'b', -1);
  assert.deepEqual(partial.order, ['b', 'a', 'c']);
  assert.deepEqual(
    putFirst(cols, 'metric:loss').map((c) => c.id),
    ['metric:loss', 'status', 'group', 'param:lr'],
  );
  assert.equal(putFirst(cols, null), cols);
  assert.equal(putFirst(cols, 'metric:acc'), cols, 'an objective not in the table changes nothing');
});
