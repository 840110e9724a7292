// What the engine reads from its environment: the stop's grace period (AXON_STOP_GRACE_S).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stopGraceFromEnv } from '../../main/engine/engine';

test('AXON_STOP_GRACE_S sets the grace period in seconds; a bad value keeps the default 10 s', () => {
  assert.equal(stopGraceFromEnv({}), 10_000);
  assert.equal(stopGraceFromEnv({ AXON_STOP_GRACE_S: '60' }), 60_000);
  assert.equal(stopGraceFromEnv({ AXON_STOP_GRACE_S: '0.5' }), 500);
  assert.equal(stopGraceFromEnv({ AXON_STOP_GRACE_S: '0' }), 0);
  for (const bad of ['-1', 'ten', '1e9', 'Infinity'])
    assert.equal(stopGraceFromEnv({ AXON_STOP_GRACE_S: bad }), 10_000, bad);
});
