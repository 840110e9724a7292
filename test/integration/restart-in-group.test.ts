// Restarting or resuming one experiment of a sweep: while the group runs, the new run joins it (and its
// concurrency); once the group has ended, the new run runs on its own (as Polyaxon's restarts do) instead of
// waiting for ever in a group the queue no longer serves, and the ended group's counts stay as they were.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../main/engine/engine';
import { isDone } from '../../shared/statuses';
import type { Experiment } from '../../shared/domain';
import { tmpDir, projectWith, waitFor } from '../helpers';

let engine: Engine;
after(() => engine?.close());

const GROUP = (cmd: string) =>
  `version: 1\nkind: group\nhptuning:\n  concurrency: 1\n  matrix:\n    x:\n      values: [1, 2]\nrun:\n  cmd: ${cmd}\n`;

async function finished(id: number): Promise<Experiment> {
  return waitFor(async () => {
    const e = await engine.call('experiments.get', { id });
    return isDone(e.status) ? e : null;
  }, 30_000);
}

async function startGroup(cmd: string) {
  const { dir } = projectWith('true');
  const c = await engine.call('runs.create', {
    files: [{ name: 'polyaxonfile.yml', text: GROUP(cmd) }],
    params: {},
    codePath: dir,
  });
  if (c.kind !== 'group') throw new Error('expected a group');
  return c;
}

test('a restart or resume of an ended group’s experiment runs on its own, and the group stays as it ended', async () => {
  engine = await Engine.start({ home: tmpDir() });
  const g = await startGroup('echo x={{ x }}');
  await waitFor(async () => (await engine.call('groups.get', { id: g.group.id })).status === 'done');
  const before = (await engine.call('groups.get', { id: g.group.id })).progress;
  const trial = g.experiments[0].id;
  const { params } = await engine.call('experiments.get', { id: trial });
  for (const how of ['experiments.restart', 'experiments.resume'] as const) {
    const x = await finished((await engine.call(how, { id: trial })).id);
    assert.equal(x.status, 'succeeded', `${how} ran`);
    assert.equal(x.groupId, null, 'outside the ended group');
    assert.equal(x.originalId, trial, 'and says which run it repeats');
    assert.deepEqual(x.params, params, 'with the same params');
  }
  const group = await engine.call('groups.get', { id: g.group.id });
  assert.equal(group.status, 'done');
  assert.deepEqual(group.progress, before, "the group's counts are unchanged");
});

test('a restart of a running group’s experiment joins the group', async () => {
  engine ??= await Engine.start({ home: tmpDir() });
  const g = await startGroup('sleep 2');
  // Concurrency 1: the lower id runs first, the other waits behind it.
  const first = await finished(Math.min(...g.experiments.map((e) => e.id)));
  assert.equal((await engine.call('groups.get', { id: g.group.id })).status, 'running');
  const x = await engine.call('experiments.restart', { id: first.id });
  assert.equal(x.groupId, g.group.id);
  assert.equal((await finished(x.id)).status, 'succeeded');
  await waitFor(async () => (await engine.call('groups.get', { id: g.group.id })).status === 'done', 30_000);
  assert.equal((await engine.call('groups.get', { id: g.group.id })).progress.total, 3);
});
