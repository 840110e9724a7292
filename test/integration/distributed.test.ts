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

test('a replica that failed while no engine ran: the next engine stops the others at once (they waited on a dead peer)', async () => {
  const dir = tmpDir('axon-dist-');
  const home = tmpDir();
  // worker-1 fails after 1.5 s; the others would sleep 60 s.
  const cmd = '"if [ $RANK = 2 ]; then sleep 1.5; exit 5; else sleep 60; fi"';
  let engine = await Engine.start({ home, stopGraceMs: 500 });
  const c = await engine.call('runs.create', {
    files: [{ name: 'dist.yml', text: spec(2, cmd) }],
    params: {},
    codePath: dir,
  });
  if (c.kind !== 'experiment') throw new Error('expected an experiment');
  const id = c.experiment.id;
  await waitFor(
    async () => (await engine.call('experiments.get', { id })).status === 'running',
    20_000,
    'running',
  );
  await engine.close(); // the replicas go on without an engine
  const exitFile = path.join(home, 'runs', String(id));
  await waitFor(
    async () => fs.readdirSync(exitFile).some((f) => f.endsWith('.exit')),
    20_000,
    'worker-1 to end while no engine runs',
  );
  const t0 = Date.now();
  engine = await Engine.start({ home, stopGraceMs: 500 });
  try {
    const x = await waitFor(async () => {
      const x = await engine.call('experiments.get', { id });
      return isDone(x.status) ? x : null;
    }, 30_000);
    assert.ok(Date.now() - t0 < 15_000, `the others were stopped, not waited for (${Date.now() - t0} ms)`);
    assert.equal(x.status, 'failed');
    assert.equal(x.statusReason, 'worker-1: exit code 5');
    const jobs = await engine.store.jobs.forExperiment(id);
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

test('v1 pytorchjob and tfjob run as distributed experiments; a replica with another command, a missing master and an mpijob are refused at their line', async () => {
  const dir = tmpDir('axon-dist-');
  fs.copyFileSync(
    path.join(ROOT, 'test/fixtures/distributed/rendezvous.py'),
    path.join(dir, 'rendezvous.py'),
  );
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const pytorch = [
      'version: 1.1',
      'kind: component',
      'run:',
      '  kind: pytorchjob',
      '  master:',
      '    replicas: 1',
      '    container: {image: python:3, command: [python3, rendezvous.py]}',
      '  worker:',
      '    replicas: 2',
      '    container: {image: python:3, command: [python3, rendezvous.py]}',
    ].join('\n');
    const x = await runToEnd(engine, pytorch, dir);
    assert.equal(x.status, 'succeeded', `${x.statusReason}`);
    const jobs = await engine.store.jobs.forExperiment(x.id);
    assert.deepEqual(
      jobs.map((j) => `${j.role}-${j.replica_index}`),
      ['master-0', 'worker-0', 'worker-1'],
    );
    assert.match(fs.readFileSync(jobs[0].log_path, 'utf8'), /master got ranks \[1, 2\]/);

    // A tfjob's TF_CONFIG names its main task `chief`, as Kubeflow's TFJob does (TF 2's strategies require it).
    const tf = [
      'version: 1.1',
      'kind: component',
      'run:',
      '  kind: tfjob',
      '  chief: {container: {image: python:3, command: [sh, -c, \'echo "$TF_CONFIG"\']}}',
      '  worker: {replicas: 1}',
      '  ps: {replicas: 1}',
    ].join('\n');
    const t = await runToEnd(engine, tf, dir);
    assert.equal(t.status, 'succeeded', `${t.statusReason}`);
    const tfJobs = await engine.store.jobs.forExperiment(t.id);
    const config = JSON.parse(fs.readFileSync(tfJobs[0].log_path, 'utf8').trim().split('\n')[0]) as {
      cluster: Record<string, string[]>;
      task: { type: string; index: number };
    };
    assert.deepEqual(Object.keys(config.cluster).sort(), ['chief', 'ps', 'worker']);
    assert.deepEqual(config.task, { type: 'chief', index: 0 });

    const check = (text: string) => engine.call('runs.check', { files: [{ name: 'd.yml', text }] });
    const at = pytorch.lastIndexOf('rendezvous.py');
    const other = await check(`${pytorch.slice(0, at)}other.py${pytorch.slice(at + 'rendezvous.py'.length)}`);
    assert.equal(other.ok, false);
    assert.match(
      JSON.stringify(!other.ok && other.errors),
      /run\.worker\.container\.command.*the master's command and args, or none/,
    );
    const noMaster = await check(
      pytorch
        .split('\n')
        .filter((l, i) => i < 4 || i > 6)
        .join('\n'),
    );
    assert.match(JSON.stringify(!noMaster.ok && noMaster.errors), /a `master` replica with a container/);
    const mpi = await check(pytorch.replace('pytorchjob', 'mpijob').replace('master:', 'launcher:'));
    assert.match(
      JSON.stringify(!mpi.ok && mpi.errors),
      /a run kind Axon runs \(job, tfjob, pytorchjob; the others are checked but not run yet\)/,
    );
  } finally {
    await engine.close();
  }
});
