// Issue #15 §3: concurrent BO suggestions by sampled fantasies (fantasy.ts) — the acquisition's gradient is
// its own (the polish depends on it), a running point makes its neighbourhood less attractive without
// excluding the region, and a step with nothing running is the same whatever the batch method.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../shared/random';
import type { MatrixValue } from '../../shared/polyaxonfile';
import { BO_TUNING, suggestBo, type BoConfig } from '../../main/engine/sweeps/bo';
import { GaussianProcess, kernelSpec } from '../../main/engine/sweeps/gp';
import { logExpectedImprovement } from '../../main/engine/sweeps/acquisition';
import { fantasyEi } from '../../main/engine/sweeps/fantasy';
import type { Observation } from '../../main/engine/sweeps/types';

const cfg: BoConfig = {
  nInitialTrials: 10,
  nIterations: 40,
  acquisition: 'ei',
  eps: 0,
  kappa: 2.576,
  nWarmup: 2048,
  nIter: 10,
  kernel: 'matern',
  lengthScale: 0.5,
  nu: 2.5,
  nRestartsOptimizer: 4,
};

const f = (x: number[]) => (x[0] - 0.3) ** 2 + 2 * (x[1] - 0.6) ** 2 + 0.3 * Math.sin(9 * x[0]);

function model(n: number, seed: number) {
  const rng = new Rng(seed);
  const X = Array.from({ length: n }, () => [rng.next(), rng.next()]);
  const raw = X.map(f);
  const m = raw.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(raw.reduce((s, v) => s + (v - m) ** 2, 0) / n);
  const y = raw.map((v) => (v - m) / sd);
  const gp = new GaussianProcess(kernelSpec('matern', 2.5), X, y, {
    lengthScales: [0.3, 0.4],
    signal: 1,
    noise: 1e-6,
  });
  return { X, y, gp, best: Math.min(...y) };
}

test('fantasy EI: the gradient the polish follows is that of the value (finite differences), σ scaled or not', () => {
  const { y, gp, best } = model(15, 3);
  const pending = [
    [0.31, 0.58],
    [0.7, 0.2],
    [0.45, 0.9],
  ];
  for (const sdScale of [1, 0.5]) {
    const { acq } = fantasyEi(gp, y, pending, best, 0, new Rng(5), 16, sdScale);
    for (const x of [
      [0.2, 0.5],
      [0.33, 0.62],
      [0.8, 0.1],
    ]) {
      const { value, grad } = acq.withGrad(x);
      assert.equal(value, acq.value(x));
      for (let j = 0; j < 2; j++) {
        const h = 1e-6;
        const up = [...x];
        const down = [...x];
        up[j] += h;
        down[j] -= h;
        const fd = (acq.value(up) - acq.value(down)) / (2 * h);
        assert.ok(
          Math.abs(fd - grad[j]) <= 1e-4 * Math.max(1, Math.abs(fd)),
          `σ×${sdScale} x ${x} dim ${j}: ${grad[j]} vs ${fd}`,
        );
      }
    }
  }
});

test('fantasy EI: a running point lowers the acquisition around it, far less elsewhere', () => {
  const { y, gp, best } = model(15, 4);
  const plain = (x: number[]) => {
    const p = gp.predict(x);
    return logExpectedImprovement(p.mean, p.sd, best, 0).value;
  };
  // The plain EI maximiser among a grid is where a greedy batch would put its first point.
  let top = [0, 0];
  for (let i = 0; i <= 40; i++)
    for (let j = 0; j <= 40; j++) if (plain([i / 40, j / 40]) > plain(top)) top = [i / 40, j / 40];
  const { acq } = fantasyEi(gp, y, [top], best, 0, new Rng(1), 16);
  const near = [top[0] + 0.01, top[1]];
  const far = top[0] > 0.5 ? [0.05, 0.05] : [0.95, 0.95];
  const dropNear = plain(near) - acq.value(near);
  const dropFar = plain(far) - acq.value(far);
  // Far away it falls too, as the running point may lower the incumbent: by much less.
  assert.ok(dropNear > 2, `EI next to the running point falls by a factor e^${dropNear.toFixed(2)}`);
  assert.ok(
    dropFar < dropNear / 2,
    `far away it falls by e^${dropFar.toFixed(2)} (near: e^${dropNear.toFixed(2)})`,
  );
});

test('with nothing running, the suggestion is the same whatever the batch method (concurrency 1 unchanged)', () => {
  const matrix: Record<string, MatrixValue> = {
    a: { kind: 'uniform', low: 0, high: 1 },
    b: { kind: 'uniform', low: 0, high: 1 },
  };
  const rng0 = new Rng(9);
  const obs: Observation[] = Array.from({ length: 14 }, () => {
    const params = { a: rng0.next(), b: rng0.next() };
    return { params, value: f([params.a, params.b]), state: 'complete' as const };
  });
  const saved = BO_TUNING.batch;
  const savedScale = BO_TUNING.batchSdScale;
  try {
    const out = (['kb', 'fantasy', 'lp'] as const).map((b) => {
      BO_TUNING.batch = b;
      return suggestBo(matrix, obs, new Rng(21), cfg);
    });
    assert.deepEqual(out[1], out[0]);
    assert.deepEqual(out[2], out[0]);
    // Nor does the batch's σ scale (it only enters the fantasies' EI).
    BO_TUNING.batch = 'fantasy';
    for (const scale of [1, 0.5]) {
      BO_TUNING.batchSdScale = scale;
      assert.deepEqual(suggestBo(matrix, obs, new Rng(21), cfg), out[0]);
    }
    BO_TUNING.batchSdScale = savedScale;
    // With one running, no method suggests the running point again.
    const running: Observation[] = [...obs, { params: out[0], value: null, state: 'running' }];
    for (const b of ['kb', 'fantasy', 'lp', 'cl-mean', 'ts', 'ei-ts'] as const) {
      BO_TUNING.batch = b;
      const next = suggestBo(matrix, running, new Rng(21), cfg) as { a: number; b: number };
      const p = out[0] as { a: number; b: number };
      assert.ok(Math.hypot(next.a - p.a, next.b - p.b) > 1e-3, `${b}: ${JSON.stringify(next)}`);
    }
  } finally {
    BO_TUNING.batch = saved;
    BO_TUNING.batchSdScale = savedScale;
  }
});
