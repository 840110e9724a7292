// groups.importance and groups.metricCurves through a real engine, its SQLite store and real local
// processes: a random sweep whose objective depends strongly on x1, weakly on x2 and not on x3, each
// experiment printing a 40-step learning curve. The curves come back one per experiment on one shared step
// grid (bucketed when asked for fewer points, each bucket the mean of its steps); the importance puts x1
// first and counts the finished experiments; a group with too few says so; unknown groups and metrics are
// clear errors or empty answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { groupEnd, startGroup, tmpDir } from '../helpers';

/** loss at step s = 3·x1 + 0.3·x2 + 1/s, for s = 1 … 40 (x3 is only carried along). */
function project(): string {
  const dir = tmpDir('axon-insights-');
  fs.writeFileSync(
    path.join(dir, 'obj.sh'),
    `awk -v a="$1" -v b="$2" 'BEGIN { for (s = 1; s <= 40; s++) printf "@@axon {\\"metrics\\":{\\"loss\\":%.9f},\\"step\\":%d}\\n", 3*a + 0.3*b + 1/s, s }'\n`,
  );
  return dir;
}

const sweep = (n: number) =>
  [
    'version: 1',
    'kind: group',
    'hptuning:',
    '  concurrency: 4',
    '  seed: 11',
    `  random_search: {n_experiments: ${n}}`,
    '  metric: {name: loss, optimization: minimize}',
    '  matrix:',
    '    x1: {uniform: 0:1}',
    '    x2: {uniform: 0:1}',
    '    x3: {uniform: 0:1}',
    'run:',
    '  cmd: bash obj.sh {{ x1 }} {{ x2 }} {{ x3 }}',
  ].join('\n');

test('groups.metricCurves and groups.importance on a finished random sweep', async () => {
  const dir = project();
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const id = await startGroup(engine, sweep(16), dir);
    const g = await groupEnd(engine, id, 120_000);
    assert.equal(g.status, 'done', g.statusMessage ?? '');
    const xs = await engine.call('groups.experiments', { id });
    assert.equal(xs.length, 16);

    // Every step: one curve per experiment, the grid is steps 1 … 40, values exactly as printed.
    const full = await engine.call('groups.metricCurves', { id, key: 'loss' });
    assert.equal(full.bucket, 1);
    assert.deepEqual(
      full.steps,
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    assert.deepEqual(
      full.curves.map((c) => c.experimentId).sort((a, b) => a - b),
      xs.map((x) => x.id).sort((a, b) => a - b),
    );
    for (const c of full.curves) {
      const x = xs.find((e) => e.id === c.experimentId)!;
      const base = 3 * (x.params.x1 as number) + 0.3 * (x.params.x2 as number);
      assert.equal(c.total, 40);
      assert.ok(Math.abs(c.values[0]! - (base + 1)) < 1e-6, `step 1 of ${x.id}`);
      assert.ok(Math.abs(c.values[39]! - (base + 1 / 40)) < 1e-6, `step 40 of ${x.id}`);
      assert.ok(Math.abs(c.values[39]! - x.lastMetrics.loss) < 1e-6, 'the last point is the objective');
    }

    // Ten points: buckets of 4 steps, each the mean of its steps, at the bucket's last step.
    const coarse = await engine.call('groups.metricCurves', { id, key: 'loss', maxPoints: 10 });
    assert.equal(coarse.bucket, 4);
    assert.deepEqual(coarse.steps, [4, 8, 12, 16, 20, 24, 28, 32, 36, 40]);
    const c0 = coarse.curves[0];
    const x0 = xs.find((e) => e.id === c0.experimentId)!;
    const base0 = 3 * (x0.params.x1 as number) + 0.3 * (x0.params.x2 as number);
    const mean = (from: number) => base0 + [0, 1, 2, 3].reduce((a, k) => a + 1 / (from + k), 0) / 4;
    assert.ok(Math.abs(c0.values[0]! - mean(1)) < 1e-6);
    assert.ok(Math.abs(c0.values[9]! - mean(37)) < 1e-6);
    assert.equal(c0.total, 40);

    // A metric nobody reported: an empty grid, not an error.
    assert.deepEqual(await engine.call('groups.metricCurves', { id, key: 'nope' }), {
      groupId: id,
      key: 'nope',
      steps: [],
      bucket: 1,
      curves: [],
    });

    const imp = await engine.call('groups.importance', { id });
    assert.equal(imp.metric, 'loss');
    assert.equal(imp.enough, true);
    assert.equal(imp.trials, 16);
    assert.equal(imp.used, 16);
    assert.deepEqual(imp.params.map((p) => p.name).sort(), ['x1', 'x2', 'x3']);
    assert.equal(imp.params[0].name, 'x1', JSON.stringify(imp.params));
    assert.ok(imp.params[0].importance > 0.6, `x1's share: ${imp.params[0].importance}`);
    assert.ok(imp.fit !== null && imp.fit > 0.5, `the forest predicts loss: R² ${imp.fit}`);
    // The same finished experiments give the same bars.
    assert.deepEqual(await engine.call('groups.importance', { id }), imp);
    // Another metric by name; one nobody reported has no trials.
    const none = await engine.call('groups.importance', { id, metric: 'acc' });
    assert.equal(none.enough, false);
    assert.equal(none.trials, 0);
  } finally {
    await engine.close();
  }
});

test('groups.importance with fewer finished experiments than it needs says how many there are', async () => {
  const dir = project();
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const id = await startGroup(engine, sweep(4), dir);
    await groupEnd(engine, id, 60_000);
    const imp = await engine.call('groups.importance', { id });
    assert.equal(imp.enough, false);
    assert.equal(imp.trials, 4);
    assert.equal(imp.minTrials, 10);
    assert.ok(imp.params.every((p) => p.importance === 0));
    await assert.rejects(engine.call('groups.importance', { id: 9999 }), /9999/);
    await assert.rejects(engine.call('groups.metricCurves', { id: 9999, key: 'loss' }), /9999/);
  } finally {
    await engine.close();
  }
});
