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
  x(4, { name: 'plain', status: 'stopped', params: { layers: [1, 2], flag: true, data: '../data' } }),
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
  assert.deepEqual(ids('created_at:>=2026-12-08'), [3]);
  assert.deepEqual(ids('created_at:2026-12-08 09:00 .. 2026-12-08 10:00'), [3]);
  assert.deepEqual(ids('created_at:2026-12-07'), [1, 2, 4], 'a day matches the runs of that day');
  assert.deepEqual(ids('metric.loss:<1'), [1, 2, 3], 'a run without the metric does not match a comparison');
  assert.deepEqual(ids('metric.loss:~0.5'), [2, 3], 'nor a negated condition on it');
  assert.deepEqual(ids('metric.loss:null'), [4], 'unless it asks for its absence');
  assert.deepEqual(ids('group:~3'), [1, 3, 4], 'no group is a value: not in group 3');
});

test('a bare date is its whole day (UTC) in every comparison; a time is a moment', () => {
  assert.deepEqual(ids('created_at:<=2026-12-07'), [1, 2, 4]);
  assert.deepEqual(ids('created_at:2026-12-07 .. 2026-12-07'), [1, 2, 4]);
  assert.deepEqual(ids('created_at:2026-12-01 .. 2026-12-08'), [1, 2, 3, 4]);
  assert.deepEqual(ids('created_at:>2026-12-07'), [3]);
  assert.deepEqual(ids('created_at:<2026-12-08 09:30'), [1, 2, 4]);
  assert.deepEqual(ids('created_at:<=2026-12-08 09:30'), [1, 2, 3, 4]);
});

test('lists and booleans as params: JSON or Python spellings; commas inside brackets stay in the condition', () => {
  assert.deepEqual(ids('declarations.layers:[1, 2], status:stopped'), [4]);
  assert.deepEqual(ids('declarations.layers:[1,2]'), [4]);
  assert.deepEqual(ids('declarations.flag:True'), [4]);
  assert.deepEqual(ids('declarations.flag:false'), []);
  assert.deepEqual(ids('declarations.data:../data'), [4], '`..` inside a value is not a range');
});

test('sort: several keys, - for descending, missing values last either way', () => {
  assert.deepEqual(ids('', '-metric.loss'), [1, 3, 2, 4]);
  assert.deepEqual(ids('', 'metric.loss'), [2, 3, 1, 4]);
  assert.deepEqual(ids('', 'declarations.opt, -id'), [3, 1, 2, 4]);
  assert.deepEqual(ids('', 'tags'), [1, 2, 3, 4], 'untagged runs last');
  assert.deepEqual(ids('', '-tags'), [1, 2, 3, 4], 'untagged runs last, descending too');
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
  assert.throws(
    () => parseQuery('status:succeded'),
    /-q 'status:succeded': no status 'succeded'; one of created/,
  );
  assert.throws(() => parseQuery('created_at:not-a-date'), /expected a date YYYY-MM-DD/);
  assert.throws(() => parseQuery('declarations.layers:[1, 2'), /is not a list or mapping/);
});
