// Issue #15 §2–3: the pieces BO's quality rests on — the hyperparameter fit recovers a known anisotropy and
// its short-polish restarts find the optimum a full polish finds; the quasi-Newton polish raises the
// acquisition value it starts from; a suggestion is not spent next to a point already tried; a batch of
// pending suggestions has no duplicates and spreads out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../shared/random';
import type { MatrixValue } from '../../shared/polyaxonfile';
import { PRIOR, suggestBo, type BoConfig } from '../../main/engine/sweeps/bo';
import { fitHyper, GaussianProcess, kernelSpec, logMarginalLikelihood } from '../../main/engine/sweeps/gp';
import { acquisition, minimizeBox } from '../../main/engine/sweeps/acquisition';
import type { Observation } from '../../main/engine/sweeps/types';
import { transformOutputs } from '../../main/engine/sweeps/warp';
import { lipschitz, localPenalty } from '../../main/engine/sweeps/batch';

const cfg = (over: Partial<BoConfig> = {}): BoConfig => ({
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
  ...over,
});

const standardise = (v: number[]) => {
  const m = v.reduce((s, x) => s + x, 0) / v.length;
  const sd = Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length);
  return v.map((x) => (x - m) / sd);
};

/** n random points of [0,1]^d and f at them, standardised. */
function data(n: number, d: number, f: (x: number[]) => number, seed: number) {
  const rng = new Rng(seed);
  const X = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.next()));
  return { X, y: standardise(X.map(f)) };
}

test('fitted length scales recover a known anisotropy: fast along x1, slow along x2, irrelevant x3', () => {
  const f = (x: number[]) => Math.sin(8 * x[0]) + 0.5 * x[1] ** 2;
  const spec = kernelSpec('matern', 2.5);
  for (const seed of [1, 2, 3]) {
    const { X, y } = data(40, 3, f, seed);
    const base = { initialLengthScale: 0.5, restarts: 4, maxIter: 50 };
    // Maximum likelihood, and MAP with BO's prior and screened, short-polished restarts (what BO runs).
    for (const [how, opts] of [
      ['ML', { ...base, rng: new Rng(seed) }],
      ['MAP', { ...base, rng: new Rng(seed), prior: PRIOR, screen: 32, probeIter: 8 }],
    ] as const) {
      const [l1, l2, l3] = fitHyper(spec, X, y, opts).lengthScales;
      assert.ok(l2 > 3 * l1, `${how} seed ${seed}: ℓ2 ${l2} should be much longer than ℓ1 ${l1}`);
      assert.ok(
        l3 > 3 * l2,
        `${how} seed ${seed}: ℓ3 ${l3} (an input f ignores) should be the longest, ℓ2 ${l2}`,
      );
    }
  }
});

test('short-polish restarts reach the optimum that polishing every restart fully reaches', () => {
  const spec = kernelSpec('matern', 2.5);
  const f = (x: number[]) => Math.cos(5 * x[0]) * Math.exp(-x[1]) + x[2] * x[3];
  for (const seed of [1, 2, 3, 4]) {
    const { X, y } = data(50, 4, f, seed);
    const opts = { initialLengthScale: 0.5, restarts: 4, maxIter: 50 };
    const full = fitHyper(spec, X, y, { ...opts, rng: new Rng(seed) });
    const probed = fitHyper(spec, X, y, { ...opts, rng: new Rng(seed), probeIter: 8 });
    const lml = (h: typeof full) => logMarginalLikelihood(spec, X, y, h).value;
    assert.ok(
      lml(probed) >= lml(full) - 0.05,
      `seed ${seed}: probed fit ${lml(probed)} vs full ${lml(full)} log marginal likelihood`,
    );
  }
});

test('a low noise floor lets the GP interpolate a deterministic function to 1e-4', () => {
  const spec = kernelSpec('matern', 2.5);
  const f = (x: number[]) => Math.sin(3 * x[0]) + x[1] * x[1];
  const { X, y } = data(30, 2, f, 5);
  const h = fitHyper(spec, X, y, { initialLengthScale: 0.5, restarts: 2, rng: new Rng(1), noiseFloor: 1e-9 });
  assert.ok(h.noise < 1e-7, `noise ${h.noise} (the floor was 1e-6 before issue #15 §2)`);
  const gp = new GaussianProcess(spec, X, y, h);
  for (let i = 0; i < X.length; i++) assert.ok(Math.abs(gp.mean(X[i]) - y[i]) < 1e-4);
});

test('the quasi-Newton polish raises the acquisition value of the best random candidate', () => {
  const spec = kernelSpec('matern', 2.5);
  const f = (x: number[]) => (x[0] - 0.37) ** 2 + 2 * (x[1] - 0.61) ** 2 + Math.sin(7 * x[2]) * 0.1;
  for (const seed of [1, 2, 3]) {
    const { X, y } = data(25, 3, f, seed);
    const h = fitHyper(spec, X, y, { initialLengthScale: 0.5, restarts: 2, rng: new Rng(seed) });
    const gp = new GaussianProcess(spec, X, y, h);
    const best = Math.min(...y);
    const value = (x: number[]) => {
      const p = gp.predict(x);
      return acquisition('logei', p.mean, p.sd, best, 0).value;
    };
    const rng = new Rng(seed + 10);
    let start = [0.5, 0.5, 0.5];
    for (let i = 0; i < 200; i++) {
      const c = [rng.next(), rng.next(), rng.next()];
      if (value(c) > value(start)) start = c;
    }
    const res = minimizeBox(
      (x) => {
        const p = gp.predict(x, true);
        const a = acquisition('logei', p.mean, p.sd, best, 0);
        return { value: -a.value, grad: x.map((_, j) => -(a.dMean * p.dMean![j] + a.dSd * p.dSd![j])) };
      },
      start,
      [0, 0, 0],
      [1, 1, 1],
      { maxIter: 30, initialStep: 0.05 },
    );
    assert.ok(res.x.every((v) => v >= 0 && v <= 1));
    assert.ok(
      -res.value > value(start) + 1e-6,
      `seed ${seed}: ${-res.value} after vs ${value(start)} before`,
    );
  }
});

const UNIT2: Record<string, MatrixValue> = {
  a: { kind: 'uniform', low: 0, high: 1 },
  b: { kind: 'uniform', low: 0, high: 1 },
};

const H3_A = [
  [3.0, 10, 30],
  [0.1, 10, 35],
  [3.0, 10, 30],
  [0.1, 10, 35],
];
const H3_P = [
  [3689, 1170, 2673],
  [4699, 4387, 7470],
  [1091, 8732, 5547],
  [381, 5743, 8828],
];
const hartmann3 = (p: Record<string, unknown>) => {
  const x = [p.x1, p.x2, p.x3] as number[];
  return -[1.0, 1.2, 3.0, 3.2].reduce(
    (s, a, i) => s + a * Math.exp(-x.reduce((q, t, j) => q + H3_A[i][j] * (t - H3_P[i][j] * 1e-4) ** 2, 0)),
    0,
  );
};

test('Hartmann-3: trials are not spent next to the incumbent, and the optimum is reached to 1e-4', (t) => {
  // With the noise floor at 1e-6 (before issue #15 §2) seed 1 put 8 of these 40 trials within 1e-4 of an
  // earlier one and stopped 0.008 above the optimum: the posterior kept σ ≈ 1e-3 at tried points, and EI
  // stayed highest right beside the incumbent.
  const matrix: Record<string, MatrixValue> = Object.fromEntries(
    ['x1', 'x2', 'x3'].map((k) => [k, { kind: 'uniform', low: 0, high: 1 }]),
  );
  for (const seed of [1, 2, 3]) {
    const rng = new Rng(seed);
    const obs: Observation[] = [];
    for (let i = 0; i < 50; i++) {
      const params = suggestBo(matrix, obs, rng, cfg());
      obs.push({ params, value: hartmann3(params), state: 'complete' });
    }
    const d = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      Math.hypot(...['x1', 'x2', 'x3'].map((k) => (a[k] as number) - (b[k] as number)));
    const near = obs
      .slice(10)
      .filter((o, k) => obs.slice(0, 10 + k).some((p) => d(o.params, p.params) < 1e-4)).length;
    const regret = Math.min(...obs.map((o) => o.value!)) + 3.86278214782076;
    t.diagnostic(`seed ${seed}: ${near} trials within 1e-4 of an earlier one, regret ${regret}`);
    assert.ok(near <= 2, `seed ${seed}: ${near} of 40 trials within 1e-4 of an earlier one`);
    assert.ok(regret < 1e-4, `seed ${seed}: regret ${regret} after 50 trials`);
  }
});

test('a batch of 4 on a multimodal function: no duplicates, spread over more than one length scale', () => {
  const f = (p: Record<string, unknown>) =>
    Math.sin(9 * (p.a as number)) * Math.cos(7 * (p.b as number)) + (p.a as number);
  for (const seed of [1, 2, 3]) {
    const rng = new Rng(seed);
    const obs: Observation[] = [];
    for (let i = 0; i < 15; i++) {
      const params = { a: rng.next(), b: rng.next() };
      obs.push({ params, value: f(params), state: 'complete' });
    }
    const batch: Observation[] = [];
    for (let w = 0; w < 4; w++) {
      const params = suggestBo(UNIT2, [...obs, ...batch], rng, cfg());
      batch.push({ params, value: null, state: 'running' });
    }
    const keys = new Set(batch.map((b) => JSON.stringify(b.params)));
    assert.equal(keys.size, 4, `seed ${seed}: ${[...keys].join(' ')}`);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < i; j++) {
        const d = Math.hypot(
          (batch[i].params.a as number) - (batch[j].params.a as number),
          (batch[i].params.b as number) - (batch[j].params.b as number),
        );
        assert.ok(d > 0.03, `seed ${seed}: suggestions ${i} and ${j} are ${d} apart`);
      }
  }
});

test('output transforms: the log Jacobian is that of the map y → z (finite differences)', () => {
  // Many results, so that moving one barely moves the fitted shift, scale, λ and standardisation, which the
  // Jacobian holds fixed.
  const rng = new Rng(9);
  const raw = Array.from({ length: 3000 }, () => 3 + Math.exp(2 * rng.normal()));
  for (const how of ['none', 'yj'] as const) {
    const { z, logJacs } = transformOutputs(raw, how);
    for (const i of [5, 50, 500]) {
      const h = 1e-5 * raw[i];
      const moved = transformOutputs(
        raw.map((v, k) => (k === i ? v + h : v)),
        how,
      );
      const numeric = Math.log((moved.z[i] - z[i]) / h);
      assert.ok(
        Math.abs(numeric - logJacs[i]) < 0.05, // λ is refitted by golden section, so it wobbles
        `${how} at ${raw[i]}: analytic ${logJacs[i]}, numeric ${numeric}`,
      );
    }
  }
});

test('local penalisation: a pending point expected to be poor excludes a wide ball, a promising one a small one', () => {
  const spec = kernelSpec('matern', 2.5);
  const f = (x: number[]) => (x[0] - 0.2) ** 2 + (x[1] - 0.3) ** 2;
  const { X, y } = data(20, 2, f, 3);
  const h = fitHyper(spec, X, y, { initialLengthScale: 0.5, restarts: 2, rng: new Rng(1), noiseFloor: 1e-9 });
  const gp = new GaussianProcess(spec, X, y, h);
  const best = Math.min(...y);
  const probes = Array.from({ length: 200 }, (_, i) => [(i % 20) / 19, Math.floor(i / 20) / 9]);
  const L = lipschitz(gp, probes);
  const good = [0.2, 0.3];
  const poor = [0.95, 0.95];
  const at = (p: number[], dx: number) => localPenalty(gp, [p], best, L)([p[0] - dx, p[1] - dx]).value;
  // 0.1 away from each: the poor point's penalty still bites, the good one's has faded.
  assert.ok(at(poor, 0.1) < Math.log(0.5), `poor: log φ ${at(poor, 0.1)}`);
  assert.ok(at(good, 0.1) > at(poor, 0.1) + 1, `good ${at(good, 0.1)} vs poor ${at(poor, 0.1)}`);
  // The gradient is the value's (finite differences), as the quasi-Newton polish needs.
  const pen = localPenalty(gp, [good, poor], best, L);
  const x = [0.5, 0.6];
  const g = pen(x).grad;
  for (let j = 0; j < 2; j++) {
    const e = 1e-6;
    const xp = [...x];
    xp[j] += e;
    const numeric = (pen(xp).value - pen(x).value) / e;
    assert.ok(Math.abs(numeric - g[j]) < 1e-3 * Math.max(1, Math.abs(g[j])), `∂${j}: ${g[j]} vs ${numeric}`);
  }
});
