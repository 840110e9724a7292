// Organization quotas (issue #14): an experiment that would take its organization over a limit waits as
// `created` with the reason "quota: …", on any backend, and starts once the quota is raised (live) or room is
// freed; projects outside the organization are not held back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Engine } from '../../main/engine/engine';
import { projectWith, sleep, tmpDir, waitFor } from '../helpers';

const files = (f: string) => [{ name: 'polyaxonfile.yml', text: fs.readFileSync(f, 'utf8') }];

test('quota: over the limit waits with the reason; raising the quota live starts it', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  try {
    await engine.call('orgs.create', { name: 'lab' });
    await engine.call('orgs.setQuota', { org: 'lab', experiments: 1, gpus: 1 });
    const p = projectWith('sleep 600');
    await engine.call('projects.create', { name: 'labwork', codePath: p.dir, organization: 'lab' });
    const start = async (file: string, project = 'lab/labwork') => {
      const r = await engine.call('runs.create', { project, files: files(file), codePath: p.dir });
      assert(r.kind === 'experiment');
      return r.experiment.id;
    };
    const status = async (id: number) => engine.call('experiments.get', { id });
    const first = await start(p.file);
    await waitFor(async () => (await status(first)).status === 'running');
    const second = await start(p.file);
    const waiting = await waitFor(async () => {
      const x = await status(second);
      return x.statusReason ? x : null;
    });
    assert.equal(waiting.status, 'created');
    assert.equal(
      waiting.statusReason,
      'quota: organization lab holds 1 of its 1 concurrent experiments; this experiment needs 1 more',
    );
    assert.deepEqual((await engine.call('orgs.get', { name: 'lab' })).inUse, {
      experiments: 1,
      gpus: 0,
      cpu: 0,
      memoryBytes: 0,
    });
    // Outside the organization nothing waits.
    const mine = await start(p.file, 'personal');
    await waitFor(async () => (await status(mine)).status === 'running');
    await engine.call('orgs.setQuota', { org: 'lab', experiments: 3 });
    await waitFor(async () => (await status(second)).status === 'running', 20_000, 'the second run to start');
    // A GPU request over the whole GPU limit waits, naming the GPUs and that only a raised quota lets it run.
    const gpu = projectWith('sleep 600', 'environment:\n  resources:\n    gpu: {requests: 2, limits: 2}\n');
    const third = await start(gpu.file);
    await waitFor(async () => (await status(third)).statusReason, 20_000, 'the GPU run to wait');
    assert.equal(
      (await status(third)).statusReason,
      "quota: this experiment needs 2 GPUs, more than organization lab's whole quota of 1; it runs only once " +
        'an admin raises it (axon org quota set lab), else stop it and ask for less',
    );
    await sleep(300);
    assert.equal((await status(third)).status, 'created');
    await engine.call('orgs.setQuota', { org: 'lab', gpus: null });
    await waitFor(async () => (await status(third)).status !== 'created', 20_000, 'the GPU run to start');
    for (const id of [first, second, third, mine]) await engine.call('experiments.stop', { id });
  } finally {
    await engine.close();
  }
});
