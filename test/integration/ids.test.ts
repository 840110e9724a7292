// Ids are never reused: a deleted experiment's id (and its group's and jobs' ids) is not handed out again, also
// after the engine restarts, so a link, a log line or a container label naming it never points to another run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../main/engine/engine';
import { isDone } from '../../shared/statuses';
import { projectWith, tmpDir, waitFor } from '../helpers';

async function runOnce(engine: Engine, dir: string): Promise<{ id: number; job: number }> {
  const c = await engine.call('runs.create', {
    files: [{ name: 'polyaxonfile.yml', text: 'version: 1\nkind: experiment\nrun:\n  cmd: echo hi\n' }],
    params: {},
    codePath: dir,
  });
  if (c.kind !== 'experiment') throw new Error('expected an experiment');
  const x = await waitFor(async () => {
    const e = await engine.call('experiments.get', { id: c.experiment.id });
    return isDone(e.status) ? e : null;
  });
  return { id: x.id, job: x.jobs[0].id };
}

test('a deleted experiment id, its job id and a deleted group id are never handed out again, across restarts', async () => {
  const home = tmpDir();
  const { dir } = projectWith('echo hi');
  let engine = await Engine.start({ home });
  try {
    const a = await runOnce(engine, dir);
    const b = await runOnce(engine, dir);
    await engine.call('experiments.delete', { id: b.id });
    const c = await runOnce(engine, dir);
    assert.equal(c.id, b.id + 1, 'the newest id deleted is skipped');
    assert.equal(c.job, b.job + 1, 'so is its job id');
    assert.ok(a.id < b.id);
    await engine.call('experiments.delete', { id: c.id });
    await engine.close();
    engine = await Engine.start({ home });
    const d = await runOnce(engine, dir);
    assert.equal(d.id, c.id + 1, 'after a restart too');
    const group = (project: string) =>
      engine.call('runs.create', {
        files: [
          {
            name: 'polyaxonfile.yml',
            text: 'version: 1\nkind: group\nhptuning:\n  matrix:\n    x:\n      values: [1]\nrun:\n  cmd: echo {{ x }}\n',
          },
        ],
        params: {},
        project,
        codePath: dir,
      });
    const g = await group('sweeps');
    if (g.kind !== 'group') throw new Error('expected a group');
    await waitFor(async () => (await engine.call('groups.get', { id: g.group.id })).status === 'done');
    // Deleting the project deletes its group and experiments (cascade): their ids stay used.
    await engine.call('projects.delete', { name: 'sweeps' });
    const g2 = await group('sweeps2');
    if (g2.kind !== 'group') throw new Error('expected a group');
    assert.equal(g2.group.id, g.group.id + 1, 'a deleted group id is skipped');
    assert.ok(g2.experiments[0].id > g.experiments[0].id, 'and the ids of its experiments');
  } finally {
    await engine.close();
  }
});
