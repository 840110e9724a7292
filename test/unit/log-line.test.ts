import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayLine } from '../../renderer/src/lib/logLine';

test('the log viewer: a \\r bar shows its last state; a record after it is hidden, the bar kept', () => {
  assert.deepEqual(displayLine('epoch 1'), { line: 'epoch 1', protocol: false });
  assert.deepEqual(displayLine('@@axon {"tags":[]}'), { line: '@@axon {"tags":[]}', protocol: true });
  assert.deepEqual(displayLine('\r 10%|#\r 50%|##'), { line: ' 50%|##', protocol: false });
  assert.deepEqual(displayLine('\r 50%|##@@axon {"metrics":{"m":1}}'), { line: ' 50%|##', protocol: false });
  assert.deepEqual(displayLine('\r 50%|##\r@@axon {"metrics":{"m":1}}'), {
    line: '@@axon {"metrics":{"m":1}}',
    protocol: true,
  });
  assert.deepEqual(displayLine('plain text mentioning @@axon {x}'), {
    line: 'plain text mentioning @@axon {x}',
    protocol: false,
  });
});
