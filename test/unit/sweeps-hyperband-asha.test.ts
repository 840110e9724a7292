import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hyperbandPlan, hyperbandSearcher, sMax, castResource } from '../../main/engine/sweeps/hyperband';
import { ashaSearcher, rungs, ashaOptions } from '../../main/engine/sweeps/asha';
import { OptionError } from '../../main/engine/sweeps/options';
import type { Proposal, SweepTrial } from '../../main/engine/sweeps/searcher';
import type { SearchSpec } from '../../shared/polyaxonfile';

const base = (extra: Partial<SearchSpec>): SearchSpec => ({
  algorithm: 'hyperband',
  concurrency: 4,
  matrix: { lr: { kind: 'uniform', low: 0, high: 1 }, units: { kind: 'values', values: [8, 16, 32, 64] } },
  earlyStopping: [],
  metric: { name: 'loss', optimization: 'minimize' },
  ...extra,
});

test("the Hyperband table for max_iter=81, eta=3 (SPEC §1.11), without Polyaxon's extra last round", () => {
  const plan = hyperbandPlan(81, 3).map((b) => [b.s, b.n, b.rounds.map((r) => [r.n, r.resource])]);
  assert.deepEqual(plan, [
    [
      4,
      81,
      [
        [81, 1],
        [27, 3],
        [9, 9],
        [3, 27],
        [1, 81],
      ],
    ],
    [
      3,
      34,
      [
        [34, 3],
        [11, 9],
        [3, 27],
        [1, 81],
      ],
    ],
    [
      2,
      15,
      [
        [15, 9],
        [5, 27],
        [1, 81],
      ],
    ],
    [
      1,
      8,
      [
        [8, 27],
        [2, 81],
      ],
    ],
    [0, 5, [[5, 81]]],
  ]);
});

test("s_max uses integer arithmetic: max_iter=1000, eta=10 gives 3 (Polyaxon's float log gave 2)", () => {
  assert.equal(sMax(1000, 10), 3);
  assert.equal(sMax(243, 3), 5);
  assert.equal(sMax(81, 3), 4);
  assert.equal(sMax(80, 3), 3);
  assert.equal(castResource(81 * 3 ** -4, 'int'), 1);
  assert.equal(castResource(2.7, 'int'), 2);
  assert.equal(castResource(2.7, 'float'), 2.7);
});

/** Runs a searcher to its end with an objective, `free` slots a step, returning every proposal in order. */
function drive(
  searcher: ReturnType<typeof hyperbandSearcher> | ReturnType<typeof ashaSearcher>,
  value: (p: Proposal) => number,
  free = 1000,
): { proposals: Proposal[]; trials: SweepTrial[] } {
  let state = searcher.init() as never;
  const trials: SweepTrial[] = [];
  const proposals: Proposal[] = [];
  for (let i = 0; i < 10_000; i++) {
    const step = (
      searcher.step as (
        s: never,
        t: SweepTrial[],
        f: number,
      ) => { state: never; proposals: Proposal[]; finished: boolean }
    )(state, trials, free);
    state = step.state;
    for (const p of step.proposals) {
      proposals.push(p);
      trials.push({
        id: trials.length + 1,
        params: { ...p.params, ...p.overrides },
        meta: p.meta,
        status: 'succeeded',
        value: value(p),
      });
    }
    if (step.finished) return { proposals, trials };
  }
  throw new Error('the searcher never finished');
}

test('hyperband runs every bracket and round, promotes the best by the metric, injects the typed resource', () => {
  const search = base({
    hyperband: { maxIter: 9, eta: 3, resource: { name: 'epochs', type: 'int' }, resume: true },
  });
  const { proposals, trials } = drive(
    hyperbandSearcher(search, 7),
    (p) => (p.params.lr as number) / (p.overrides!.epochs as number),
  );
  // max_iter 9, eta 3: brackets s=2 (9×1, 3×3, 1×9), s=1 (5×3, 1×9), s=0 (3×9).
  const shape = proposals.map((p) => `${p.meta.bracket}/${p.meta.round}/${p.overrides!.epochs}`);
  const count = (k: string) => shape.filter((x) => x === k).length;
  assert.deepEqual(
    [count('0/0/1'), count('0/1/3'), count('0/2/9'), count('1/0/3'), count('1/1/9'), count('2/0/9')],
    [9, 3, 1, 5, 1, 3],
  );
  assert.equal(proposals.length, 22);
  // Round 1 of bracket 0 keeps the 3 best (lowest lr) of round 0, resuming from their experiments.
  const round0 = trials
    .filter((t) => t.meta.bracket === 0 && t.meta.round === 0)
    .sort((a, b) => a.value! - b.value!);
  const round1 = proposals.filter((p) => p.meta.bracket === 0 && p.meta.round === 1);
  assert.deepEqual(
    round1.map((p) => p.resumeFrom).sort(),
    round0
      .slice(0, 3)
      .map((t) => t.id)
      .sort(),
  );
  assert.deepEqual(
    round1.map((p) => p.params.lr).sort(),
    round0
      .slice(0, 3)
      .map((t) => t.params.lr)
      .sort(),
  );
  assert.ok(
    proposals.every((p) => Number.isInteger(p.overrides!.epochs)),
    'proposals.every((p) => Number.isInteger(p.overrides!.epochs))',
  );
});

test('hyperband with resume: false starts promoted configurations afresh', () => {
  const search = base({
    hyperband: { maxIter: 9, eta: 3, resource: { name: 'epochs', type: 'float' }, resume: false },
  });
  const { proposals } = drive(hyperbandSearcher(search, 1), () => 1);
  assert.ok(
    proposals.filter((p) => p.meta.round! > 0).length > 0,
    'proposals.filter((p) => p.meta.round! > 0).length > 0',
  );
  assert.ok(
    proposals.every((p) => p.resumeFrom === undefined),
    'proposals.every((p) => p.resumeFrom === undefined)',
  );
});

test('hyperband is deterministic for a seed and waits for a whole round', () => {
  const search = base({
    hyperband: { maxIter: 9, eta: 3, resource: { name: 'epochs', type: 'int' }, resume: false },
  });
  const a = drive(hyperbandSearcher(search, 42), (p) => p.params.lr as number).proposals.map((p) => p.params);
  const b = drive(hyperbandSearcher(search, 42), (p) => p.params.lr as number).proposals.map((p) => p.params);
  assert.deepEqual(a, b);
  const s = hyperbandSearcher(search, 42);
  const first = s.step(s.init(), [], 4);
  const trials: SweepTrial[] = first.proposals.map((p, i) => ({
    id: i + 1,
    params: p.params,
    meta: p.meta,
    status: i === 0 ? 'running' : 'succeeded',
    value: 1,
  }));
  assert.equal(
    s.step(first.state, trials, 4).proposals.length,
    0,
    'no promotion while one of the round runs',
  );
});

const asha = (extra: Record<string, unknown> = {}) =>
  base({
    algorithm: 'asha',
    options: {
      resource: { name: 'epochs', type: 'int' },
      max_resource: 27,
      reduction_factor: 3,
      n_experiments: 30,
      ...extra,
    },
  });

test('ASHA rungs and option errors that name the field', () => {
  assert.deepEqual(rungs(ashaOptions(asha())), [1, 3, 9, 27]);
  assert.deepEqual(rungs(ashaOptions(asha({ min_resource: 2, max_resource: 20 }))), [2, 6, 18, 20]);
  assert.throws(
    () => ashaOptions(asha({ max_resource: 'lots' })),
    (e: Error) =>
      e instanceof OptionError && /^hptuning\.asha\.max_resource: expected a number/.test(e.message),
  );
  assert.throws(
    () => ashaOptions(asha({ resource: 'epochs' })),
    /hptuning\.asha\.resource: expected \{name, type/,
  );
});

test('ASHA promotes as soon as a rung has 1/eta good results, without waiting for the others', () => {
  const s = ashaSearcher(asha(), 3);
  let state = s.init();
  const trials: SweepTrial[] = [];
  let step = s.step(state, trials, 3);
  state = step.state;
  assert.deepEqual(
    step.proposals.map((p) => p.meta.round),
    [0, 0, 0],
  );
  step.proposals.forEach((p, i) =>
    trials.push({
      id: i + 1,
      params: p.params,
      meta: p.meta,
      status: i < 3 ? 'succeeded' : 'running',
      value: i,
    }),
  );
  // Three results at rung 0: the best (value 0) is promoted at once, the next slot starts a new config.
  step = s.step(state, trials, 2);
  assert.deepEqual(
    step.proposals.map((p) => [p.meta.round, p.meta.config]),
    [
      [1, 0],
      [0, 3],
    ],
  );
  assert.equal(step.proposals[0].overrides!.epochs, 3);
});

test('ASHA ends once every configuration is out and nothing more can be promoted', () => {
  const { proposals } = drive(
    ashaSearcher(asha({ n_experiments: 27 }), 5),
    (p) => (p.params.lr as number) + 1 / (p.overrides!.epochs as number),
    4,
  );
  const byRung = [0, 1, 2, 3].map((k) => proposals.filter((p) => p.meta.round === k).length);
  assert.equal(byRung[0], 27);
  assert.ok(byRung[1] >= 9 && byRung[3] >= 1, `rungs ${byRung}`);
});
