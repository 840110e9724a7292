// A restart or resume with changes (`-P`, override files): the run's own params stay (those it was started with
// included) except the changed ones and the declarations made from them; a resume goes on in the same outputs
// folder; the merged file is what the new run records, so its own restart repeats the change; a mistake
// creates nothing.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../main/engine/engine';
import { ApiError } from '../../shared/api';
import { experimentEnd, projectWith, tmpDir, waitFor } from '../helpers';

let engine: Engine;
after(() => engine?.close());

const FILE =
  'version: 1\nkind: experiment\ndeclarations:\n  epochs: 2\n  lr: 0.1\n  lr2: "{{ lr * 2 }}"\n' +
  'run:\n  cmd: echo epochs={{ epochs }} lr={{ lr }} lr2={{ lr2 }} >> "$POLYAXON_RUN_OUTPUTS_PATH/trained.txt"\n';

async function text(id: number): Promise<string> {
  const f = await engine.call('experiments.outputFile', { id, path: 'trained.txt' });
  return 'text' in f ? String(f.text) : '';
}

test('a resume with a changed param goes on in the same outputs with the new value and the derived one', async () => {
  engine = await Engine.start({ home: tmpDir() });
  const { dir } = projectWith('true');
  const c = await engine.call('runs.create', {
    files: [{ name: 'polyaxonfile.yml', text: FILE }],
    params: { epochs: '3' },
    codePath: dir,
    backend: 'local',
  });
  if (c.kind !== 'experiment') throw new Error('expected an experiment');
  const first = await experimentEnd(engine, c.experiment.id);
  assert.equal(first.status, 'succeeded');

  const resumed = await experimentEnd(
    engine,
    (await engine.call('experiments.resume', { id: first.id, params: { lr: '0.3' } })).id,
  );
  assert.equal(resumed.status, 'succeeded');
  assert.deepEqual(resumed.params, { epochs: 3, lr: 0.3, lr2: 0.6 }, 'the -P it was started with stays');
  assert.equal(resumed.cmd, 'echo epochs=3 lr=0.3 lr2=0.6 >> "$POLYAXON_RUN_OUTPUTS_PATH/trained.txt"');
  assert.equal(
    await text(resumed.id),
    'epochs=3 lr=0.1 lr2=0.2\nepochs=3 lr=0.3 lr2=0.6\n',
    'the same outputs folder',
  );
  // The first run's outputs are that shared folder now: listed as it is, as a download would get them.
  assert.deepEqual((await engine.call('experiments.get', { id: first.id })).outputs, [
    { path: 'trained.txt', size: Buffer.byteLength(await text(resumed.id)) },
  ]);

  // An override file, then a plain restart of that run: the change is part of the run now.
  const changed = await experimentEnd(
    engine,
    (
      await engine.call('experiments.restart', {
        id: resumed.id,
        files: [{ name: 'longer.yml', text: 'declarations:\n  epochs: 9\n' }],
      })
    ).id,
  );
  assert.deepEqual(changed.params, { epochs: 9, lr: 0.3, lr2: 0.6 });
  assert.equal(await text(changed.id), 'epochs=9 lr=0.3 lr2=0.6\n', 'a restart: fresh outputs');
  const again = await experimentEnd(
    engine,
    (await engine.call('experiments.restart', { id: changed.id })).id,
  );
  assert.deepEqual(again.params, changed.params);
  assert.equal(again.cmd, changed.cmd);
});

test('a changed restart with a mistake is refused with where it is, and creates nothing', async () => {
  engine ??= await Engine.start({ home: tmpDir() });
  const { dir } = projectWith('true');
  const c = await engine.call('runs.create', {
    files: [{ name: 'polyaxonfile.yml', text: FILE }],
    params: {},
    codePath: dir,
    backend: 'local',
  });
  if (c.kind !== 'experiment') throw new Error('expected an experiment');
  await experimentEnd(engine, c.experiment.id);
  const count = async () => (await engine.call('experiments.list', {})).length;
  const before = await count();
  const refused = async (input: object, message: RegExp) =>
    assert.rejects(
      engine.call('experiments.restart', { id: c.experiment.id, ...input }),
      (e: unknown) => e instanceof ApiError && e.code === 'invalid_spec' && message.test(e.message),
    );
  await refused({ params: { lrr: '1' } }, /-P lrr: expected a param the file declares or uses/);
  await refused(
    { files: [{ name: 'bad.yml', text: 'declarations:\n  epochs: [1\n' }] },
    /^bad\.yml:\d+:\d+ expected valid YAML/,
  );
  await refused(
    {
      files: [
        { name: 'sweep.yml', text: 'kind: group\nhptuning:\n  matrix:\n    lr:\n      values: [1, 2]\n' },
      ],
    },
    /sweep\.yml: a restart or resume runs the same kind of file \(experiment\), found kind group/,
  );
  await refused({ files: [{ name: 'nocmd.yml', text: 'run:\n  cmd: "{{ missing }}"\n' }] }, /missing/);
  assert.equal(await count(), before);
});

test('a resume is refused while a run still writes in the outputs folder it would continue in', async () => {
  engine ??= await Engine.start({ home: tmpDir() });
  const { dir } = projectWith('true');
  const c = await engine.call('runs.create', {
    files: [
      { name: 'polyaxonfile.yml', text: 'version: 1\nkind: experiment\nrun:\n  cmd: echo ran; sleep 0.3\n' },
    ],
    params: {},
    codePath: dir,
    backend: 'local',
  });
  if (c.kind !== 'experiment') throw new Error('expected an experiment');
  const first = await experimentEnd(engine, c.experiment.id);
  // A resume that runs for a while, and a second resume of either while it does.
  const long = await engine.call('experiments.resume', {
    id: first.id,
    files: [{ name: 'longer.yml', text: 'run:\n  cmd: sleep 30\n' }],
  });
  for (const id of [first.id, long.id])
    await assert.rejects(
      engine.call('experiments.resume', { id }),
      (e: unknown) =>
        e instanceof ApiError &&
        e.code === 'conflict' &&
        new RegExp(
          `experiment ${long.id} is \\w+ in the outputs folder a resume would continue in; stop it first`,
        ).test(e.message),
    );
  // A restart has outputs of its own: allowed.
  const restart = await engine.call('experiments.restart', { id: first.id });
  await engine.call('experiments.stop', { id: long.id });
  await experimentEnd(engine, long.id);
  const after = await experimentEnd(engine, (await engine.call('experiments.resume', { id: first.id })).id);
  assert.equal(after.status, 'succeeded', 'once it has stopped, the resume goes ahead');
  await experimentEnd(engine, restart.id);
});

test('a resume still waiting to start (here for its organization quota) counts as writing in those outputs', async () => {
  engine ??= await Engine.start({ home: tmpDir() });
  await engine.call('orgs.create', { name: 'lab' });
  await engine.call('orgs.setQuota', { org: 'lab', experiments: 1 });
  const { dir } = projectWith('true');
  await engine.call('projects.create', { name: 'labwork', codePath: dir, organization: 'lab' });
  const run = async (cmd: string) => {
    const c = await engine.call('runs.create', {
      project: 'lab/labwork',
      files: [{ name: 'polyaxonfile.yml', text: `version: 1\nkind: experiment\nrun:\n  cmd: ${cmd}\n` }],
      codePath: dir,
      backend: 'local',
    });
    if (c.kind !== 'experiment') throw new Error('expected an experiment');
    return c.experiment.id;
  };
  const first = await experimentEnd(engine, await run('echo ran'));
  const holder = await run('sleep 30');
  await waitFor(async () => (await engine.call('experiments.get', { id: holder })).status === 'running');
  const queued = await engine.call('experiments.resume', { id: first.id });
  await waitFor(async () => (await engine.call('experiments.get', { id: queued.id })).statusReason);
  assert.equal((await engine.call('experiments.get', { id: queued.id })).status, 'created');
  await assert.rejects(
    engine.call('experiments.resume', { id: first.id }),
    new RegExp(
      `experiment ${queued.id} is created in the outputs folder a resume would continue in; stop it first`,
    ),
  );
  await engine.call('experiments.stop', { id: holder });
  assert.equal(
    (await experimentEnd(engine, queued.id)).status,
    'succeeded',
    'the queued resume ran once room freed',
  );
});
