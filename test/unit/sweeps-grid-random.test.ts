// Grid and random search suggestions (SPEC §1.11).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePolyaxonfiles, type MatrixValue } from '../../shared/polyaxonfile';
import { Rng } from '../../shared/random';
import { gridSuggestions } from '../../main/engine/sweeps/grid';
import { randomSuggestions } from '../../main/engine/sweeps/random';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/polyaxon');

const values = (...v: unknown[]): MatrixValue => ({ kind: 'values', values: v });

test('grid: cartesian product in key order, the last key varying fastest', () => {
  const grid = gridSuggestions({ a: values(1, 2), b: values('x', 'y', 'z') });
  assert.deepEqual(grid, [
    { a: 1, b: 'x' },
    { a: 1, b: 'y' },
    { a: 1, b: 'z' },
    { a: 2, b: 'x' },
    { a: 2, b: 'y' },
    { a: 2, b: 'z' },
  ]);
  assert.deepEqual(Object.keys(grid[0]), ['a', 'b']);
  const three = gridSuggestions({
    c: values(0, 1),
    a: { kind: 'range', start: 1, stop: 4, step: 2 },
    b: values(true),
  });
  assert.deepEqual(
    three.map((p) => [p.c, p.a, p.b]),
    [
      [0, 1, true],
      [0, 3, true],
      [1, 1, true],
      [1, 3, true],
    ],
  );
});

test('grid: n_experiments keeps the first N, asking for more gives everything', () => {
  const matrix = { a: values(1, 2, 3), b: values(1, 2, 3) };
  assert.deepEqual(gridSuggestions(matrix, 4), gridSuggestions(matrix).slice(0, 4));
  assert.equal(gridSuggestions(matrix, 100).length, 9);
  // a huge grid is not materialised to take its first points
  const big = {
    a: { kind: 'range', start: 0, stop: 1e6, step: 1 } as MatrixValue,
    b: { kind: 'range', start: 0, stop: 1e6, step: 1 } as MatrixValue,
  };
  assert.deepEqual(gridSuggestions(big, 2), [
    { a: 0, b: 0 },
    { a: 0, b: 1 },
  ]);
  assert.throws(() => gridSuggestions({ a: { kind: 'uniform', low: 0, high: 1 } }), /continuous/);
});

test('random: capped at the space size when every dimension is discrete (fixture: 300 asked, 10 given)', () => {
  const name = 'polyaxon-schemas-v0.4.4__tests__fixtures__matrix_file_ignored_n_experiments.yml';
  const r = parsePolyaxonfiles([{ name, text: fs.readFileSync(path.join(fixtures, name), 'utf8') }]);
  assert.ok(r.ok, 'r.ok');
  const h = r.value.hptuning!;
  const suggestions = randomSuggestions(h.matrix, h.nExperiments!, new Rng(1));
  assert.equal(suggestions.length, 10);
  const key = (p: Record<string, unknown>) => JSON.stringify(p);
  assert.equal(new Set(suggestions.map(key)).size, 10);
  assert.deepEqual(new Set(suggestions.map(key)), new Set(gridSuggestions(h.matrix).map(key)));
});

test('random: suggestions are unique, and values outside any option never appear', () => {
  const matrix = { a: values(1, 2, 3), b: values('x', 'x', 'y') };
  const s = randomSuggestions(matrix, 50, new Rng(3));
  assert.equal(s.length, 6); // 'x' twice is one value
  const cont = randomSuggestions(
    { lr: { kind: 'uniform', low: 0, high: 1 }, n: values(1, 2) },
    40,
    new Rng(3),
  );
  assert.equal(cont.length, 40);
  assert.equal(new Set(cont.map((p) => JSON.stringify(p))).size, 40);
  assert.ok(
    cont.every((p) => (p.lr as number) >= 0 && (p.lr as number) < 1 && [1, 2].includes(p.n as number)),
  );
  // an option with no probability mass cannot be drawn: the cap counts reachable options only
  const p = randomSuggestions(
    {
      act: {
        kind: 'pvalues',
        values: [
          ['a', 0.5],
          ['b', 0.5],
          ['c', 0.2],
        ],
      },
    },
    10,
    new Rng(3),
  );
  assert.deepEqual(p.map((x) => x.act).sort(), ['a', 'b']);
  // a very unlikely option is still reached when the whole space is asked for
  const rare = randomSuggestions(
    {
      act: {
        kind: 'pvalues',
        values: [
          ['common', 0.999999],
          ['rare', 0],
        ],
      },
      n: values(1, 2),
    },
    4,
    new Rng(3),
  );
  assert.equal(rare.length, 4);
});

test('random: deterministic for a seed, and resumable from a saved generator state', () => {
  const matrix = { lr: { kind: 'loguniform', low: -5, high: 0 } as MatrixValue, units: values(16, 32, 64) };
  assert.deepEqual(randomSuggestions(matrix, 10, new Rng(42)), randomSuggestions(matrix, 10, new Rng(42)));
  assert.notDeepEqual(randomSuggestions(matrix, 10, new Rng(42)), randomSuggestions(matrix, 10, new Rng(43)));
  const rng = new Rng(9);
  randomSuggestions(matrix, 3, rng);
  const state = rng.getState();
  assert.deepEqual(randomSuggestions(matrix, 3, rng), randomSuggestions(matrix, 3, Rng.fromState(state)));
  assert.deepEqual(randomSuggestions(matrix, 0, new Rng(1)), []);
});
