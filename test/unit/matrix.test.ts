// Matrix kinds against hand-computed numpy values (SPEC §1.10), sampling semantics, and the seeded PRNG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  enumerate,
  isDiscrete,
  isDistribution,
  parsePolyaxonfiles,
  pyFloorDiv,
  sample,
  spaceSize,
  type MatrixValue,
} from '../../shared/polyaxonfile';
import { Rng } from '../../shared/random';

function close(actual: unknown[] | null, expected: number[], tol = 1e-9): void {
  assert.ok(actual, 'expected values');
  assert.equal(actual.length, expected.length, `${actual} vs ${expected}`);
  actual.forEach((v, i) =>
    assert.ok(
      Math.abs((v as number) - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])),
      `${v} vs ${expected[i]}`,
    ),
  );
}

function draws(v: MatrixValue, n: number, seed = 7): unknown[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => sample(v, rng));
}

test('range is np.arange: stop excluded, float steps as numpy computes them', () => {
  assert.deepEqual(enumerate({ kind: 'range', start: 1, stop: 10, step: 2 }), [1, 3, 5, 7, 9]);
  // np.arange(0, 1, 0.1): exactly these doubles, 10 of them
  assert.deepEqual(
    enumerate({ kind: 'range', start: 0, stop: 1, step: 0.1 }),
    [0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001, 0.7000000000000001, 0.8, 0.9],
  );
  assert.deepEqual(
    enumerate({ kind: 'range', start: 0, stop: 1, step: 0.3 }),
    [0, 0.3, 0.6, 0.8999999999999999],
  );
  assert.deepEqual(enumerate({ kind: 'range', start: 5, stop: 1, step: 1 }), []);
});

test('linspace includes both ends', () => {
  assert.deepEqual(enumerate({ kind: 'linspace', start: 1, stop: 10, num: 5 }), [1, 3.25, 5.5, 7.75, 10]);
  // np.linspace(0.01, 0.1, 5).tolist(), bit for bit
  assert.deepEqual(
    enumerate({ kind: 'linspace', start: 0.01, stop: 0.1, num: 5 }),
    [0.01, 0.0325, 0.05500000000000001, 0.0775, 0.1],
  );
  assert.deepEqual(enumerate({ kind: 'linspace', start: 2, stop: 3, num: 1 }), [2]);
});

test('logspace bounds are exponents (0.01:0.1:5 is 10^0.01..10^0.1, not 0.01..0.1)', () => {
  // np.logspace(0.01, 0.1, 5).tolist(); powers may differ from numpy's in the last bits (libm pow)
  close(
    enumerate({ kind: 'logspace', start: 0.01, stop: 0.1, num: 5, base: 10 }),
    [1.023292992280754, 1.077705253694322, 1.135010815672315, 1.1953635256737185, 1.2589254117941673],
    1e-14,
  );
  close(
    enumerate({ kind: 'logspace', start: -2, stop: -1, num: 3, base: 10 }),
    [0.01, 0.03162277660168379, 0.1],
  );
  assert.deepEqual(enumerate({ kind: 'logspace', start: 0, stop: 3, num: 4, base: 2 }), [1, 2, 4, 8]);
});

test('geomspace uses the actual bounds, both included exactly', () => {
  // np.geomspace(1, 10, 5)
  close(
    enumerate({ kind: 'geomspace', start: 1, stop: 10, num: 5 }),
    [1, 1.7782794100389228, 3.1622776601683795, 5.62341325190349, 10],
    1e-14,
  );
  const values = enumerate({ kind: 'geomspace', start: 1, stop: 1000, num: 4 }) as number[];
  assert.equal(values[0], 1);
  assert.equal(values[3], 1000);
  close(enumerate({ kind: 'geomspace', start: -1000, stop: -1, num: 4 }), [-1000, -100, -10, -1]);
});

test('the three input forms of a range-like kind are equivalent', () => {
  const parse = (entry: string) => {
    const r = parsePolyaxonfiles([
      { name: 'p.yml', text: `version: 1\nkind: group\nhptuning:\n  matrix:\n    x: ${entry}\n` },
    ]);
    assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => e.message).join('\n'));
    return r.value.hptuning?.matrix.x;
  };
  const expected = { kind: 'range', start: 1, stop: 10, step: 2 };
  assert.deepEqual(parse("{range: '1:10:2'}"), expected);
  assert.deepEqual(parse('{range: [1, 10, 2]}'), expected);
  assert.deepEqual(parse('{range: {start: 1, stop: 10, step: 2}}'), expected);
  assert.deepEqual(parse("{logspace: '0:2:3:2'}"), { kind: 'logspace', start: 0, stop: 2, num: 3, base: 2 });
});

test('values keep their YAML types: ints stay ints, floats floats, strings strings', () => {
  const r = parsePolyaxonfiles([
    {
      name: 'p.yml',
      text: "version: 1\nkind: group\nhptuning:\n  matrix:\n    x: {values: [1, 2.5, '3', true, null, [1, 2]]}\n",
    },
  ]);
  assert.ok(r.ok, 'r.ok');
  assert.deepEqual(enumerate(r.value.hptuning!.matrix.x), [1, 2.5, '3', true, null, [1, 2]]);
});

test('discrete kinds, distributions and the space size', () => {
  const values: MatrixValue = { kind: 'values', values: ['a', 'b'] };
  const pvalues: MatrixValue = {
    kind: 'pvalues',
    values: [
      ['a', 0.3],
      ['b', 0.7],
    ],
  };
  const uniform: MatrixValue = { kind: 'uniform', low: 0, high: 1 };
  const logspace: MatrixValue = { kind: 'logspace', start: 0.01, stop: 0.1, num: 5, base: 10 };
  assert.ok(isDiscrete(values) && !isDistribution(values), 'isDiscrete(values) && !isDistribution(values)');
  assert.ok(isDiscrete(pvalues) && isDistribution(pvalues), 'isDiscrete(pvalues) && isDistribution(pvalues)');
  assert.ok(
    !isDiscrete(uniform) && isDistribution(uniform),
    '!isDiscrete(uniform) && isDistribution(uniform)',
  );
  assert.equal(enumerate(uniform), null);
  assert.equal(spaceSize({ values, logspace }), 10);
  assert.equal(spaceSize({ values, pvalues }), 4);
  assert.equal(spaceSize({ values, uniform }), null);
  assert.equal(spaceSize({}), 1);
});

test('pvalues: the last option takes the remaining mass', () => {
  const v: MatrixValue = {
    kind: 'pvalues',
    values: [
      ['relu', 0.1],
      ['sigmoid', 0.8],
    ],
  };
  const all = draws(v, 20000);
  const relu = all.filter((x) => x === 'relu').length / all.length;
  assert.ok(Math.abs(relu - 0.1) < 0.01, `relu share ${relu}`);
  assert.ok(Math.abs(1 - relu - 0.9) < 0.01, 'Math.abs(1 - relu - 0.9) < 0.01');
});

test("q-kinds floor-quantise as numpy's round(x // q) * q does", () => {
  assert.equal(pyFloorDiv(1, 0.1), 9); // Python: 1 // 0.1 == 9.0, while Math.floor(1 / 0.1) is 10
  assert.equal(pyFloorDiv(0.3, 0.1), 2);
  assert.equal(pyFloorDiv(-7, 2), -4);
  assert.equal(pyFloorDiv(7, 2), 3);
  // uniform in [0, 1) floored to 0.1 never reaches 1.0, which a round() would give for x >= 0.95
  const q = draws({ kind: 'quniform', low: 0, high: 1, q: 0.1 }, 5000) as number[];
  const steps = new Set(q.map((x) => Math.round(x / 0.1)));
  assert.deepEqual(
    [...steps].sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  // qloguniform [0, 0.8, 0.1]: exp(U[0, 0.8)) in [1, 2.2255) → {1.0 … 2.2}
  const ql = draws({ kind: 'qloguniform', low: 0, high: 0.8, q: 0.1 }, 5000) as number[];
  const qlSteps = [...new Set(ql.map((x) => Math.round(x / 0.1)))].sort((a, b) => a - b);
  assert.equal(qlSteps[0], 10);
  assert.equal(qlSteps[qlSteps.length - 1], 22);
  for (const x of draws({ kind: 'qnormal', loc: 0, scale: 1, q: 0.5 }, 500) as number[])
    assert.ok(x % 0.5 === 0, `${x}`);
  // qlognormal is quantised (Polyaxon v1); Polyaxon 0.4.4 ignored q.
  for (const x of draws({ kind: 'qlognormal', loc: 0, scale: 1, q: 0.25 }, 500) as number[])
    assert.ok(x % 0.25 === 0, `${x}`);
});

test('continuous kinds: ranges and moments', () => {
  const u = draws({ kind: 'uniform', low: 2, high: 3 }, 5000) as number[];
  assert.ok(
    u.every((x) => x >= 2 && x < 3),
    'u.every((x) => x >= 2 && x < 3)',
  );
  const lu = draws({ kind: 'loguniform', low: -2, high: 0 }, 5000) as number[];
  assert.ok(
    lu.every((x) => x >= Math.exp(-2) && x < 1),
    'lu.every((x) => x >= Math.exp(-2) && x < 1)',
  );
  const n = draws({ kind: 'normal', loc: 5, scale: 2 }, 20000) as number[];
  const mean = n.reduce((a, b) => a + b, 0) / n.length;
  const sd = Math.sqrt(n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length);
  assert.ok(Math.abs(mean - 5) < 0.05, `mean ${mean}`);
  assert.ok(Math.abs(sd - 2) < 0.05, `sd ${sd}`);
  const ln = draws({ kind: 'lognormal', loc: 0, scale: 1 }, 2000) as number[];
  assert.ok(
    ln.every((x) => x > 0),
    'ln.every((x) => x > 0)',
  );
  const choices = draws({ kind: 'linspace', start: 1, stop: 10, num: 5 }, 500);
  assert.deepEqual(
    [...new Set(choices)].sort((a, b) => (a as number) - (b as number)),
    [1, 3.25, 5.5, 7.75, 10],
  );
});

test('Rng: seeded, the same sequence on every machine, state saves and restores', () => {
  const a = new Rng(42);
  // Pinned: a change here changes every seeded sweep.
  assert.deepEqual([a.next(), a.next(), a.int(10)], [0.2725744465111921, 0.14005348723065558, 8]);
  const b = new Rng(42);
  const c = new Rng(43);
  const seqB = Array.from({ length: 5 }, () => b.next());
  assert.notDeepEqual(
    seqB,
    Array.from({ length: 5 }, () => c.next()),
  );
  const state = b.getState();
  const rest = Array.from({ length: 5 }, () => b.next());
  const restored = Rng.fromState(JSON.parse(JSON.stringify(state)));
  assert.deepEqual(
    Array.from({ length: 5 }, () => restored.next()),
    rest,
  );
  for (let i = 0; i < 1000; i++) {
    const x = a.int(7);
    assert.ok(Number.isInteger(x) && x >= 0 && x < 7, 'Number.isInteger(x) && x >= 0 && x < 7');
  }
  assert.throws(() => Rng.fromState([0, 0, 0, 0]));
  assert.throws(() => a.int(0));
});
