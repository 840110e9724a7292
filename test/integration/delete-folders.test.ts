// Deleting experiments and projects on disk: a resumed run writes into its original's outputs folder (its
// checkpoints), so deleting the original keeps that folder while a resume uses it, and deleting the last
// user of it removes it; deleting a project removes its runs' folders, not only their rows.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { isDone } from '../../shared/statuses';
import type { Experiment } from '../../shared/domain';
import { projectWith, tmpDir, waitFor } from '../helpers';
import { need } from '../requirements';

const home = tmpDir();
let engine: Engine;
after(() => engine?.close());

// Counts its runs in a checkpoint in the outputs folder, as a training script resuming from one would.
const COUNTER = 'f=$AXON_OUTPUTS_PATH/ckpt; n=$(cat $f 2>/dev/null || echo 0); echo $((n+1)) > $f';

async function finished(id: number): Promise<Experiment> {
  return waitFor(async () => {
    const e = await engine.call('experiments.get', { id });
    return isDone(e.status) ? e : null;
  });
}

async function runIn(project: string, dir: string, file: string): Promise<Experiment> {
  const c = await engine.call('runs.create', {
    files: [{ name: 'polyaxonfile.yml', text: fs.readFileSync(file, 'utf8') }],
    params: {},
    project,
    codePath: dir,
  });
  if (c.kind !== 'experiment') throw new Error('expected an experiment');
  return finished(c.experiment.id);
}

/** What is left in `dir`, relative to it, sorted. */
const walk = (dir: string): string[] => (fs.readdirSync(dir, { recursive: true }) as string[]).sort();

const ckpt = (runDir: string) => fs.readFileSync(path.join(runDir, 'outputs', 'ckpt'), 'utf8').trim();

test('deleting a run that was resumed keeps the checkpoints its resumes use, until the last of them goes', async () => {
  engine = await Engine.start({ home });
  const { dir, file } = projectWith(`bash -c '${COUNTER}'`);
  const a = await runIn('ckpt', dir, file);
  assert.equal(ckpt(a.runDir!), '1');
  const b = await finished((await engine.call('experiments.resume', { id: a.id })).id);
  assert.equal(ckpt(a.runDir!), '2', 'the resume went on from the checkpoint');

  await engine.call('experiments.delete', { id: a.id });
  assert.equal(ckpt(a.runDir!), '2', "the resume's checkpoint is still there");
  assert.deepEqual(fs.readdirSync(a.runDir!), ['outputs'], "the deleted run's logs and spec are gone");
  const c = await finished((await engine.call('experiments.resume', { id: b.id })).id);
  assert.equal(c.status, 'succeeded');
  assert.equal(ckpt(a.runDir!), '3', 'a resume of the resume goes on from it too');

  await engine.call('experiments.delete', { id: b.id });
  assert.ok(fs.existsSync(path.join(a.runDir!, 'outputs', 'ckpt')), 'still used by the third run');
  await engine.call('experiments.delete', { id: c.id });
  assert.ok(!fs.existsSync(a.runDir!), 'the last user gone, so is the folder');
  for (const x of [b, c]) assert.ok(!fs.existsSync(x.runDir!), `run ${x.id}'s own folder is gone`);
});

test("deleting a project removes its runs' folders and leaves other projects' alone", async () => {
  engine ??= await Engine.start({ home });
  const { dir, file } = projectWith(`bash -c '${COUNTER}'`);
  const mine = [await runIn('doomed', dir, file), await runIn('doomed', dir, file)];
  const resumed = await finished((await engine.call('experiments.resume', { id: mine[0].id })).id);
  const other = await runIn('kept', dir, file);
  for (const x of [...mine, resumed, other]) assert.ok(fs.existsSync(x.runDir!));

  await engine.call('projects.delete', { name: 'doomed' });
  for (const x of [...mine, resumed]) assert.ok(!fs.existsSync(x.runDir!), `run ${x.id}'s folder is gone`);
  assert.equal(ckpt(other.runDir!), '1', "another project's run is untouched");
});

test('deleting a group: refused while it runs; once ended, its experiments and folders go, a resume of one outside it keeps its outputs', async () => {
  engine ??= await Engine.start({ home });
  const { dir } = projectWith('true');
  const sweep = (cmd: string) =>
    engine.call('runs.create', {
      files: [
        {
          name: 'polyaxonfile.yml',
          text: `version: 1\nkind: group\nhptuning:\n  matrix:\n    a:\n      values: [1, 2]\nrun:\n  cmd: ${JSON.stringify(cmd)}\n`,
        },
      ],
      params: {},
      codePath: dir,
    });
  const live = await sweep('sleep 30');
  if (live.kind !== 'group') throw new Error('expected a group');
  await assert.rejects(
    engine.call('groups.delete', { id: live.group.id }),
    /group \d+ is (created|running); stop it first/,
  );
  await engine.call('groups.stop', { id: live.group.id });

  const g = await sweep(`bash -c '${COUNTER} # {{ a }}'`);
  if (g.kind !== 'group') throw new Error('expected a group');
  await waitFor(async () => (await engine.call('groups.get', { id: g.group.id })).status === 'done');
  const trials = await Promise.all(g.experiments.map((e) => finished(e.id)));
  // The group has ended, so the resume runs on its own: it outlives the group.
  const resumed = await finished((await engine.call('experiments.resume', { id: trials[0].id })).id);
  assert.equal(resumed.groupId, null);
  assert.equal(ckpt(trials[0].runDir!), '2');

  await engine.call('groups.delete', { id: g.group.id });
  await assert.rejects(engine.call('groups.get', { id: g.group.id }), /no experiment group with id \d+/);
  for (const x of trials) await assert.rejects(engine.call('experiments.get', { id: x.id }));
  assert.ok(!fs.existsSync(trials[1].runDir!), "a trial's folder is gone");
  assert.deepEqual(fs.readdirSync(trials[0].runDir!), ['outputs'], 'only the outputs its resume uses stay');
  assert.equal((await engine.call('experiments.get', { id: resumed.id })).status, 'succeeded');
});

// A file the engine's user may not remove (files a container wrote as root, before runs handed their outputs
// back; here an immutable file, which even root may not remove) leaves the experiment deleted and says which
// folder is left and how to remove it (the delete read as an internal error, and the rest of the folder stayed).
test('a folder that cannot be removed leaves the experiment deleted, with a warning naming it', async (t) => {
  engine ??= await Engine.start({ home });
  const { dir, file } = projectWith(
    `bash -c 'mkdir -p $AXON_OUTPUTS_PATH/ckpt; echo 1 > $AXON_OUTPUTS_PATH/ckpt/m'`,
  );
  const x = await runIn('left', dir, file);
  const stuck = path.join(x.runDir!, 'outputs', 'ckpt', 'm');
  const chattr = spawnSync('chattr', ['+i', stuck], { encoding: 'utf8' });
  if (chattr.status !== 0) {
    // Needs root (or CAP_LINUX_IMMUTABLE) and a filesystem with the attribute: CI has both.
    if (!need(t, 'chattr +i (root, ext4)', chattr.stderr || chattr.error?.message || 'failed')) return;
  }
  try {
    for (const f of ['logs', 'spec.json']) assert.ok(fs.existsSync(path.join(x.runDir!, f)), f);
    const r = await engine.call('experiments.delete', { id: x.id });
    assert.equal(r.deleted, true);
    assert.equal(r.warnings?.length, 1, JSON.stringify(r));
    assert.match(r.warnings![0], new RegExp(`^${x.runDir} could not be removed \\((EPERM|EACCES)\\)`));
    assert.ok(r.warnings![0].endsWith(`removed with: sudo rm -rf '${x.runDir}'`), r.warnings![0]);
    await assert.rejects(engine.call('experiments.get', { id: x.id }), /no experiment with id/);
    assert.deepEqual(walk(x.runDir!), ['outputs', 'outputs/ckpt', 'outputs/ckpt/m'], 'what could go went');
  } finally {
    spawnSync('chattr', ['-i', stuck]);
  }
});
