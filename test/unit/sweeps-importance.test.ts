// Parameter importance (main/engine/sweeps/importance.ts) on functions whose answer is known: the objective
// depends strongly on x1, weakly on x2 and not at all on x3, so the importances must come out
// x1 > x2 > x3 ≈ 0; a log-scaled param and a categorical one are found when they matter; too few trials
// say so instead of inventing an answer; the same trials and seed give the same answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paramImportance, type ImportanceTrial } from '../../main/engine/sweeps/importance';
import { Rng } from '../../shared/random';

function trials(
  n: number,
  seed: number,
  f: (p: Record<string, number | string>) => number,
): ImportanceTrial[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => {
    const params = {
      x1: r.next(),
      x2: r.next(),
      x3: r.next(),
      lr: 10 ** r.uniform(-5, -1),
      opt: ['adam', 'sgd', 'rmsprop'][r.int(3)],
    };
    return { params, value: f(params) };
  });
}
const SPECS = [
  { name: 'x1' },
  { name: 'x2' },
  { name: 'x3' },
  { name: 'lr', scale: 'log' as const },
  { name: 'opt', scale: 'categorical' as const },
];
const byName = (r: ReturnType<typeof paramImportance>) =>
  Object.fromEntries(r.params.map((p) => [p.name, p]));

test('strong x1, weak x2, no x3: importances x1 > x2 > x3 ≈ 0, most important first', () => {
  const noise = new Rng(99);
  const data = trials(120, 7, (p) => 10 * (p.x1 as number) + 3 * (p.x2 as number) + 0.1 * noise.normal());
  const res = paramImportance(SPECS.slice(0, 3), data, { seed: 1 });
  const imp = byName(res);
  assert.equal(res.enough, true);
  assert.equal(res.trials, 120);
  assert.deepEqual(
    res.params.map((p) => p.name),
    ['x1', 'x2', 'x3'],
  );
  assert.ok(imp.x1.importance > 0.75, `x1 dominates: ${imp.x1.importance}`);
  assert.ok(imp.x2.importance > 0.03, `x2 matters a little: ${imp.x2.importance}`);
  assert.ok(imp.x3.importance < 0.02, `x3 does not matter: ${imp.x3.importance}`);
  assert.ok(Math.abs(imp.x3.raw) < 0.02, `x3's error growth ≈ 0: ${imp.x3.raw}`);
  const total = res.params.reduce((a, p) => a + p.importance, 0);
  assert.ok(Math.abs(total - 1) < 1e-9, 'the shares sum to 1');
  assert.ok(res.fit! > 0.8, `the forest predicts the objective (out-of-bag R² ${res.fit})`);
});

test('a log-scaled param and a category are found when the objective depends on them', () => {
  // The objective follows log10(lr) (a bowl at 1e-3) and the optimizer; x1..x3 are noise.
  const data = trials(150, 3, (p) => {
    const l = Math.log10(p.lr as number) + 3;
    return l * l + (p.opt === 'sgd' ? 2 : 0);
  });
  const res = paramImportance(SPECS, data, { seed: 2 });
  const imp = byName(res);
  assert.deepEqual(
    res.params.slice(0, 2).map((p) => p.name),
    ['lr', 'opt'],
  );
  assert.equal(imp.lr.kind, 'log');
  assert.equal(imp.opt.kind, 'categorical');
  for (const k of ['x1', 'x2', 'x3']) assert.ok(imp[k].importance < 0.03, `${k}: ${imp[k].importance}`);
});

test('an objective spanning decades is modelled in log space', () => {
  const data = trials(60, 5, (p) => 10 ** (6 * (p.x1 as number)));
  const res = paramImportance(SPECS.slice(0, 3), data, { seed: 1 });
  assert.equal(res.objectiveScale, 'log');
  assert.equal(res.params[0].name, 'x1');
});

test('too few finished trials: no forest, and the result says how many there are and how many it needs', () => {
  const data = trials(7, 1, (p) => p.x1 as number);
  const res = paramImportance(SPECS, data);
  assert.equal(res.enough, false);
  assert.equal(res.trials, 7);
  assert.equal(res.minTrials, 10);
  assert.equal(res.fit, null);
  assert.ok(res.params.every((p) => p.importance === 0));
  // Non-finite objective values are not trials.
  const withNaN = [...trials(9, 1, (p) => p.x1 as number), { params: { x1: 0.5 }, value: Number.NaN }];
  assert.equal(paramImportance(SPECS, withNaN).trials, 9);
});

test('a constant param and a constant objective give zeros, not noise', () => {
  const data = trials(30, 4, (p) => p.x1 as number).map((t) => ({ ...t, params: { ...t.params, k: 3 } }));
  const res = paramImportance([{ name: 'x1' }, { name: 'k' }], data, { seed: 1 });
  const imp = byName(res);
  assert.equal(imp.k.constant, true);
  assert.equal(imp.k.importance, 0);
  const flat = paramImportance(
    [{ name: 'x1' }],
    data.map((t) => ({ ...t, value: 1 })),
  );
  assert.equal(flat.enough, true);
  assert.equal(flat.params[0].importance, 0);
  assert.equal(flat.fit, null);
});

test('seeded: the same trials give the same answer; a large sweep is sampled, and says so', () => {
  const data = trials(40, 8, (p) => (p.x1 as number) + 0.2 * (p.x2 as number));
  assert.deepEqual(paramImportance(SPECS, data, { seed: 4 }), paramImportance(SPECS, data, { seed: 4 }));
  const big = trials(300, 9, (p) => p.x1 as number);
  const res = paramImportance(SPECS, big, { maxTrials: 100, seed: 1 });
  assert.equal(res.trials, 300);
  assert.equal(res.used, 100);
  assert.equal(res.params[0].name, 'x1');
});

test('a param some trials lack (a mapping key) is a category with "missing" as a value', () => {
  const data = trials(60, 6, (p) => p.x1 as number).map((t, i) => ({
    ...t,
    params: i % 3 ? { ...t.params, extra: 1 } : { x1: t.params.x1 },
  }));
  const res = paramImportance([{ name: 'x1' }, { name: 'extra' }], data, { seed: 1 });
  assert.equal(byName(res).extra.kind, 'categorical');
  assert.equal(res.params[0].name, 'x1');
});
