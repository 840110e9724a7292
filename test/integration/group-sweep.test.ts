// groups.sweep through a real engine and real local processes: hyperband's plan (brackets × rounds) and each
// experiment's bracket, round and resource matching the params it ran with; ASHA's rungs; a grid group's
// param scales and no brackets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { groupEnd, startGroup, tmpDir } from '../helpers';

/** loss = (x-0.3)^2 + 1/epochs, printed as a metric line; `lr` and `opt` are only carried along. */
function project(): string {
  const dir = tmpDir('axon-gsweep-');
  fs.writeFileSync(
    path.join(dir, 'obj.sh'),
    `awk -v x="$1" -v e="\${2:-0}" 'BEGIN { l = (x-0.3)^2; if (e > 0) l += 1/e; printf "@@axon {\\"metrics\\":{\\"loss\\":%.12f}}\\n", l }'\n`,
  );
  return dir;
}

const file = (hptuning: string[]) =>
  [
    'version: 1',
    'kind: group',
    'declarations:',
    '  epochs: 0',
    'hptuning:',
    ...hptuning,
    '  matrix:',
    '    x:',
    '      uniform: 0:1',
    '    lr:',
    '      logspace: 0.001:0.1:3',
    '    opt:',
    '      values: [adam, sgd]',
    'run:',
    '  cmd: bash obj.sh {{ x }} {{ epochs }} {{ lr }} {{ opt }}',
  ].join('\n');

async function runToEnd(engine: Engine, text: string, dir: string) {
  const id = await startGroup(engine, text, dir);
  const g = await groupEnd(engine, id);
  assert.equal(g.status, 'done', g.statusMessage ?? '');
  return id;
}

test('groups.sweep: hyperband max_iter 9, eta 3 gives the plan and every experiment its place in it', async () => {
  const dir = project();
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const id = await runToEnd(
      engine,
      file([
        '  concurrency: 3',
        '  seed: 4',
        '  hyperband:',
        '    max_iter: 9',
        '    eta: 3',
        '    resource: {name: epochs, type: int}',
        '    metric: {name: loss, optimization: minimize}',
      ]),
      dir,
    );
    const sweep = await engine.call('groups.sweep', { id });
    assert.equal(sweep.algorithm, 'hyperband');
    assert.deepEqual(sweep.metric, { name: 'loss', optimization: 'minimize' });
    assert.deepEqual(sweep.resource, { name: 'epochs', type: 'int' });
    assert.equal(sweep.eta, 3);
    assert.deepEqual(
      sweep.brackets.map((b) => [b.index, b.s, b.rounds.map((r) => `${r.n}×${r.resource}`).join(' → ')]),
      [
        [0, 2, '9×1 → 3×3 → 1×9'],
        [1, 1, '5×3 → 1×9'],
        [2, 0, '3×9'],
      ],
    );
    assert.deepEqual(
      sweep.params.map((p) => [p.name, p.kind, p.scale]),
      [
        ['x', 'uniform', 'linear'],
        ['lr', 'logspace', 'log'],
        ['opt', 'values', 'categorical'],
        ['epochs', 'resource', 'log'],
      ],
    );
    assert.deepEqual(sweep.params[2].values, ['adam', 'sgd']);
    assert.equal(sweep.current, null);
    assert.equal(sweep.searchFinished, true);

    const exps = await engine.call('groups.experiments', { id });
    assert.equal(sweep.experiments.length, exps.length);
    assert.equal(exps.length, 9 + 3 + 1 + 5 + 1 + 3);
    const byId = new Map(exps.map((x) => [x.id, x]));
    for (const s of sweep.experiments) {
      const x = byId.get(s.id)!;
      assert.ok(x, `experiment ${s.id} is in the group`);
      assert.ok(s.bracket !== null && s.round !== null, `experiment ${s.id} has a bracket and a round`);
      const planned = sweep.brackets[s.bracket].rounds[s.round];
      assert.equal(s.resource, planned.resource, `experiment ${s.id}: resource of its round`);
      assert.equal(x.params.epochs, s.resource, `experiment ${s.id}: ran with its round's resource`);
      assert.equal(s.value, x.lastMetrics.loss);
      assert.equal(s.status, 'succeeded');
    }
    // Every round holds as many experiments as planned, and the promoted ones are the next round's configs.
    for (const b of sweep.brackets)
      b.rounds.forEach((r, k) => {
        const inRound = sweep.experiments.filter((s) => s.bracket === b.index && s.round === k);
        assert.equal(inRound.length, r.n, `bracket ${b.index} round ${k}`);
        const next = sweep.experiments.filter((s) => s.bracket === b.index && s.round === k + 1);
        assert.deepEqual(
          inRound
            .filter((s) => s.promoted)
            .map((s) => s.config)
            .sort(),
          next.map((s) => s.config).sort(),
          `bracket ${b.index} round ${k}: promoted configs`,
        );
        // A promoted config keeps its params.
        for (const n of next) {
          const from = inRound.find((s) => s.config === n.config)!;
          assert.equal(byId.get(n.id)!.params.x, byId.get(from.id)!.params.x);
        }
      });
  } finally {
    await engine.close();
  }
});

test('groups.sweep: ASHA rungs with their resource; a grid group has params and no brackets', async () => {
  const dir = project();
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const id = await runToEnd(
      engine,
      file([
        '  concurrency: 2',
        '  seed: 5',
        '  asha:',
        '    resource: {name: epochs, type: int}',
        '    max_resource: 9',
        '    reduction_factor: 3',
        '    n_experiments: 9',
        '    metric: {name: loss, optimization: minimize}',
      ]),
      dir,
    );
    const sweep = await engine.call('groups.sweep', { id });
    assert.equal(sweep.algorithm, 'asha');
    assert.deepEqual(sweep.brackets, [
      {
        index: 0,
        s: null,
        rounds: [
          { n: 9, resource: 1 },
          { n: 3, resource: 3 },
          { n: 1, resource: 9 },
        ],
      },
    ]);
    const exps = new Map((await engine.call('groups.experiments', { id })).map((x) => [x.id, x]));
    assert.equal(sweep.experiments.filter((s) => s.round === 0).length, 9);
    for (const s of sweep.experiments) {
      assert.equal(s.bracket, 0);
      assert.equal(s.resource, sweep.brackets[0].rounds[s.round!].resource, `experiment ${s.id}`);
      assert.equal(exps.get(s.id)!.params.epochs, s.resource, `experiment ${s.id}`);
    }

    const grid = await runToEnd(
      engine,
      [
        'version: 1',
        'kind: group',
        'hptuning:',
        '  concurrency: 2',
        '  matrix:',
        '    x: {values: [0.1, 0.5]}',
        '    lr: {geomspace: 0.01:1:2}',
        'run:',
        '  cmd: bash obj.sh {{ x }} 1',
      ].join('\n'),
      dir,
    );
    const g = await engine.call('groups.sweep', { id: grid });
    assert.equal(g.algorithm, 'grid');
    assert.deepEqual(g.brackets, []);
    assert.equal(g.resource, null);
    assert.equal(g.metric, null);
    assert.deepEqual(
      g.params.map((p) => [p.name, p.scale]),
      [
        ['x', 'linear'],
        ['lr', 'log'],
      ],
    );
    assert.equal(g.experiments.length, 4);
    assert.ok(
      g.experiments.every((s) => s.bracket === null && s.round === null && s.value === null && !s.promoted),
      JSON.stringify(g.experiments),
    );
    await assert.rejects(engine.call('groups.sweep', { id: 9999 }), { code: 'not_found' });
  } finally {
    await engine.close();
  }
});
