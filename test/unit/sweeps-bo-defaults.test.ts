// Issue #15: BO with nothing but a budget and a metric, every matrix kind TPE takes, batches that spread out,
// suggestions on a worker thread equal to the in-process ones, and the warning for a maximized loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolyaxonfiles, type SearchSpec } from '../../shared/polyaxonfile';
import { Rng } from '../../shared/random';
import { suggestBo, buildSpace, encode, warpOutputs } from '../../main/engine/sweeps/bo';
import { logExpectedImprovement, expectedImprovement } from '../../main/engine/sweeps/acquisition';
import { runStep } from '../../main/engine/sweeps/make-searcher';
import type { SweepTrial } from '../../main/engine/sweeps/searcher';
import {
  closeSearcherThread,
  searcherThreadUsable,
  stepSearcher,
} from '../../main/engine/sweeps/searcher-thread';
import type { Observation } from '../../main/engine/sweeps/types';

function group(matrix: string, algo: string, extra = ''): SearchSpec {
  const text = `version: 1\nkind: group\nhptuning:\n  seed: 3\n${extra}  matrix:\n${matrix}\n${algo}\nrun:\n  cmd: train {{ lr }}\n`;
  const r = parsePolyaxonfiles([{ name: 'polyaxonfile.yml', text }]);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return r.value.hptuning!;
}

const ML_MATRIX = [
  '    lr: {loguniform: [-11.5, 0]}',
  '    layers: {range: [1, 9, 1]}',
  '    optimizer: {values: [sgd, adam, rmsprop]}',
  '    dropout: {uniform: [0, 0.8]}',
  '    batch: {qloguniform: [2.7, 6.3, 8]}',
  '    momentum: {pvalues: [[0.9, 0.5], [0.99, 0.3], [0.5, 0.2]]}',
  '    wd: {normal: [0, 1]}',
].join('\n');
const BO_PLAIN =
  '  bo: {n_initial_trials: 6, n_iterations: 20, metric: {name: loss, optimization: minimize}}';

/** A loss over the ML-like matrix: best at lr 1e-3 with adam, 5 layers, dropout 0.35, momentum 0.9. */
function mlLoss(p: Record<string, unknown>): number {
  const opt = { adam: 0, rmsprop: 0.05, sgd: 0.15 }[p.optimizer as string]!;
  return (
    0.1 * (Math.log10(p.lr as number) + 3) ** 2 +
    opt +
    0.01 * ((p.layers as number) - 5) ** 2 +
    ((p.dropout as number) - 0.35) ** 2 / 2 +
    (p.momentum === 0.9 ? 0 : 0.05) +
    0.001 * Math.abs(Math.log2(p.batch as number) - 6) +
    0.01 * (p.wd as number) ** 2
  );
}

test('bo: {n_initial_trials, n_iterations, metric} alone is valid, with EI, Matérn 5/2 and restarts', () => {
  const search = group('    lr: {uniform: [0, 1]}', BO_PLAIN);
  assert.equal(search.bo!.acquisition, 'ei');
  assert.equal(search.bo!.kernel, 'matern');
  assert.equal(search.bo!.nu, 2.5);
  assert.ok(search.bo!.nRestartsOptimizer >= 2);
  assert.equal(search.bo!.kappa, undefined);
  // ucb without kappa is accepted too (κ 2.576), and so is ei without eps (ε 0).
  const ucb = group(
    '    lr: {uniform: [0, 1]}',
    '  bo: {n_initial_trials: 2, n_iterations: 3, metric: {name: loss}, utility_function: {acquisition_function: ucb}}',
  );
  assert.equal(ucb.bo!.acquisition, 'ucb');
  const steps = runStep(ucb, 1, undefined, [], 2);
  assert.equal(steps.proposals.length, 2);
});

test('every matrix kind TPE accepts, BO accepts and suggests inside it, with exact discrete values', () => {
  const search = group(ML_MATRIX, BO_PLAIN);
  const rng = new Rng(5);
  const obs: Observation[] = [];
  for (let t = 0; t < 14; t++) {
    const p = suggestBo(search.matrix, obs, rng, search.bo!);
    assert.ok((p.lr as number) >= Math.exp(-11.5) && (p.lr as number) < 1, `lr ${p.lr}`);
    assert.ok(Number.isInteger(p.layers) && (p.layers as number) >= 1 && (p.layers as number) <= 8);
    assert.ok(['sgd', 'adam', 'rmsprop'].includes(p.optimizer as string));
    assert.ok([0.9, 0.99, 0.5].includes(p.momentum as number), `momentum ${p.momentum}`);
    assert.equal((p.batch as number) % 8, 0, `batch ${p.batch} is a multiple of q`);
    assert.ok(typeof p.wd === 'number' && Number.isFinite(p.wd));
    obs.push({ params: p, value: mlLoss(p), state: 'complete' });
  }
});

test('log kinds are modelled in log space: loguniform spreads encoded points evenly over the decades', () => {
  const space = buildSpace({ lr: { kind: 'loguniform', low: Math.log(1e-5), high: 0 } });
  const at = (lr: number) => encode(space, { lr })![0];
  assert.ok(Math.abs(at(1e-5) - 0) < 1e-9 && Math.abs(at(1) - 1) < 1e-9);
  // 1e-3 is 2 of 5 decades up: 0.4, where a linear scale would put it at 0.001.
  assert.ok(Math.abs(at(1e-3) - 0.4) < 1e-9, `1e-3 at ${at(1e-3)}`);
  // Integers and categories: one coordinate per range, one slot per category.
  const mixed = buildSpace({
    n: { kind: 'range', start: 1, stop: 9, step: 1 },
    c: { kind: 'values', values: ['a', 'b', 'c'] },
  });
  assert.equal(mixed.size, 4);
  assert.deepEqual(encode(mixed, { n: 5, c: 'b' }), [4 / 7, 0, 1, 0]); // 5 is item 4 of 1..8
});

test('mixed ML-like space with defaults only: BO finds a better loss than random search (median of 5 seeds)', () => {
  const search = group(ML_MATRIX, BO_PLAIN);
  const best = (nInitial: number, seed: number) => {
    const rng = new Rng(seed);
    const obs: Observation[] = [];
    let b = Infinity;
    for (let t = 0; t < 30; t++) {
      const p = suggestBo(search.matrix, obs, rng, { ...search.bo!, nInitialTrials: nInitial });
      const v = mlLoss(p);
      b = Math.min(b, v);
      obs.push({ params: p, value: v, state: 'complete' });
    }
    return b;
  };
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const bo = [1, 2, 3, 4, 5].map((s) => best(8, s));
  const random = [1, 2, 3, 4, 5].map((s) => best(1000, s));
  assert.ok(med(bo) < med(random) / 2, `BO ${bo} vs random ${random}`);
  assert.ok(med(bo) < 0.05, `BO ${bo}`);
});

test('a batch of 4 pending suggestions: all different and spread over the space', () => {
  const matrix = {
    a: { kind: 'uniform' as const, low: 0, high: 1 },
    b: { kind: 'uniform' as const, low: 0, high: 1 },
  };
  const f = (p: Record<string, unknown>) =>
    Math.sin(6 * (p.a as number)) + Math.cos(5 * (p.b as number)) + (p.a as number);
  const cfg = group('    a: {uniform: [0, 1]}\n    b: {uniform: [0, 1]}', BO_PLAIN).bo!;
  const rng = new Rng(8);
  const obs: Observation[] = [];
  for (let i = 0; i < 12; i++) {
    const params = { a: rng.next(), b: rng.next() };
    obs.push({ params, value: f(params), state: 'complete' });
  }
  const batch: Observation[] = [];
  for (let w = 0; w < 4; w++) {
    const params = suggestBo(matrix, [...obs, ...batch], rng, cfg);
    batch.push({ params, value: null, state: 'running' });
  }
  let closest = Infinity;
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < i; j++)
      closest = Math.min(
        closest,
        Math.hypot(
          (batch[i].params.a as number) - (batch[j].params.a as number),
          (batch[i].params.b as number) - (batch[j].params.b as number),
        ),
      );
  assert.ok(closest > 0.02, `two suggestions of one batch are ${closest} apart: ${JSON.stringify(batch)}`);
  // Without the pending points the same generator state would give the first suggestion again for all four.
  assert.equal(new Set(batch.map((b) => JSON.stringify(b.params))).size, 4);
});

test('log EI equals log(EI) where EI is representable, and stays finite and ordered where it underflows', () => {
  for (const [m, s, b] of [
    [0.5, 2, 1],
    [2, 1, 0.5],
    [3, 0.5, 0],
    [10, 1, 0],
  ]) {
    const l = logExpectedImprovement(m, s, b).value;
    const e = Math.log(expectedImprovement(m, s, b).value);
    assert.ok(Math.abs(l - e) < 1e-6 * Math.max(1, Math.abs(e)), `${m},${s},${b}: ${l} vs ${e}`);
  }
  const far = logExpectedImprovement(40, 1, 0).value;
  const farther = logExpectedImprovement(41, 1, 0).value;
  assert.ok(Number.isFinite(far) && far > farther, `${far} ${farther}`);
  assert.equal(expectedImprovement(40, 1, 0).value, 0);
});

test('output warp: monotone, and spreads the best results of a function spanning orders of magnitude', () => {
  const y = [3, 30, 300, 3000, 30000, 300000, 5, 8];
  const w = warpOutputs(y);
  const order = (v: number[]) =>
    v
      .map((x, i) => [x, i])
      .sort((a, b) => a[0] - b[0])
      .map(([, i]) => i);
  assert.deepEqual(order(w), order(y));
  const range = Math.max(...w) - Math.min(...w);
  // 3 and 30 are 1e-4 of the raw range apart; after the warp, more than 2% of it.
  assert.ok((w[1] - w[0]) / range > 0.02, `warped ${w}`);
});

/** n finished trials with their loss and `running` pending ones, from the searcher's own random phase. */
function trialsFor(search: SearchSpec, n: number, running: number): SweepTrial[] {
  const init = runStep(search, 99, undefined, [], n + running);
  return init.proposals.map((p, i) => ({
    id: i + 1,
    params: p.params,
    meta: p.meta,
    status: i < n ? 'succeeded' : 'running',
    value: i < n ? mlLoss(p.params) : null,
  }));
}

test('a BO step on the worker thread returns exactly the in-process step for the same seed and state', async (t) => {
  t.after(() => closeSearcherThread());
  assert.ok(searcherThreadUsable(), 'under tsx the worker starts from suggest-worker.ts');
  const search = group(ML_MATRIX, BO_PLAIN, '  concurrency: 3\n');
  const trials = trialsFor(search, 12, 2);
  const saved = runStep(search, 7, undefined, [], 0).state;
  const inProcess = await stepSearcher(search, 7, saved, trials, 3, { inProcess: true });
  const threaded = await stepSearcher(search, 7, saved, trials, 3);
  assert.equal(threaded.proposals.length, 3);
  assert.deepEqual(threaded, inProcess);
  // An option error thrown by the searcher comes back as an error with its message.
  const broken = { ...search, bo: { ...search.bo!, nIterations: -1, nInitialTrials: 0 } } as SearchSpec;
  const a = await stepSearcher(broken, 7, undefined, [], 1, { inProcess: true }).then(
    (s) => s.proposals.length,
    (e: Error) => e.message,
  );
  const b = await stepSearcher(broken, 7, undefined, [], 1).then(
    (s) => s.proposals.length,
    (e: Error) => e.message,
  );
  assert.deepEqual(b, a);
});

test('the event loop stays free while the worker computes a BO step', async (t) => {
  t.after(() => closeSearcherThread());
  const search = group(ML_MATRIX, BO_PLAIN, '  concurrency: 4\n');
  const trials = trialsFor(search, 60, 0);
  const saved = runStep(search, 7, undefined, [], 0).state;
  await stepSearcher(search, 7, saved, trials, 1); // the worker is up
  let ticks = 0;
  let maxGap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 2);
  const t0 = performance.now();
  await stepSearcher(search, 7, saved, trials, 4);
  const took = performance.now() - t0;
  clearInterval(timer);
  t.diagnostic(
    `4 suggestions at 60 results on the worker: ${took.toFixed(0)} ms; ${ticks} timer ticks meanwhile`,
  );
  // The timer kept firing while the step ran (in-process there would be no tick at all until it returned).
  assert.ok(ticks >= 3, `${ticks} ticks in ${took} ms`);
});

test('axon check warns when a loss or error metric is maximized (the default when optimization is omitted)', () => {
  const warned = group(
    '    lr: {uniform: [0, 1]}',
    '  bo: {n_initial_trials: 2, n_iterations: 3, metric: {name: val_loss}}',
  );
  assert.equal(warned.metric?.optimization, 'maximize');
  assert.equal(warned.warnings?.length, 1);
  assert.match(warned.warnings![0], /val_loss.*maximized.*optimization: minimize/);
  const err = group(
    '    lr: {uniform: [0, 1]}',
    '  random_search: {n_experiments: 2}\n  metric: {name: error_rate}',
  );
  assert.equal(err.warnings?.length, 1);
  assert.equal(group('    lr: {uniform: [0, 1]}', BO_PLAIN).warnings, undefined);
  assert.equal(
    group(
      '    lr: {uniform: [0, 1]}',
      '  bo: {n_initial_trials: 2, n_iterations: 3, metric: {name: accuracy}}',
    ).warnings,
    undefined,
  );
  // v1 files too.
  const v1 = parsePolyaxonfiles([
    {
      name: 'p.yml',
      text: 'version: 1.1\nkind: operation\nmatrix:\n  kind: bayes\n  numInitialRuns: 2\n  maxIterations: 3\n  metric: {name: loss}\n  params: {lr: {kind: uniform, value: [0, 1]}}\ncomponent:\n  run: {kind: job, container: {image: x, command: [train]}}\n',
    },
  ]);
  assert.ok(v1.ok);
  assert.equal(v1.value.hptuning?.warnings?.length, 1);
});
