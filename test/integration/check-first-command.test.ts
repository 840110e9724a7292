// `axon check` (runs.check) shows the command the group's first experiment really gets: for a seeded sweep of
// every drawing algorithm, the engine's first experiment of the created group has the command check showed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../main/engine/engine';
import { startGroup, tmpDir, waitFor } from '../helpers';

const SEARCHES: Record<string, string> = {
  random: 'random_search: {n_experiments: 3}',
  hyperband:
    'hyperband: {max_iter: 9, eta: 3, resource: {name: steps, type: int}, metric: {name: loss, optimization: minimize}}',
  asha: 'asha: {resource: {name: steps, type: int}, max_resource: 9, n_experiments: 3, metric: {name: loss, optimization: minimize}}',
  bo: 'bo: {n_initial_trials: 2, n_iterations: 1, metric: {name: loss, optimization: minimize}}',
  tpe: 'tpe: {n_experiments: 3, metric: {name: loss, optimization: minimize}}',
};

test("runs.check's command is the first experiment's command, for every algorithm that draws (seed 7)", async () => {
  const dir = tmpDir('axon-check-first-');
  const engine = await Engine.start({ home: tmpDir() });
  try {
    for (const [algorithm, search] of Object.entries(SEARCHES)) {
      const steps = search.includes('resource') ? ' steps={{ steps }}' : '';
      const text = [
        'version: 1',
        'kind: group',
        'hptuning:',
        '  concurrency: 2',
        '  seed: 7',
        `  ${search}`,
        '  matrix:',
        '    x: {uniform: -5:10}',
        '    y: {values: [1, 2.5, 5]}',
        'run:',
        `  cmd: echo x={{ x }} y={{ y }}${steps}`,
      ].join('\n');
      const checked = await engine.call('runs.check', { files: [{ name: 'sweep.yml', text }], params: {} });
      assert.ok(checked.ok, JSON.stringify(checked));
      const id = await startGroup(engine, text, dir);
      const first = await waitFor(
        async () => (await engine.call('groups.experiments', { id })).sort((a, b) => a.id - b.id)[0],
        30_000,
        `the first experiment of the ${algorithm} group`,
      );
      assert.equal(checked.summary.command, first.cmd, algorithm);
    }
  } finally {
    await engine.close();
  }
});
