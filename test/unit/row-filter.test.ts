// The experiments table's filter language (renderer/src/lib/rowFilter.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRowFilter } from '../../renderer/src/lib/rowFilter';
import type { Experiment } from '../../shared/domain';

const xp = (id: number, status: string, params: Record<string, unknown>, loss?: [number, number, number]) =>
  ({
    id,
    name: id === 2 ? 'baseline' : null,
    status,
    backend: 'local',
    groupId: id > 2 ? 7 : null,
    params,
    lastMetrics: loss ? { loss: loss[0] } : {},
    minMetrics: loss ? { loss: loss[1] } : {},
    maxMetrics: loss ? { loss: loss[2] } : {},
  }) as unknown as Experiment;

const rows = [
  xp(1, 'succeeded', { lr: 0.1, opt: 'adam' }, [0.5, 0.4, 2]),
  xp(2, 'failed', { lr: 0.01, opt: 'sgd' }, [0.9, 0.9, 3]),
  xp(3, 'running', { lr: 0.001, opt: 'adam' }, [0.3, 0.1, 1]),
  xp(4, 'created', { lr: 0.001, opt: 'adamw' }),
];
const keys = { params: ['lr', 'opt'], metrics: ['loss'] };
const ids = (text: string) => {
  const f = parseRowFilter(text, keys);
  assert.deepEqual(f.errors, [], `no errors for ${text}`);
  return rows.filter((x) => f.test(x)).map((x) => x.id);
};

test('params, last values, min and max, and the built-in fields; all conditions must hold', () => {
  assert.deepEqual(ids(''), [1, 2, 3, 4]);
  assert.deepEqual(ids('lr<0.05'), [2, 3, 4]);
  assert.deepEqual(ids('lr<=0.01 loss<0.95'), [2, 3], 'a row without the metric does not match a comparison');
  assert.deepEqual(ids('loss.min<0.2'), [3]);
  assert.deepEqual(ids('loss.max>=2'), [1, 2]);
  assert.deepEqual(ids('opt=adam'), [1, 3], '= is exact');
  assert.deepEqual(ids('opt~ADAM'), [1, 3, 4], '~ contains, ignoring case');
  assert.deepEqual(ids('opt!=adam'), [2, 4]);
  assert.deepEqual(ids('status=running'), [3]);
  assert.deepEqual(ids('name="baseline"'), [2], 'quotes are optional');
  assert.deepEqual(ids('group=7 id>3'), [4]);
  assert.deepEqual(ids('loss!=0.5'), [2, 3, 4], 'a missing value differs from any value');
});

test('what cannot be understood is reported, and the other conditions still apply', () => {
  const f = parseRowFilter('lr<0.05 nope>1 justaword', keys);
  assert.equal(f.count, 1);
  assert.equal(f.errors.length, 2);
  assert.match(f.errors[0], /“nope” is not a param, a metric or one of status, name, backend, group, id/);
  assert.match(f.errors[0], /this project has: lr, opt, loss/);
  assert.match(f.errors[1], /“justaword”: expected field, operator and value/);
  assert.deepEqual(
    rows.filter((x) => f.test(x)).map((x) => x.id),
    [2, 3, 4],
  );
  assert.match(parseRowFilter('acc.min<1', keys).errors[0], /“acc\.min” is not/);
});
