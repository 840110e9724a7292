// kill -9 of a serving engine in the middle of a run: the run goes on, the next engine re-attaches it, and
// every metric and log line is there exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isDone } from '../../shared/statuses';
import { startServe, tmpDir, waitFor, sleep } from '../helpers';

test('kill -9 of the engine mid-run, then restart: every metric and log line present exactly once', async () => {
  const home = tmpDir();
  const dir = tmpDir('axon-proj-');
  const N = 300;
  fs.writeFileSync(
    path.join(dir, 'train.py'),
    [
      'import time, sys',
      'from axon import tracking',
      `for i in range(${N}):`,
      '    print(f"line {i}", flush=True)',
      '    tracking.log_metrics(loss=i * 0.5)',
      '    time.sleep(0.01)',
    ].join('\n'),
  );
  const text = 'version: 1\nkind: experiment\nrun:\n  cmd: python3 train.py\n';
  let served = await startServe(home);
  const c = await served.client.call('runs.create', {
    files: [{ name: 'polyaxonfile.yml', text }],
    params: {},
    codePath: dir,
  });
  const id = c.kind === 'experiment' ? c.experiment.id : 0;
  await waitFor(
    async () => (await served.client.call('experiments.metrics', { id })).length >= 40,
    20_000,
    'first metrics',
  );
  served.proc.kill('SIGKILL');
  await new Promise((r) => served.proc.once('exit', r));
  served.client.close();
  await sleep(500); // the job keeps writing while no engine runs
  served = await startServe(home);
  try {
    const x = await waitFor(
      async () => {
        const e = await served.client.call('experiments.get', { id });
        return isDone(e.status) ? e : null;
      },
      30_000,
      'the run to end',
    );
    assert.equal(x.status, 'succeeded');
    const m = await served.client.call('experiments.metrics', { id });
    assert.equal(m.length, N);
    assert.deepEqual(
      m.map((p) => p.step),
      Array.from({ length: N }, (_, i) => i),
    );
    assert.deepEqual(
      m.map((p) => p.value),
      Array.from({ length: N }, (_, i) => i * 0.5),
    );
    const log = (await served.client.call('experiments.logs', { id, limit: 16 * 1024 * 1024 })).text;
    const plain = log.split('\n').filter((l) => l.startsWith('line '));
    assert.deepEqual(
      plain,
      Array.from({ length: N }, (_, i) => `line ${i}`),
    );
    const statuses = (await served.client.call('experiments.statuses', { id })).map((s) => s.status);
    assert.deepEqual(statuses, ['created', 'scheduled', 'starting', 'running', 'succeeded']);
  } finally {
    await served.stop();
  }
});

test('a local run that ends while the engine is frozen (a laptop lid closed: SIGSTOP) keeps its real end time', async () => {
  const home = tmpDir();
  const dir = tmpDir('axon-proj-');
  const text = 'version: 1\nkind: experiment\nrun:\n  cmd: sleep 1; echo done\n';
  const served = await startServe(home);
  try {
    const c = await served.client.call('runs.create', {
      files: [{ name: 'polyaxonfile.yml', text }],
      params: {},
      codePath: dir,
    });
    const id = c.kind === 'experiment' ? c.experiment.id : 0;
    await waitFor(
      async () => (await served.client.call('experiments.get', { id })).status === 'running',
      20_000,
      'the run to start',
    );
    served.proc.kill('SIGSTOP');
    const exitFile = path.join(home, 'runs', String(id), 'job-1.exit');
    let endedAt = 0;
    try {
      await waitFor(
        async () => fs.existsSync(exitFile),
        20_000,
        'the command to end while the engine is frozen',
      );
      endedAt = fs.statSync(exitFile).mtimeMs;
      await sleep(4000);
    } finally {
      served.proc.kill('SIGCONT');
    }
    const x = await waitFor(
      async () => {
        const x = await served.client.call('experiments.get', { id });
        return isDone(x.status) ? x : null;
      },
      20_000,
      'the run to be recorded ended',
    );
    assert.equal(x.status, 'succeeded');
    const recorded = Date.parse(x.finishedAt!);
    assert.ok(
      Math.abs(recorded - endedAt) < 50,
      `finished ${x.finishedAt}: the command's end (${new Date(endedAt).toISOString()}), not when the engine woke up`,
    );
  } finally {
    await served.stop();
  }
});
