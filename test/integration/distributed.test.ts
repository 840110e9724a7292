// A distributed experiment on the local backend: one process per replica on loopback, each with its
// framework's variables, reaching the master over TCP; the experiment's status comes from its jobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { isDone } from '../../shared/statuses';
import { ROOT, tmpDir, waitFor } from '../helpers';

const spec = (workers: number, cmd: string) =>
  [
    'version: 1',
    'kind: experiment',
    'framework: pytorch',
    'environment:',
    '  replicas:',
    `    n_workers: ${workers}`,
    'run:',
    `  cmd: ${cmd}`,
  ].join('\n');

async function runToEnd(engine: Engine, text: string, dir: string) {
  const c = await engine.call('runs.create', {
    files: [{ name: 'dist.yml', text }],
    params: {},
    codePath: dir,
  });
  if (c.kind !== 'experiment') throw new Error('expected an experiment');
  const id = c.experiment.id;
  return waitFor(async () => {
    const x = await engine.call('experiments.get', { id });
    return isDone(x.status) ? x : null;
  }, 60_000);
}

test('a 3-replica PyTorch-style experiment: workers reach the master and report RANK and WORLD_SIZE', async () => {
  const dir = tmpDir('axon-dist-');
  fs.copyFileSync(
    path.join(ROOT, 'test/fixtures/distributed/rendezvous.py'),
    path.join(dir, 'rendezvous.py'),
  );
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const x = await runToEnd(engine, spec(2, 'python3 rendezvous.py'), dir);
    assert.equal(x.status, 'succeeded', `${x.statusReason}`);
    const jobs = await engine.store.jobs.forExperiment(x.id);
    assert.deepEqual(
      jobs.map((j) => [j.role, j.replica_index, j.status]),
      [
        ['master', 0, 'succeeded'],
        ['worker', 0, 'succeeded'],
        ['worker', 1, 'succeeded'],
      ],
    );
    const master = fs.readFileSync(jobs[0].log_path, 'utf8');
    assert.match(master, /rank=0 world=3/);
    assert.match(master, /master got ranks \[1, 2\]/);
    assert.match(fs.readFileSync(jobs[2].log_path, 'utf8'), /replica worker-1 rank=2 world=3/);
    assert.equal(x.lastMetrics.world_size, 3);
  } finally {
    await engine.close();
  }
});

test('a failing replica fails the experiment, names the replica, and the others are stopped', async () => {
  const dir = tmpDir('axon-dist-');
  const cmd = '"if [ $RANK = 2 ]; then exit 5; else sleep 30; fi"';
  const engine = await Engine.start({ home: tmpDir(), stopGraceMs: 500 });
  try {
    const t0 = Date.now();
    const x = await runToEnd(engine, spec(2, cmd), dir);
    assert.equal(x.status, 'failed');
    assert.equal(x.statusReason, 'worker-1: exit code 5');
    // The exit code shown for the experiment is the failed replica's, not the stopped master's.
    assert.equal((await engine.store.experiments.row(x.id)).exit_code, 5);
    assert.ok(Date.now() - t0 < 20_000, 'the sleeping replicas were stopped, not waited for');
    const jobs = await engine.store.jobs.forExperiment(x.id);
    assert.deepEqual(
      jobs.map((j) => [j.status, j.status_reason]),
      [
        ['stopped', 'stopped after worker-1 failed'],
        ['stopped', 'stopped after worker-1 failed'],
        ['failed', 'exit code 5'],
      ],
    );
  } finally {
    await engine.close();
  }
});

test('each replica has its own log: experiments.get lists the jobs, experiments.logs reads any, events name the job', async () => {
  const dir = tmpDir('axon-dist-');
  const engine = await Engine.start({ home: tmpDir() });
  const seen = new Map<number, string>(); // job → text from logs.appended, in offset order
  const off = engine.on('logs.appended', (c) => {
    const text = seen.get(c.jobId) ?? '';
    assert.equal(c.offset, Buffer.byteLength(text), `job ${c.jobId}'s chunks continue its own log`);
    seen.set(c.jobId, text + c.text);
  });
  try {
    const x = await runToEnd(engine, spec(1, '"echo I am $AXON_REPLICA_ROLE; echo bye from $RANK"'), dir);
    assert.equal(x.status, 'succeeded', `${x.statusReason}`);
    assert.deepEqual(
      x.jobs.map((j) => [`${j.role}-${j.index}`, j.status, j.exitCode]),
      [
        ['master-0', 'succeeded', 0],
        ['worker-0', 'succeeded', 0],
      ],
    );
    const [master, worker] = x.jobs;
    assert.ok(master.pid && master.logBytes > 0, 'the master job has a pid and a log');
    const byDefault = await engine.call('experiments.logs', { id: x.id });
    assert.equal(byDefault.jobId, master.id);
    const workerLog = await engine.call('experiments.logs', { id: x.id, job: worker.id });
    assert.equal(workerLog.jobId, worker.id);
    assert.equal(workerLog.text, fs.readFileSync(worker.logPath, 'utf8'));
    assert.match(workerLog.text, /bye from 1/);
    assert.doesNotMatch(byDefault.text, /bye from 1/);
    assert.equal(seen.get(worker.id), workerLog.text, 'the events of the worker carry exactly its log');
    assert.equal(seen.get(master.id), byDefault.text, 'the events of the master carry exactly its log');
    await assert.rejects(engine.call('experiments.logs', { id: x.id, job: 999_999 }), /has no job 999999/);
  } finally {
    off();
    await engine.close();
  }
});

test('restart and resume keep the run as it was: its replicas, their RANK, and the parameter servers stopped once the chief ends', async () => {
  const dir = tmpDir('axon-dist-');
  const engine = await Engine.start({ home: tmpDir(), stopGraceMs: 2000 });
  try {
    const text = [
      'version: 1',
      'kind: experiment',
      'framework: tensorflow',
      'environment:',
      '  replicas: {n_workers: 1, n_ps: 1}',
      'run:',
      // A parameter server never exits by itself; the master and the worker do.
      '  cmd: if [ "$AXON_REPLICA_ROLE" = ps ]; then echo serving; sleep 300; else echo "$AXON_REPLICA_ROLE done"; fi',
    ].join('\n');
    const first = await runToEnd(engine, text, dir);
    assert.equal(first.status, 'succeeded', first.statusReason ?? '');
    const ps = first.jobs.find((j) => j.role === 'ps')!;
    assert.equal(ps.status, 'succeeded');
    assert.equal(ps.statusReason, 'stopped after the master and workers ended');
    for (const how of ['experiments.restart', 'experiments.resume'] as const) {
      const again = await engine.call(how, { id: first.id });
      const x = await waitFor(async () => {
        const e = await engine.call('experiments.get', { id: again.id });
        return isDone(e.status) ? e : null;
      }, 60_000);
      assert.equal(x.status, 'succeeded', `${how}: ${x.statusReason}`);
      assert.deepEqual(
        x.jobs.map((j) => `${j.role}-${j.index}`),
        ['master-0', 'worker-0', 'ps-0'],
        `${how} keeps the replicas`,
      );
    }
  } finally {
    await engine.close();
  }
});
