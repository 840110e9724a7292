// The metric charts' smoothing (renderer/src/lib/smoothing.ts): TensorBoard's debiased EMA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smoothEma } from '../../renderer/src/lib/smoothing';

const close = (a: Array<number | null>, b: Array<number | null>) =>
  a.every((v, i) => (v === null ? b[i] === null : Math.abs(v - (b[i] as number)) < 1e-12));

test('weight 0 gives the values back; a constant stays constant from the first point (debiased)', () => {
  assert.deepEqual(smoothEma([3, 1, 2], 0), [3, 1, 2]);
  assert.ok(close(smoothEma([5, 5, 5, 5], 0.9), [5, 5, 5, 5]), `${smoothEma([5, 5, 5, 5], 0.9)}`);
});

test('hand-computed: w = 0.5 over 0, 2, 4 (with a gap) follows the debiased average', () => {
  // ema: 0 → 0; 0.5·0 + 0.5·2 = 1, /(1 − 0.25) = 4/3; 0.5·1 + 0.5·4 = 2.5, /(1 − 0.125) = 20/7
  const got = smoothEma([0, 2, null, 4], 0.5);
  assert.ok(close(got, [0, 4 / 3, null, 20 / 7]), `${got}`);
});

test('a noisy series is calmer smoothed: less variation step to step', () => {
  const noisy = Array.from({ length: 200 }, (_, i) => 1 / (i + 1) + (i % 2 ? 0.1 : -0.1));
  const tv = (xs: Array<number | null>) =>
    xs.slice(1).reduce<number>((sum, v, i) => sum + Math.abs((v as number) - (xs[i] as number)), 0);
  assert.ok(tv(smoothEma(noisy, 0.9)) < tv(noisy) / 5, 'total variation drops more than 5×');
});
