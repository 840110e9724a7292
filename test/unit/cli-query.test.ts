// Polyaxon's query and sort syntax for `-q`/`-s` (main/cli/query.ts) over experiment lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Experiment } from '../../shared/domain';
import { parseQuery, parseSort, queryExperiments } from '../../main/cli/query';

const x = (id: number, o: Partial<Experiment>): Experiment =>
  ({
    id,
    name: null,
    status: 'succeeded',
    tags: [],
    groupId: null,
    projectName: 'p',
    params: {},
    lastMetrics: {},
    createdAt: '2026-12-07T10:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    ...o,
  }) as Experiment;

const xs = [
  x(1, { params: { lr: 0.1, opt: 'adam' }, lastMetrics: { loss: 0.5 }, tags: ['base'] }),
  x(2, { params: { lr: 0.01, opt: 'sgd' }, lastMetrics: { loss: 0.2 }, status: 'failed', groupId: 3 }),
  x(3, {
    params: { lr: 0.001, opt: 'adam' },
    lastMetrics: { loss: 0.3 },
    createdAt: '2026-12-08T09:30:00.000Z',
  }),
  x(4, { name: 'plain', status: 'stopped' }),
];
const ids = (q: string, s?: string) => queryExperiments(xs, { query: q, sort: s }).map((e) => e.id);

test('conditions: comparisons, ranges, any-of, negation, tags, dates, ANDed by commas', () => {
  assert.deepEqual(ids('metric.loss:<0.4'), [2, 3]);
  assert.deepEqual(ids('metrics.loss:0.2 .. 0.3'), [2, 3]);
  assert.deepEqual(ids('declarations.lr:>=0.01, status:succeeded'), [1]);
  assert.deepEqual(ids('params.opt:sgd|adam, status:~failed'), [1, 3]);
  assert.deepEqual(ids('status:~succeeded|failed'), [4], 'a negated any-of');
  assert.deepEqual(ids('tags:base'), [1]);
  assert.deepEqual(ids('group.id:3'), [2]);
  assert.deepEqual(ids('group:null'), [1, 3, 4]);
  assert.deepEqual(ids('name:plain'), [4]);
  assert.deepEqual(ids('created_at:>2026-12-08'), [3]);
  assert.deepEqual(ids('created_at:2026-12-08 09:00 .. 2026-12-08 10:00'), [3]);
  assert.deepEqual(ids('created_at:2026-12-07'), [1, 2, 4], 'a day matches the runs of that day');
  assert.deepEqual(ids('metric.loss:<1'), [1, 2, 3], 'a run without the metric does not match a comparison');
});

test('sort: several keys, - for descending, missing values last either way', () => {
  assert.deepEqual(ids('', '-metric.loss'), [1, 3, 2, 4]);
  assert.deepEqual(ids('', 'metric.loss'), [2, 3, 1, 4]);
  assert.deepEqual(ids('', 'declarations.opt, -id'), [3, 1, 2, 4]);
});

test('mistakes name the condition and what was expected', () => {
  assert.throws(() => parseQuery('loss:<1'), /-q 'loss:<1': no field 'loss'; one of id, name, status/);
  assert.throws(
    () => parseQuery('metric.loss:<abc'),
    /-q 'metric.loss:<abc': expected a number, found 'abc'/,
  );
  assert.throws(
    () => parseQuery('created_at:>yesterday'),
    /expected a date YYYY-MM-DD\[ HH:MM\[:SS\]\], found 'yesterday'/,
  );
  assert.throws(() => parseQuery('status'), /-q 'status': expected field:condition/);
  assert.throws(() => parseSort('-speed'), /-s '-speed': no field 'speed'/);
});
