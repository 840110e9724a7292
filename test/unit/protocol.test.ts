import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseLine,
  parseLogLine,
  protocolStart,
  PREFIX,
  formatLine,
} from '../../main/engine/tracking/protocol';

test('plain output is not a protocol line', () => {
  assert.deepEqual(parseLine('epoch 1 loss 0.3'), { kind: 'plain' });
  assert.deepEqual(parseLine('@@axon{"metrics":{}}'), { kind: 'plain' }); // the prefix includes its space
});

test('metrics with and without step and ts', () => {
  assert.deepEqual(parseLine(`${PREFIX}{"metrics":{"loss":0.25,"acc":1},"step":3,"ts":1700000000.5}`), {
    kind: 'record',
    metrics: { values: { loss: 0.25, acc: 1 }, step: 3, ts: 1700000000.5 },
  });
  assert.deepEqual(parseLine(`${PREFIX}{"metrics":{"loss":0.25}}`), {
    kind: 'record',
    metrics: { values: { loss: 0.25 }, step: null, ts: null },
  });
});

test('params and tags', () => {
  assert.deepEqual(parseLine(formatLine({ params: { lr: 0.1, layers: [1, 2] } }).trimEnd()), {
    kind: 'record',
    params: { lr: 0.1, layers: [1, 2] },
  });
  assert.deepEqual(parseLine(`${PREFIX}{"tags":["a","b"]}`), { kind: 'record', tags: ['a', 'b'] });
  // One record may carry all three: none is dropped (params beside metrics were, before).
  assert.deepEqual(parseLine(`${PREFIX}{"params":{"p":1},"metrics":{"h":1},"tags":["t"]}`), {
    kind: 'record',
    metrics: { values: { h: 1 }, step: null, ts: null },
    params: { p: 1 },
    tags: ['t'],
  });
});

test('malformed protocol lines are reported, never thrown', () => {
  for (const bad of [
    '{',
    '[1,2]',
    '{"metrics":{"a":"x"}}',
    '{"metrics":{"a":1},"step":-1}',
    '{"metrics":{"a":1},"step":1.5}',
    '{"metrics":{"a":1},"step":1e20}', // not an exact integer in a double
    '{"metrics":{"a":1},"step":9007199254740992}',
    '{"tags":[1]}',
    '{"tags":"single"}',
    '{"other":1}',
    '{"metrics":{"__proto__":5}}', // a key no plain object keeps: it vanished silently
    '{"params":{"__proto__":{"a":1}}}',
    '{"metrics":{"a":1},"ts":-5}', // no date: the CLI's table of points failed on it
    '{"metrics":{"a":1},"ts":1e300}',
    '{"metrics":{"a":1},"tags":"single"}', // a bad part spoils the record, with what was in it
    '{"metrics":[1]}',
  ])
    assert.equal(parseLine(PREFIX + bad).kind, 'malformed', bad);
  assert.equal(parseLine(`${PREFIX}{"metrics":{"a":1},"step":9007199254740991}`).kind, 'record', '2^53 − 1');
  assert.equal(parseLine(`${PREFIX}{"metrics":{"constructor":1}}`).kind, 'record');
  // null is no value, as for step and ts: the metrics beside it are kept.
  assert.deepEqual(parseLine(`${PREFIX}{"metrics":{"a":1},"params":null,"tags":null}`), {
    kind: 'record',
    metrics: { values: { a: 1 }, step: null, ts: null },
  });
  assert.deepEqual(parseLine(`${PREFIX}{"metrics":{"a":1},"ts":1700000000000}`), {
    kind: 'malformed',
    reason: '"ts" must be unix seconds (from 1970 to 9999), not milliseconds',
  });
});

test('a record after a progress bar rewritten with \\r is found; without a \\r the prefix must start the line', () => {
  assert.equal(protocolStart(`${PREFIX}{"tags":[]}`), 0);
  assert.equal(protocolStart(`\r 50%|##   | 5/10${PREFIX}{"tags":[]}`), 17);
  assert.equal(protocolStart(`epoch 1 ${PREFIX}{"tags":[]}`), -1, 'plain text that mentions the prefix');
  assert.deepEqual(parseLogLine(`\r 10%|#${PREFIX}{"metrics":{"loss":1},"step":2}`), {
    kind: 'record',
    metrics: { values: { loss: 1 }, step: 2, ts: null },
  });
  assert.deepEqual(parseLogLine('\r 10%|#'), { kind: 'plain' });
});
