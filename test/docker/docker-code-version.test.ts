// The code version a Docker run records is the one built into its image: a sweep's trial that starts after the
// folder (not a git repository) was edited is built from the edited folder, and records that content hash, not
// the one read when the sweep was created. Skips, saying why, without Docker; fails naming it under CI=true.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { snapshotCode } from '../../main/engine/code/snapshot';
import { tmpDir, waitFor } from '../helpers';
import { need, skipOrFail } from '../requirements';
import { dockerAvailable, endOf, project, removeTestImages, ensureTestBusybox } from './helpers';

const noDocker = await dockerAvailable();
const skip = skipOrFail(noDocker);

before(async () => {
  if (!noDocker) await ensureTestBusybox();
});
after(() => removeTestImages());

test(
  "a Docker sweep's later trial records the code its image was built from, not the code at creation",
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const engine = await Engine.start({ home: tmpDir() });
    try {
      const p = project(
        [
          'kind: group',
          'build: {image: "axon-test/busybox:1"}',
          'hptuning:',
          '  concurrency: 1',
          '  matrix: {x: {values: [1, 2]}}',
          'run:',
          '  cmd: cat train.py; sleep {{ 6 if x == 1 else 0 }}',
        ],
        { 'train.py': 'VERSION = "A"\n' },
      );
      const c = await engine.call('runs.create', {
        files: [{ name: 'polyaxonfile.yml', text: p.text }],
        params: {},
        codePath: p.dir,
        backend: 'docker',
      });
      if (c.kind !== 'group') throw new Error('expected a group');
      const [first, second] = c.experiments.map((x) => x.id).sort((a, b) => a - b);
      const created = await snapshotCode(p.dir);
      await waitFor(
        async () => (await engine.call('experiments.logs', { id: first })).text.includes('VERSION = "A"'),
        120_000,
        'the first trial to run',
      );
      fs.writeFileSync(path.join(p.dir, 'train.py'), 'VERSION = "B"\n');
      const edited = await snapshotCode(p.dir);
      const a = await endOf(engine, first);
      const b = await endOf(engine, second);
      assert.equal(b.status, 'succeeded', `${b.statusReason} ${b.statusMessage}`);
      assert.match((await engine.call('experiments.logs', { id: second })).text, /VERSION = "B"/);
      const [ga, gb] = await Promise.all([first, second].map((id) => engine.call('experiments.get', { id })));
      assert.equal(ga.code?.contentHash, created.contentHash, 'the first ran the folder as created');
      assert.equal(
        gb.code?.contentHash,
        edited.contentHash,
        'the second records the edited folder it was built from',
      );
      assert.notEqual(ga.image, gb.image, 'built again');
      assert.equal(a.status, 'succeeded');
    } finally {
      await engine.close();
    }
  },
);
