// A local job is all of its processes, not its wrapper: stop reaches children started in their own session,
// killing the wrapper leaves the job followed to its end (every metric read), and bash's own notices never
// reach the user's log. Real processes and a real SQLite file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { paths } from '../../main/engine/home';
import { jobMark, markedProcesses } from '../../main/engine/backends/local/job-processes';
import { isDone } from '../../shared/statuses';
import { projectWith, tmpDir, waitFor } from '../helpers';

async function start(engine: Engine, cmd: string) {
  const { dir } = projectWith('true');
  const c = await engine.call('runs.create', {
    files: [
      {
        name: 'polyaxonfile.yml',
        text: `version: 1\nkind: experiment\nrun:\n  cmd: ${JSON.stringify(cmd)}\n`,
      },
    ],
    params: {},
    codePath: dir,
  });
  if (c.kind !== 'experiment') throw new Error('expected an experiment');
  return { id: c.experiment.id, dir };
}

const end = (engine: Engine, id: number) =>
  waitFor(async () => {
    const x = await engine.call('experiments.get', { id });
    return isDone(x.status) ? x : null;
  }, 60_000);

const logOf = async (engine: Engine, id: number) => (await engine.call('experiments.logs', { id })).text;

test('stop leaves no process of the job, also a child in its own session that ignores SIGTERM', async () => {
  const home = tmpDir();
  const engine = await Engine.start({ home, stopGraceMs: 1000 });
  try {
    const { id } = await start(engine, `setsid bash -c 'trap "" TERM; sleep 300' & echo started; sleep 300`);
    await waitFor(async () => /started/.test(await logOf(engine, id)), 30_000, 'the job to start');
    const x = await engine.call('experiments.get', { id });
    const mark = jobMark(paths(home).runDir(id), x.jobs[0].id);
    await waitFor(async () => markedProcesses(mark).length >= 2, 10_000, 'the session child');
    await engine.call('experiments.stop', { id });
    assert.equal((await end(engine, id)).status, 'stopped');
    await waitFor(
      async () => markedProcesses(mark).length === 0,
      10_000,
      'every process of the job to be gone',
    );
  } finally {
    await engine.close();
  }
});

test('killing the wrapper: the job goes on, is followed to its end with every metric, and is reported lost with why', async () => {
  const home = tmpDir();
  const engine = await Engine.start({ home });
  try {
    const N = 40;
    const { id, dir } = await start(
      engine,
      `for i in $(seq 1 ${N}); do echo "@@axon {\\"metrics\\":{\\"m\\":$i}}"; if [ $i = 10 ]; then while [ ! -e release ]; do sleep 0.05; done; fi; [ $i -gt 10 ] && sleep 0.1; done`,
    );
    await waitFor(
      async () => (await engine.call('experiments.metrics', { id })).length >= 10,
      30_000,
      'the first metrics',
    );
    const wrapper = (await engine.call('experiments.get', { id })).jobs[0].pid!;
    process.kill(wrapper, 'SIGKILL'); // the wrapper only: the training goes on
    fs.writeFileSync(path.join(dir, 'release'), '');
    const x = await end(engine, id);
    assert.deepEqual(
      (await engine.call('experiments.metrics', { id })).map((p) => p.value),
      Array.from({ length: N }, (_, i) => i + 1),
      'nothing it printed is dropped',
    );
    assert.equal(x.status, 'failed');
    assert.match(
      x.statusReason ?? '',
      /wrapper was killed, so its exit code is unknown \(the job was followed to its end/,
    );
  } finally {
    await engine.close();
  }
});

test("a job killed by a signal: its exit status is recorded, and bash's notice is not in the user's log", async () => {
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const { id } = await start(engine, 'echo before; kill -9 $$');
    const x = await end(engine, id);
    assert.equal(x.status, 'failed');
    assert.match(x.statusReason ?? '', /137|SIGKILL/);
    const log = await logOf(engine, id);
    assert.match(log, /^before$/m);
    assert.doesNotMatch(log, /Killed|line \d+:/, `the log is the job's own: ${log}`);
  } finally {
    await engine.close();
  }
});

test('a local memory limit is held by the watchdog: a child over it is killed, the run fails as out of memory, the log says how', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const { dir } = projectWith('true');
    // The child grows past 100 MiB while its shell would go on and exit 0.
    const grow =
      'python3 -c "import time; a = []; [(a.append(bytearray(10 * 1024 * 1024)), time.sleep(0.05)) for i in range(60)]"';
    const c = await engine.call('runs.create', {
      files: [
        {
          name: 'polyaxonfile.yml',
          text: [
            'version: 1',
            'kind: experiment',
            'environment:',
            '  resources: {memory: {limits: 100}}',
            'run:',
            `  cmd: ${JSON.stringify(`${grow}; echo the shell goes on; exit 0`)}`,
          ].join('\n'),
        },
      ],
      params: {},
      codePath: dir,
    });
    if (c.kind !== 'experiment') throw new Error('expected an experiment');
    const x = await end(engine, c.experiment.id);
    assert.equal(x.status, 'failed');
    assert.match(
      x.statusReason ?? '',
      /^out of memory \(limit 100 MiB\): Axon's watchdog killed it at \d+ MiB$/,
    );
    const log = await logOf(engine, x.id);
    assert.match(log, /^\[axon\] memory limit 100 MiB: Axon samples this job's memory/m);
    assert.doesNotMatch(log, /the shell goes on/, 'the whole job was killed, not only the child');
  } finally {
    await engine.close();
  }
});

test('processes a command leaves running when it ends (a background job, a child in its own session) are stopped, and the log says so', async () => {
  const home = tmpDir();
  const engine = await Engine.start({ home });
  try {
    const { id } = await start(
      engine,
      `(sleep 20; touch left-a) & setsid bash -c 'sleep 20; touch left-b' & echo parent-exit`,
    );
    const x = await end(engine, id);
    assert.equal(x.status, 'succeeded', x.statusReason ?? '');
    const mark = jobMark(paths(home).runDir(id), x.jobs[0].id);
    await waitFor(async () => markedProcesses(mark).length === 0, 15_000, 'the leftovers to be stopped');
    assert.match(
      await logOf(engine, id),
      /\[axon\] the command ended with \d+ of its processes still running \(pid [\d, ]+\): they are stopped/,
    );
  } finally {
    await engine.close();
  }
});
