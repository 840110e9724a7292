// A stop asked while a run is being launched (its processes started, the runner not yet following them): the
// run ends when its jobs have, after their SIGTERM handlers, not the moment the stop is asked; replicas not
// launched yet are never launched. The local backend is real; only its launch is held open by the test, to
// stop in that moment every time (it lasts milliseconds, and a CI run once hit it with Docker).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { LocalBackend } from '../../main/engine/backends/local/local-backend';
import type { Backend } from '../../main/engine/backends/backend';
import { experimentEnd, sleep, tmpDir, waitFor } from '../helpers';

/** The local backend, with the `holdAt`-th launch's return (and so every later launch) held until `release()`;
 *  `launched` counts launches. */
function heldLocal(holdAt = 1) {
  const local = new LocalBackend();
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const state = { launched: 0, release: () => open() };
  const backend = new Proxy(local, {
    get(t, k) {
      if (k === 'launch')
        return async (spec: Parameters<Backend['launch']>[0]) => {
          const job = await t.launch(spec);
          if (++state.launched >= holdAt) await gate;
          return job;
        };
      const v = (t as unknown as Record<string | symbol, unknown>)[k];
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
  return { backend: backend as Backend, state };
}

// The handler takes a moment, as a checkpoint would; the run's end must come after it.
const CMD =
  'trap \'echo term >> "$POLYAXON_RUN_OUTPUTS_PATH/$AXON_REPLICA.txt"; sleep 0.5; ' +
  'echo saved >> "$POLYAXON_RUN_OUTPUTS_PATH/$AXON_REPLICA.txt"; exit 0\' TERM; sleep 30 & wait';

async function start(engine: Engine, text: string) {
  const dir = tmpDir('axon-launching-');
  const c = await engine.call('runs.create', {
    files: [{ name: 'run.yml', text }],
    params: {},
    codePath: dir,
  });
  if (c.kind !== 'experiment') throw new Error('expected an experiment');
  return c.experiment.id;
}

test('a stop while the run is being launched ends it once its job has ended, after its SIGTERM handler', async () => {
  const { backend, state } = heldLocal();
  const engine = await Engine.start({ home: tmpDir(), backends: { local: backend } });
  try {
    const id = await start(
      engine,
      `version: 1\nkind: experiment\nrun:\n  cmd: AXON_REPLICA=master; ${CMD}\n`,
    );
    await waitFor(async () => state.launched === 1, 20_000, 'the process to start');
    await engine.call('experiments.stop', { id });
    await sleep(300);
    assert.equal(
      (await engine.call('experiments.get', { id })).status,
      'starting',
      'not ended before its job',
    );
    state.release();
    const x = await experimentEnd(engine, id);
    assert.equal(x.status, 'stopped');
    assert.equal(x.statusReason, 'stopped by user');
    const outputs = (await engine.store.experiments.row(id)).outputs_dir!;
    assert.equal(fs.readFileSync(path.join(outputs, 'master.txt'), 'utf8'), 'term\nsaved\n');
    const [job] = await engine.store.jobs.forExperiment(id);
    assert.equal(job.status, 'stopped');
  } finally {
    state.release();
    await engine.close();
  }
});

test('a stop while a distributed run is being launched launches no further replica and stops the started ones, with its reason', async () => {
  const { backend, state } = heldLocal(2);
  const engine = await Engine.start({ home: tmpDir(), backends: { local: backend } });
  try {
    const id = await start(
      engine,
      [
        'version: 1',
        'kind: experiment',
        'framework: pytorch',
        'environment:',
        '  replicas:',
        '    n_workers: 2',
        'run:',
        `  cmd: AXON_REPLICA=rank$RANK; ${CMD}`,
      ].join('\n'),
    );
    await waitFor(async () => state.launched === 2, 20_000, 'the master and a worker to start');
    // As early stopping stops a trial: its reason and message are the run's.
    assert.equal(await engine.runner.stop(id, 'early stopping', 'loss did not improve'), true);
    state.release();
    const x = await experimentEnd(engine, id);
    assert.equal(x.status, 'stopped');
    assert.equal(x.statusReason, 'early stopping');
    assert.equal(x.statusMessage, 'loss did not improve');
    assert.equal(state.launched, 2, 'the last worker was never launched');
    const jobs = await engine.store.jobs.forExperiment(id);
    assert.deepEqual(
      jobs.map((j) => [j.role, j.replica_index, j.status, j.status_reason]),
      [
        ['master', 0, 'stopped', 'early stopping'],
        ['worker', 0, 'stopped', 'early stopping'],
        ['worker', 1, 'stopped', 'stopped before it started'],
      ],
    );
    const outputs = (await engine.store.experiments.row(id)).outputs_dir!;
    assert.equal(fs.readFileSync(path.join(outputs, 'rank0.txt'), 'utf8'), 'term\nsaved\n');
    assert.equal(fs.readFileSync(path.join(outputs, 'rank1.txt'), 'utf8'), 'term\nsaved\n');
  } finally {
    state.release();
    await engine.close();
  }
});

test('a launch that hangs does not hold a stop for ever: it is recorded after the wait, and what starts later is stopped', async () => {
  const { backend, state } = heldLocal();
  const engine = await Engine.start({ home: tmpDir(), backends: { local: backend }, stopWaitMs: 500 });
  try {
    const id = await start(
      engine,
      `version: 1\nkind: experiment\nrun:\n  cmd: AXON_REPLICA=master; ${CMD}\n`,
    );
    await waitFor(async () => state.launched === 1, 20_000, 'the process to start');
    await engine.call('experiments.stop', { id });
    // The launch still hangs: the stop is recorded all the same.
    const x = await experimentEnd(engine, id, 5_000);
    assert.equal(x.status, 'stopped');
    assert.equal(x.statusReason, 'stopped by user');
    // Once the launch returns, the process it started gets its SIGTERM.
    state.release();
    const outputs = (await engine.store.experiments.row(id)).outputs_dir!;
    await waitFor(
      async () =>
        fs.existsSync(path.join(outputs, 'master.txt')) &&
        /saved/.test(fs.readFileSync(path.join(outputs, 'master.txt'), 'utf8')),
      10_000,
      'the late process to be stopped',
    );
  } finally {
    state.release();
    await engine.close();
  }
});

test('an engine closing while it holds a stop records the run and its jobs stopped: none is left running for the next', async () => {
  const { backend, state } = heldLocal();
  const home = tmpDir();
  const engine = await Engine.start({ home, backends: { local: backend } });
  const id = await start(engine, `version: 1\nkind: experiment\nrun:\n  cmd: AXON_REPLICA=master; ${CMD}\n`);
  await waitFor(async () => state.launched === 1, 20_000, 'the process to start');
  await engine.call('experiments.stop', { id });
  const closing = engine.close();
  state.release();
  await closing;
  const next = await Engine.start({ home });
  try {
    const x = await next.call('experiments.get', { id });
    assert.equal(x.status, 'stopped');
    assert.deepEqual(
      (await next.store.jobs.forExperiment(id)).map((j) => j.status),
      ['stopped'],
    );
  } finally {
    await next.close();
  }
});
