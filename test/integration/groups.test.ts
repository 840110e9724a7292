// A grid group on the local backend: every suggestion runs once, concurrency holds at every moment (read
// from the status history), the best experiment is ranked first, and stopping a group stops its runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { isGroupDone } from '../../shared/statuses';
import { groupEnd, ROOT, tmpDir, waitFor, maxActive } from '../helpers';

test('the branin grid group runs its 9 experiments with concurrency 2 and ranks the best first', async () => {
  const dir = path.join(ROOT, 'examples', 'branin');
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const created = await engine.call('runs.create', {
      files: [
        { name: 'polyaxonfile.yml', text: fs.readFileSync(path.join(dir, 'polyaxonfile.yml'), 'utf8') },
      ],
      params: { steps: '3' },
      codePath: dir,
      project: 'branin',
    });
    assert.equal(created.kind, 'group');
    if (created.kind !== 'group') return;
    assert.equal(created.experiments.length, 9);
    const g = await waitFor(
      async () => {
        const x = await engine.call('groups.get', { id: created.group.id });
        return isGroupDone(x.status) ? x : null;
      },
      60_000,
      'the group to end',
    );
    assert.equal(g.status, 'done');
    assert.equal(g.progress.succeeded, 9);
    assert.ok((await maxActive(engine, g.id)) <= 2, '(await maxActive(engine, g.id)) <= 2');
    assert.equal(await maxActive(engine, g.id), 2);
    // Grid order: last key fastest.
    const exps = await engine.call('groups.experiments', { id: g.id });
    assert.deepEqual(
      exps.map((e) => [e.params.x1, e.params.x2]).slice(0, 3),
      [
        [-3.14, 2.275],
        [-3.14, 7.5],
        [-3.14, 12.275],
      ].map(([a, b]) => [a, b]),
    );
    // Branin is minimised: the best is near one of its minima (0.397887).
    assert.ok(g.metric, 'g.metric');
    const best = g.ranked[0];
    assert.equal(best.id, g.bestExperimentId);
    assert.ok(
      Math.abs(best.lastMetrics[g.metric!.name] - 0.3979) < 0.01,
      `best ${best.lastMetrics[g.metric!.name]}`,
    );
    const values = g.ranked.map((e) => e.lastMetrics[g.metric!.name]);
    assert.deepEqual(
      values,
      [...values].sort((a, b) => a - b),
    );
  } finally {
    await engine.close();
  }
});

test('concurrency can be raised while the group runs, and stopping the group stops pending and running experiments', async () => {
  const dir = tmpDir('axon-proj-');
  const text = [
    'version: 1',
    'kind: group',
    'hptuning:',
    '  concurrency: 1',
    '  matrix:',
    '    i:',
    '      range: 0:8:1',
    'run:',
    '  cmd: sleep 0.3; echo {{ i }}',
  ].join('\n');
  const engine = await Engine.start({ home: tmpDir(), stopGraceMs: 500 });
  try {
    const c = await engine.call('runs.create', {
      files: [{ name: 'g.yml', text }],
      params: {},
      codePath: dir,
    });
    if (c.kind !== 'group') throw new Error('expected a group');
    await waitFor(
      async () => (await engine.call('groups.get', { id: c.group.id })).progress.done >= 1,
      20_000,
    );
    await engine.call('groups.setConcurrency', { id: c.group.id, concurrency: 3 });
    await waitFor(
      async () => (await engine.call('groups.get', { id: c.group.id })).progress.running === 3,
      20_000,
      '3 running',
    );
    await engine.call('groups.stop', { id: c.group.id });
    const g = await waitFor(async () => {
      const x = await engine.call('groups.get', { id: c.group.id });
      return isGroupDone(x.status) ? x : null;
    }, 20_000);
    assert.equal(g.status, 'stopped');
    assert.equal(g.progress.pending + g.progress.running, 0);
    assert.ok(g.progress.stopped >= 1, 'g.progress.stopped >= 1');
    assert.equal(await maxActive(engine, g.id), 3);
  } finally {
    await engine.close();
  }
});

test('a trial that reported the best value and then failed is neither the best nor ranked above those that succeeded', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const text = [
      'version: 1',
      'kind: group',
      'hptuning:',
      '  concurrency: 2',
      '  metric: {name: loss, optimization: minimize}',
      '  matrix:',
      '    x: {values: [1, 2, 3]}',
      'run:',
      `  cmd: 'echo "@@axon {\\"metrics\\":{\\"loss\\":{{ x }}}}"; [ {{ x }} != 1 ]'`,
    ].join('\n');
    const c = await engine.call('runs.create', {
      files: [{ name: 'g.yml', text }],
      params: {},
      codePath: tmpDir(),
    });
    if (c.kind !== 'group') throw new Error('expected a group');
    const g = await groupEnd(engine, c.group.id, 60_000);
    const byX = new Map(g.ranked.map((x) => [Number(x.params.x), x]));
    assert.equal(byX.get(1)!.status, 'failed');
    assert.equal(byX.get(1)!.lastMetrics.loss, 1);
    assert.equal(g.bestExperimentId, byX.get(2)!.id);
    assert.deepEqual(
      g.ranked.map((x) => Number(x.params.x)),
      [2, 3, 1],
    );
  } finally {
    await engine.close();
  }
});
