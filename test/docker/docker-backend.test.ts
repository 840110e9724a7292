// The Docker backend against the real engine: build, success, failure, OOM, stop, logs and metrics, a group
// with concurrency, a 3-replica distributed experiment over the experiment's network, the digits example in
// the Python image, and an engine that goes away mid-run and reconciles. Skips, saying why, without Docker or
// the Python test image; fails naming what is missing under CI=true (test/requirements.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { homeId, loggedOom } from '../../main/engine/backends/docker/docker-backend';
import { isGroupDone } from '../../shared/statuses';
import { ROOT, maxActive, sleep, tmpDir, waitFor } from '../helpers';
import { need, skipOrFail } from '../requirements';
import {
  docker as dockerClient,
  dockerAvailable,
  endOf,
  removeTestImages,
  project,
  run,
  startDocker,
} from './helpers';

const BUSYBOX = 'axon-test/busybox:1';
const PYTHON = 'axon-test/python:1';
const noDocker = await dockerAvailable();
const docker = dockerClient();
const hasImage = async (tag: string) =>
  !noDocker &&
  !!(await docker
    .getImage(tag)
    .inspect()
    .catch(() => null));

// The images built for this file's projects are removed at its end (they would pile up run after run).
after(() => removeTestImages());

before(async () => {
  if (noDocker || (await hasImage(BUSYBOX))) return;
  execFileSync('bash', [path.join(ROOT, 'test/docker/build-images.sh'), '--only', 'busybox'], {
    stdio: 'inherit',
  });
});

const skip = skipOrFail(noDocker);
/** Why the Python test image is missing (it is built by test/docker/build-images.sh, as .ci/run does), or null. */
const noPythonImage = async () =>
  (await hasImage(PYTHON)) ? null : `${PYTHON} is not built (bash test/docker/build-images.sh)`;

const containersOf = (home: string, experimentId: number) =>
  docker.listContainers({
    all: true,
    filters: { label: [`axon.home=${homeId(home)}`, `axon.run=${experimentId}`] },
  });

test(
  'build from the polyaxonfile, run, stream logs and metrics, record the status path, remove the container',
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const home = tmpDir();
    const engine = await Engine.start({ home });
    try {
      const p = project(
        [
          'kind: experiment',
          'build:',
          `  image: ${BUSYBOX}`,
          '  build_steps: ["echo built-in-image > /built.txt"]',
          '  env_vars: [[GREETING, "hello there"]]',
          'run:',
          '  cmd: cat /built.txt; echo "$GREETING from $AXON_RUN_ID"; ls /code; echo "@@axon {\\"metrics\\":{\\"m\\":7},\\"step\\":1}"; echo out > $AXON_OUTPUTS_PATH/model.txt',
        ],
        { 'train.sh': 'echo code\n' },
      );
      const x = await run(engine, p);
      assert.equal(x.status, 'succeeded', `${x.statusReason} ${x.statusMessage}`);
      const statuses = (await engine.call('experiments.statuses', { id: x.id })).map((s) => s.status);
      assert.deepEqual(statuses, ['created', 'building', 'scheduled', 'starting', 'running', 'succeeded']);
      const log = (await engine.call('experiments.logs', { id: x.id })).text;
      assert.match(log, /\[axon\] build context: \d+ files/);
      assert.match(log, /^built-in-image$/m);
      assert.match(log, new RegExp(`^hello there from ${x.id}$`, 'm'));
      assert.match(log, /^train\.sh$/m);
      assert.equal(x.lastMetrics.m, 7);
      const got = await engine.call('experiments.get', { id: x.id });
      assert.deepEqual(got.outputs, [{ path: 'model.txt', size: 4 }]);
      assert.match(
        got.image ?? '',
        /^axon\/[a-z0-9._-]+:[0-9a-f]{16}$/,
        `the image it ran in is recorded: ${got.image}`,
      );
      assert.equal(got.jobs[0].container?.length, 64, 'the job names its container');
      // Removed once its ending is recorded (Backend.release, right after the status the test saw).
      await waitFor(
        async () => (await containersOf(home, x.id)).length === 0,
        30_000,
        'the finished container to be removed',
      );
    } finally {
      await engine.close();
    }
  },
);

test(
  'a failing command fails with its exit code; a memory limit overrun fails as out of memory, unless the command went on and exited 0',
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const engine = await Engine.start({ home: tmpDir() });
    try {
      const fail = await run(
        engine,
        project(['kind: experiment', `build: {image: "${BUSYBOX}"}`, 'run:', '  cmd: echo nope; exit 3']),
      );
      assert.equal(fail.status, 'failed');
      assert.equal(fail.statusReason, 'exit code 3');
      // A command killed outright: its log is its own output, without the wrapper shell's "Killed" notice.
      const killed = await run(
        engine,
        project(['kind: experiment', `build: {image: "${BUSYBOX}"}`, 'run:', '  cmd: echo bye; kill -9 $$']),
      );
      assert.equal(killed.status, 'failed');
      const said = (await engine.call('experiments.logs', { id: killed.id })).text;
      assert.match(said, /^bye$/m);
      assert.doesNotMatch(said, /Killed/);
      // A 64 MiB limit, and a command that needs far more. (16 MiB was too tight once PID 1 became a shell
      // wrapper: the wrapper, the command's shell and the subshell then left so little that the kernel's OOM
      // killer sometimes took the command's shell instead of the child: twice in CI under load.)
      const underLimit = (cmd: string) =>
        run(
          engine,
          project([
            'kind: experiment',
            `build: {image: "${BUSYBOX}"}`,
            'environment:',
            '  resources: {memory: {limits: 64}}',
            'run:',
            `  cmd: ${cmd}`,
          ]),
        );
      const oom = await underLimit("x=$(head -c 300000000 /dev/zero | tr '\\0' a); echo done");
      assert.equal(oom.status, 'failed');
      assert.equal(oom.statusReason, 'out of memory (limit 64 MiB)');
      // A child killed for memory while the command goes on and exits 0: the run succeeded.
      const child = await underLimit(
        "(x=$(head -c 300000000 /dev/zero | tr '\\0' a)); echo the command goes on",
      );
      assert.equal(child.status, 'succeeded', child.statusReason ?? '');
    } finally {
      await engine.close();
    }
  },
);

test(
  "Docker's event log tells an out-of-memory kill from a plain SIGKILL under a memory limit (the fallback when the state lost it)",
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const ended = async (cmd: string, kill = false) => {
      const c = await docker.createContainer({
        Image: BUSYBOX,
        Cmd: ['sh', '-c', cmd],
        HostConfig: { Memory: 16 * 1024 * 1024, MemorySwap: 16 * 1024 * 1024 },
      });
      try {
        await c.start();
        if (kill) await c.kill({ signal: 'SIGKILL' });
        await c.wait();
        return await c.inspect();
      } finally {
        await c.remove({ force: true }).catch(() => undefined);
      }
    };
    const oom = await ended("x=$(head -c 300000000 /dev/zero | tr '\\0' a)");
    const killed = await ended('sleep 30', true);
    assert.equal(oom.State.ExitCode, 137);
    assert.equal(killed.State.ExitCode, 137);
    assert.equal(await loggedOom(docker, oom), true);
    assert.equal(await loggedOom(docker, killed), false);
  },
);

test(
  'stop sends SIGTERM to the command, a compound one included, and the run ends stopped',
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    // A grace period long enough that a command which never got the SIGTERM is seen to be SIGKILLed instead.
    const engine = await Engine.start({ home: tmpDir(), stopGraceMs: 8000 });
    try {
      // `&& echo after` keeps a shell between PID 1 and the program: the SIGTERM must still reach the program.
      const p = project([
        'kind: experiment',
        `build: {image: "${BUSYBOX}"}`,
        'run:',
        `  cmd: sh -c 'trap "echo got-term > $AXON_OUTPUTS_PATH/term.txt; exit 0" TERM; echo started; while :; do sleep 1; done' && echo after`,
      ]);
      const id = await startDocker(engine, p);
      await waitFor(
        async () => (await engine.call('experiments.logs', { id })).text.includes('started'),
        60_000,
        'started',
      );
      const asked = Date.now();
      await engine.call('experiments.stop', { id });
      const x = await endOf(engine, id, 30_000);
      assert.equal(x.status, 'stopped');
      assert.equal(x.statusReason, 'stopped by user');
      const term = await engine.call('experiments.outputFile', { id, path: 'term.txt' });
      assert.equal('text' in term ? term.text : null, 'got-term\n', "the program's own SIGTERM handler ran");
      assert.ok(Date.now() - asked < 7000, 'ended by the SIGTERM, not by the SIGKILL after the grace period');
    } finally {
      await engine.close();
    }
  },
);

test(
  'a stop while the image builds ends the run at once, stopped, with nothing scheduled after it',
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const engine = await Engine.start({ home: tmpDir(), stopGraceMs: 1000 });
    try {
      const p = project([
        'kind: experiment',
        `build: {image: "${BUSYBOX}", build_steps: ["echo building; sleep 60"]}`,
        'run:',
        '  cmd: echo never',
      ]);
      const id = await startDocker(engine, p);
      await waitFor(
        async () => (await engine.call('experiments.logs', { id })).text.includes('building'),
        60_000,
        'the build step to run',
      );
      const asked = Date.now();
      await engine.call('experiments.stop', { id });
      const x = await endOf(engine, id, 30_000);
      assert.ok(Date.now() - asked < 15_000, `the stop took ${Date.now() - asked} ms`);
      assert.equal(x.status, 'stopped');
      assert.equal(x.statusReason, 'stopped by user');
      assert.equal(x.statusMessage, 'stopped while building');
      const history = (await engine.call('experiments.statuses', { id })).map((s) => s.status);
      assert.deepEqual(history.slice(-2), ['building', 'stopped']);
      assert.ok(!history.includes('starting') && !history.includes('running'), history.join(' '));
      assert.doesNotMatch((await engine.call('experiments.logs', { id })).text, /never/);
    } finally {
      await engine.close();
    }
  },
);

test(
  'the engine goes away mid-run: the container is found by label, its log resumes, nothing lost or doubled',
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const home = tmpDir();
    const N = 40;
    const p = project([
      'kind: experiment',
      `build: {image: "${BUSYBOX}"}`,
      'run:',
      `  cmd: i=0; while [ $i -lt ${N} ]; do echo "line $i"; echo "@@axon {\\"metrics\\":{\\"v\\":$i}}"; i=$((i+1)); sleep 0.1; done`,
    ]);
    let engine = await Engine.start({ home });
    const id = await startDocker(engine, p);
    await waitFor(
      async () => (await engine.call('experiments.metrics', { id })).length >= 5,
      60_000,
      'first metrics',
    );
    await engine.close();
    await sleep(1200); // the container keeps logging with no engine
    engine = await Engine.start({ home });
    try {
      const x = await endOf(engine, id, 60_000);
      assert.equal(x.status, 'succeeded');
      const m = await engine.call('experiments.metrics', { id });
      assert.deepEqual(
        m.map((pt) => pt.value),
        Array.from({ length: N }, (_, i) => i),
      );
      const lines = (await engine.call('experiments.logs', { id })).text
        .split('\n')
        .filter((l) => l.startsWith('line '));
      assert.deepEqual(
        lines,
        Array.from({ length: N }, (_, i) => `line ${i}`),
      );
    } finally {
      await engine.close();
    }
  },
);

test(
  'a group of containers honours its concurrency; the image is built once for the group',
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const engine = await Engine.start({ home: tmpDir() });
    try {
      const p = project([
        'kind: group',
        `build: {image: "${BUSYBOX}", build_steps: ["echo group > /g.txt"]}`,
        'hptuning:',
        '  concurrency: 2',
        '  matrix:',
        '    i: {values: [1, 2, 3, 4]}',
        'run:',
        '  cmd: sleep 0.5; echo "@@axon {\\"metrics\\":{\\"i\\":{{ i }}}}"',
      ]);
      const c = await engine.call('runs.create', {
        files: [{ name: 'g.yml', text: p.text }],
        params: {},
        codePath: p.dir,
        backend: 'docker',
      });
      if (c.kind !== 'group') throw new Error('expected a group');
      const g = await waitFor(async () => {
        const x = await engine.call('groups.get', { id: c.group.id });
        return isGroupDone(x.status) ? x : null;
      }, 180_000);
      assert.equal(g.status, 'done');
      assert.equal(g.progress.succeeded, 4);
      assert.equal(await maxActive(engine, g.id), 2);
      // Concurrent experiments share one build; later ones find the image at once. One tag for the group.
      const logs = await Promise.all(
        (await engine.call('groups.experiments', { id: g.id })).map((e) =>
          engine.call('experiments.logs', { id: e.id }),
        ),
      );
      const tags = new Set(logs.map((l) => /\[axon\] image (\S+)/.exec(l.text)?.[1]));
      assert.equal(tags.size, 1, `tags ${[...tags].join(', ')}`);
      assert.ok(
        logs.filter((l) => l.text.includes('(unchanged project: reused)')).length >= 2,
        'later experiments reuse it',
      );
    } finally {
      await engine.close();
    }
  },
);

test(
  'a 3-replica PyTorch-style experiment: workers reach master-0 over the experiment network',
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    if (!need(t, 'the Python test image', await noPythonImage())) return;
    const home = tmpDir();
    const engine = await Engine.start({ home });
    try {
      const p = project(
        [
          'kind: experiment',
          'framework: pytorch',
          `build: {image: "${PYTHON}"}`,
          'environment:',
          '  replicas: {n_workers: 2}',
          'run:',
          '  cmd: python3 rendezvous.py',
        ],
        {
          'rendezvous.py': fs.readFileSync(
            path.join(ROOT, 'test/fixtures/distributed/rendezvous.py'),
            'utf8',
          ),
        },
      );
      const x = await run(engine, p);
      assert.equal(x.status, 'succeeded', `${x.statusReason}`);
      const jobs = await engine.store.jobs.forExperiment(x.id);
      assert.match(fs.readFileSync(jobs[0].log_path, 'utf8'), /master got ranks \[1, 2\]/);
      assert.match(fs.readFileSync(jobs[1].log_path, 'utf8'), /worker 1 reported to master-0:2222/);
      const nets = await docker.listNetworks({ filters: { name: [`axon-${homeId(home)}-${x.id}`] } });
      assert.equal(nets.length, 0, 'the experiment network is removed');
    } finally {
      await engine.close();
    }
  },
);

test(
  "a distributed run's stop reaches every replica at once (one after another, each waited out its stop)",
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    // Each replica notes when its SIGTERM came and takes 3 s to "checkpoint".
    const engine = await Engine.start({ home: tmpDir(), stopGraceMs: 8000 });
    try {
      const p = project([
        'kind: experiment',
        'framework: pytorch',
        `build: {image: "${BUSYBOX}"}`,
        'environment:',
        '  replicas: {n_workers: 2}',
        'run:',
        '  cmd: trap \'echo "term at $(date +%s)"; sleep 3; echo saved; exit 0\' TERM; echo up; while :; do sleep 0.2; done',
      ]);
      const id = await startDocker(engine, p);
      const jobsUp = async () => {
        const jobs = await engine.store.jobs.forExperiment(id);
        return (
          jobs.length === 3 &&
          jobs.every((j) => fs.existsSync(j.log_path) && /up/.test(fs.readFileSync(j.log_path, 'utf8')))
        );
      };
      await waitFor(jobsUp, 60_000, 'the three replicas up');
      // And the run followed as running: a stop in the moment between the containers' start and the runner
      // following them is recorded at once and signals them just after (the run can read as ended before
      // their handlers ran), which is not what this test measures.
      await waitFor(
        async () => (await engine.call('experiments.get', { id })).status === 'running',
        30_000,
        'the run followed as running',
      );
      const t0 = Date.now();
      await engine.call('experiments.stop', { id });
      const x = await endOf(engine, id);
      const took = Date.now() - t0;
      assert.equal(x.status, 'stopped');
      const terms = (await engine.store.jobs.forExperiment(id)).map((j) => {
        const log = fs.readFileSync(j.log_path, 'utf8');
        assert.match(log, /saved/, `${j.role}-${j.replica_index} checkpointed: ${log}`);
        return Number(/term at (\d+)/.exec(log)![1]);
      });
      assert.ok(Math.max(...terms) - Math.min(...terms) <= 1, `SIGTERMs at ${terms.join(', ')} (s)`);
      assert.ok(took < 8000, `the stop took ${took} ms: the replicas' 3 s checkpoints ran side by side`);
    } finally {
      await engine.close();
    }
  },
);

test('examples/digits trains in the Python image and reports its accuracy', { skip }, async (t) => {
  if (!need(t, 'Docker', noDocker)) return;
  if (!need(t, 'the Python test image', await noPythonImage())) return;
  const dir = tmpDir('axon-digits-');
  fs.copyFileSync(path.join(ROOT, 'examples/digits/train.py'), path.join(dir, 'train.py'));
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const x = await run(engine, {
      dir,
      text: [
        'version: 1',
        'kind: experiment',
        `build: {image: "${PYTHON}"}`,
        'run:',
        '  cmd: python3 train.py --C=10 --gamma=0.001',
      ].join('\n'),
    });
    assert.equal(x.status, 'succeeded', `${x.statusReason}`);
    assert.ok(x.lastMetrics.accuracy > 0.95, `accuracy ${x.lastMetrics.accuracy}`);
  } finally {
    await engine.close();
  }
});

test('Docker that is not reachable is reported with the reason; local runs are not affected', async () => {
  const prev = process.env.AXON_DOCKER_HOST;
  process.env.AXON_DOCKER_HOST = 'unix:///nonexistent/docker.sock';
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const info = await engine.call('system.info', {});
    const d = info.backends.find((b) => b.name === 'docker')!;
    assert.equal(d.available, false);
    assert.match(
      d.detail,
      /Docker: not reachable at unix:\/\/\/nonexistent\/docker\.sock \(AXON_DOCKER_HOST\): no socket there/,
    );
    const p = project(['kind: experiment', 'build: {image: "x"}', 'run:', '  cmd: echo hi']);
    await assert.rejects(
      engine.call('runs.create', {
        files: [{ name: 'p.yml', text: p.text }],
        params: {},
        codePath: p.dir,
        backend: 'docker',
      }),
      /not reachable.*start it, or choose the local backend/,
    );
    assert.equal((await engine.call('experiments.list', {})).length, 0);
    const local = await engine.call('runs.create', {
      files: [{ name: 'p.yml', text: p.text }],
      params: {},
      codePath: p.dir,
    });
    assert.equal(local.kind, 'experiment');
  } finally {
    await engine.close();
    if (prev === undefined) delete process.env.AXON_DOCKER_HOST;
    else process.env.AXON_DOCKER_HOST = prev;
  }
});

test(
  'kill -9 of a serving engine mid-run, then a new engine reconciles the container by label',
  { skip },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const { startServe } = await import('../helpers');
    const home = tmpDir();
    const N = 30;
    const p = project([
      'kind: experiment',
      `build: {image: "${BUSYBOX}"}`,
      'run:',
      `  cmd: i=0; while [ $i -lt ${N} ]; do echo "line $i"; echo "@@axon {\\"metrics\\":{\\"v\\":$i}}"; i=$((i+1)); sleep 0.1; done`,
    ]);
    let served = await startServe(home);
    const id = await startDocker(served.client, p);
    await waitFor(
      async () => (await served.client.call('experiments.metrics', { id })).length >= 5,
      60_000,
      'first metrics',
    );
    served.proc.kill('SIGKILL');
    await new Promise((r) => served.proc.once('exit', r));
    served.client.close();
    await sleep(800);
    served = await startServe(home);
    try {
      const x = await endOf(served.client, id, 60_000);
      assert.equal(x.status, 'succeeded');
      const m = await served.client.call('experiments.metrics', { id });
      assert.deepEqual(
        m.map((pt) => pt.value),
        Array.from({ length: N }, (_, i) => i),
      );
      const lines = (await served.client.call('experiments.logs', { id })).text
        .split('\n')
        .filter((l) => l.startsWith('line '));
      assert.deepEqual(
        lines,
        Array.from({ length: N }, (_, i) => `line ${i}`),
      );
    } finally {
      await served.stop();
    }
  },
);

test('docker stats of a running container are sampled into the store', { skip }, async (t) => {
  if (!need(t, 'Docker', noDocker)) return;
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const p = project([
      'kind: experiment',
      `build: {image: "${BUSYBOX}"}`,
      'environment:',
      '  resources: {memory: {limits: 64}}',
      'run:',
      '  cmd: echo started; end=$(($(date +%s)+3)); while [ $(date +%s) -lt $end ]; do :; done',
    ]);
    const id = await startDocker(engine, p);
    await waitFor(
      async () => (await engine.call('experiments.logs', { id })).text.includes('started'),
      60_000,
    );
    const samples = await waitFor(
      async () => {
        await engine.monitor.tick();
        const got = await engine.call('experiments.resources', { id });
        return got.length ? got : null;
      },
      10_000,
      'a resource sample',
    );
    const s = samples.at(-1)!;
    assert.equal(s.memoryLimitBytes, 64 * 1024 * 1024);
    assert.ok(s.memoryBytes !== null && s.memoryBytes > 0, 's.memoryBytes !== null && s.memoryBytes > 0');
    assert.ok(s.cpuPercent !== null && s.cpuPercent > 10, `cpu ${s.cpuPercent}`);
  } finally {
    await engine.close();
  }
});
