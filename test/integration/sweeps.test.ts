// Iterative sweeps through the engine on the local backend: hyperband rounds with resume, ASHA, TPE and BO
// with concurrency, early stopping, and a crash in the middle that changes nothing about the result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import type { Experiment } from '../../shared/domain';
import { groupEnd, maxActive, sleep, startGroup, tmpDir } from '../helpers';

/** A project whose objective is a quick awk one-liner: loss = (x-0.3)^2 + (y-0.6)^2 + 1/epochs. */
function objectiveProject(): string {
  const dir = tmpDir('axon-sweep-');
  fs.writeFileSync(
    path.join(dir, 'obj.sh'),
    [
      '#!/bin/bash',
      '# usage: obj.sh X Y EPOCHS; appends to outputs/trace so a resumed run can see its predecessor',
      'echo "$1 $2 $3" >> "$AXON_OUTPUTS_PATH/trace"',
      'echo "@@axon {\\"params\\":{\\"seen\\":$(wc -l < "$AXON_OUTPUTS_PATH/trace")}}"',
      `awk -v x="$1" -v y="$2" -v e="\${3:-0}" 'BEGIN { l = (x-0.3)^2 + (y-0.6)^2; if (e > 0) l += 1/e; printf "@@axon {\\"metrics\\":{\\"loss\\":%.12f}}\\n", l }'`,
    ].join('\n'),
  );
  return dir;
}

const SPACE = ['  matrix:', '    x:', '      uniform: 0:1', '    y:', '      uniform: 0:1'];
const groupFile = (hptuning: string[], cmd = 'bash obj.sh {{ x }} {{ y }} {{ epochs }}') =>
  [
    'version: 1',
    'kind: group',
    'declarations:',
    '  epochs: 0',
    'hptuning:',
    ...hptuning,
    ...SPACE,
    'run:',
    `  cmd: ${cmd}`,
  ].join('\n');

const runGroup = (engine: Engine, text: string, dir: string) => startGroup(engine, text, dir);

const sweepMeta = async (engine: Engine, id: number) =>
  JSON.parse(
    (await engine.store.db.get<{ sweep_json: string }>('SELECT sweep_json FROM experiments WHERE id = ?', [
      id,
    ]))!.sweep_json,
  );

test('hyperband: every round of every bracket, concurrency held in all of them, resume continues the outputs', async () => {
  const dir = objectiveProject();
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const text = groupFile([
      '  concurrency: 3',
      '  seed: 11',
      '  hyperband:',
      '    max_iter: 9',
      '    eta: 3',
      '    resource: {name: epochs, type: int}',
      '    metric: {name: loss, optimization: minimize}',
      '    resume: true',
    ]);
    const id = await runGroup(engine, text, dir);
    const g = await groupEnd(engine, id);
    assert.equal(g.status, 'done');
    assert.equal(g.progress.total, 22); // 9+3+1 + 5+1 + 3
    assert.ok((await maxActive(engine, id)) <= 3, '(await maxActive(engine, id)) <= 3');
    const exps = (await engine.call('groups.experiments', { id })) as Experiment[];
    const epochs = exps.map((e) => e.params.epochs);
    assert.deepEqual(
      [1, 3, 9].map((r) => epochs.filter((e) => e === r).length),
      [9, 3 + 5, 1 + 1 + 3],
    );
    // A promoted experiment resumes its predecessor: same outputs folder, and the trace shows both runs.
    const promoted = exps.find((e) => e.originalId !== null && e.params.epochs === 3)!;
    assert.equal(promoted.cloningStrategy, 'resume');
    assert.equal(promoted.params.seen, 2);
    const original = exps.find((e) => e.id === promoted.originalId)!;
    assert.deepEqual([promoted.params.x, promoted.params.y], [original.params.x, original.params.y]);
    assert.equal((await sweepMeta(engine, promoted.id)).round, 1);
    // Best first: the ranked table is sorted by loss.
    const losses = g.ranked.map((e) => e.lastMetrics.loss);
    assert.deepEqual(
      losses,
      [...losses].sort((a, b) => a - b),
    );
  } finally {
    await engine.close();
  }
});

for (const algorithm of ['tpe', 'bo', 'asha'] as const) {
  test(`${algorithm}: a sweep with concurrency 2 ends with its budget spent and concurrency never exceeded`, async () => {
    const dir = objectiveProject();
    const engine = await Engine.start({ home: tmpDir() });
    const hp = {
      tpe: [
        '  tpe:',
        '    n_experiments: 14',
        '    n_startup_trials: 5',
        '    metric: {name: loss, optimization: minimize}',
      ],
      bo: [
        '  bo:',
        '    n_initial_trials: 4',
        '    n_iterations: 8',
        '    metric: {name: loss, optimization: minimize}',
        '    utility_function: {acquisition_function: ei, eps: 0.01}',
      ],
      asha: [
        '  asha:',
        '    resource: {name: epochs, type: int}',
        '    max_resource: 9',
        '    reduction_factor: 3',
        '    n_experiments: 9',
        '    metric: {name: loss, optimization: minimize}',
      ],
    }[algorithm];
    try {
      const id = await runGroup(engine, groupFile(['  concurrency: 2', '  seed: 5', ...hp]), dir);
      const g = await groupEnd(engine, id);
      assert.equal(g.status, 'done');
      if (algorithm === 'tpe') assert.equal(g.progress.total, 14);
      if (algorithm === 'bo') assert.equal(g.progress.total, 12);
      if (algorithm === 'asha') assert.ok(g.progress.total >= 9 + 3, `asha made ${g.progress.total}`);
      assert.equal(g.progress.succeeded, g.progress.total);
      assert.equal(await maxActive(engine, id), 2);
      assert.ok(g.bestExperimentId !== null, 'g.bestExperimentId !== null');
    } finally {
      await engine.close();
    }
  });
}

test('a v1.1 operation with a hyperband matrix runs the same way', async () => {
  const dir = objectiveProject();
  const text = [
    'version: 1.1',
    'kind: operation',
    'matrix:',
    '  kind: hyperband',
    '  concurrency: 2',
    '  maxIterations: 3',
    '  eta: 3',
    '  seed: 3',
    '  resource: {name: epochs, type: int}',
    '  metric: {name: loss, optimization: minimize}',
    '  params:',
    '    x: {kind: uniform, value: [0, 1]}',
    '    y: {kind: uniform, value: [0, 1]}',
    'component:',
    '  inputs:',
    '    - {name: x, type: float}',
    '    - {name: y, type: float}',
    '    - {name: epochs, type: int}',
    '  run:',
    '    kind: job',
    '    container:',
    '      image: python:3.11',
    '      command: [bash, obj.sh, "{{ x }}", "{{ y }}", "{{ epochs }}"]',
  ].join('\n');
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const id = await runGroup(engine, text, dir);
    const g = await groupEnd(engine, id);
    assert.equal(g.status, 'done');
    // max_iter 3, eta 3: bracket s=1 (3×1 → 1×3), bracket s=0 (2×3).
    assert.equal(g.progress.total, 6);
    assert.equal(g.progress.succeeded, 6);
    assert.ok(
      g.ranked[0].lastMetrics.loss <= g.ranked[5].lastMetrics.loss,
      'g.ranked[0].lastMetrics.loss <= g.ranked[5].lastMetrics.loss',
    );
  } finally {
    await engine.close();
  }
});

test('early stopping: the metric threshold ends the search and stops pending experiments with the reason', async () => {
  const dir = objectiveProject();
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const text = [
      'version: 1',
      'kind: group',
      'hptuning:',
      '  concurrency: 1',
      '  matrix:',
      '    x:',
      '      values: [0.3, 0.9, 0.8, 0.7]',
      '  early_stopping:',
      '    - {metric: loss, value: 0.01, optimization: minimize}',
      'run:',
      '  cmd: bash obj.sh {{ x }} 0.6',
    ].join('\n');
    const id = await runGroup(engine, text, dir);
    const g = await groupEnd(engine, id);
    assert.equal(g.status, 'done');
    assert.match(g.statusMessage ?? '', /early stopping: experiment \d+ reached loss=0 \(≤ 0\.01\)/);
    const exps = await engine.call('groups.experiments', { id });
    assert.equal(exps[0].status, 'succeeded');
    assert.deepEqual(
      exps.slice(1).map((e) => [e.status, e.statusReason]),
      Array(3).fill(['stopped', 'early stopping']),
    );
  } finally {
    await engine.close();
  }
});

test('early stopping: the median rule stops a running experiment that lags the others at the same step', async () => {
  const dir = tmpDir('axon-median-');
  // Each experiment reports loss = level at steps 0..9, one step every 0.1 s; level 5 lags the others.
  fs.writeFileSync(
    path.join(dir, 'curve.sh'),
    'for i in 0 1 2 3 4 5 6 7 8 9; do echo "@@axon {\\"metrics\\":{\\"loss\\":$1},\\"step\\":$i}"; sleep ${2:-0.1}; done\n',
  );
  const text = [
    'version: 1',
    'kind: group',
    'hptuning:',
    '  concurrency: 4',
    '  matrix:',
    '    level:',
    '      values: [1, 1, 1, 5]',
    '  early_stopping:',
    '    - metric: loss',
    '      optimization: minimize',
    '      policy: {kind: median, evaluation_interval: 1, min_samples: 3}',
    'run:',
    '  cmd: bash curve.sh {{ level }} {% if level == 5 %}0.3{% else %}0.05{% endif %}',
  ].join('\n');
  const engine = await Engine.start({ home: tmpDir(), stopGraceMs: 500 });
  try {
    const id = await runGroup(engine, text, dir);
    await groupEnd(engine, id);
    const exps = await engine.call('groups.experiments', { id });
    const lagging = exps.find((e) => e.params.level === 5)!;
    assert.equal(lagging.status, 'stopped');
    assert.equal(lagging.statusReason, 'early stopping');
    assert.match(
      lagging.statusMessage ?? '',
      /median stopping at step \d+: best loss=5 is worse than the median 1/,
    );
    assert.deepEqual(
      exps.filter((e) => e.params.level === 1).map((e) => e.status),
      ['succeeded', 'succeeded', 'succeeded'],
    );
  } finally {
    await engine.close();
  }
});

/** The params of every experiment a seeded sweep made, in creation order. */
const paramsOf = async (engine: Engine, id: number) =>
  (await engine.call('groups.experiments', { id })).map((e) =>
    JSON.stringify([e.params.x, e.params.y, e.params.epochs]),
  );

for (const algorithm of ['random', 'hyperband', 'asha', 'tpe', 'bo'] as const) {
  test(`${algorithm}: killing the engine mid-sweep and starting it again ends with the same experiments`, async () => {
    const hp = {
      random: ['  random_search: {n_experiments: 8}'],
      hyperband: [
        '  hyperband: {max_iter: 9, eta: 3, resource: {name: epochs, type: int}, metric: {name: loss, optimization: minimize}}',
      ],
      asha: [
        '  asha: {resource: {name: epochs, type: int}, max_resource: 9, n_experiments: 6, metric: {name: loss, optimization: minimize}}',
      ],
      tpe: ['  tpe: {n_experiments: 10, n_startup_trials: 4, metric: {name: loss, optimization: minimize}}'],
      bo: [
        '  bo: {n_initial_trials: 3, n_iterations: 5, metric: {name: loss, optimization: minimize}, utility_function: {acquisition_function: ucb, kappa: 2.5}}',
      ],
    }[algorithm];
    const text = groupFile(['  concurrency: 1', '  seed: 99', ...hp]);
    const dir = objectiveProject();
    let reference: string[];
    {
      const engine = await Engine.start({ home: tmpDir() });
      try {
        const id = await runGroup(engine, text, dir);
        await groupEnd(engine, id);
        reference = await paramsOf(engine, id);
      } finally {
        await engine.close();
      }
    }
    const home = tmpDir();
    let engine = await Engine.start({ home });
    const id = await runGroup(engine, text, dir);
    // Crash at several points: the engine goes away mid-sweep, jobs and all, then comes back.
    for (let i = 0; i < 4; i++) {
      await sleep(60 + 40 * i);
      await engine.close();
      await sleep(30);
      engine = await Engine.start({ home });
    }
    try {
      const g = await groupEnd(engine, id);
      assert.equal(g.status, 'done');
      assert.deepEqual(await paramsOf(engine, id), reference);
    } finally {
      await engine.close();
    }
  });
}
