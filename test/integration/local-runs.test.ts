// The local backend with real processes and a real SQLite file: success, failure, stop, re-attach after
// the engine goes away, and the engine lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { LockedError, paths } from '../../main/engine/home';
import { exitFile } from '../../main/engine/backends/local/local-backend';
import { isAlive } from '../../main/engine/backends/local/process-probe';
import { isDone } from '../../shared/statuses';
import type { Experiment } from '../../shared/domain';
import { projectWith, tmpDir, waitFor } from '../helpers';

/** Creates an experiment from a polyaxonfile and returns its id. */
async function start(
  engine: Engine,
  file: string,
  dir: string,
  params: Record<string, string> = {},
): Promise<number> {
  const created = await engine.call('runs.create', {
    files: [{ name: path.basename(file), text: fs.readFileSync(file, 'utf8') }],
    params,
    codePath: dir,
  });
  assert.equal(created.kind, 'experiment');
  return created.kind === 'experiment' ? created.experiment.id : 0;
}

/** A shell loop that waits (up to a minute, so that a failed test leaves nothing behind for long) until the
 *  file `name` exists in the run's working directory: the test decides when the command goes on. */
const until = (name: string, every = 0.05) =>
  `for __w in $(seq ${Math.round(60 / every)}); do [ -e ${name} ] && break; sleep ${every}; done`;

const ended = (engine: Engine, id: number) =>
  waitFor(
    async () => {
      const x = await engine.call('experiments.get', { id });
      return isDone(x.status) ? x : null;
    },
    30_000,
    `experiment ${id} to end`,
  );

async function runToEnd(engine: Engine, file: string, dir: string): Promise<Experiment> {
  return ended(engine, await start(engine, file, dir));
}

test('a successful run records statuses, logs, metrics, params, environment and the git code version', async () => {
  const home = tmpDir();
  const script = [
    'import os, json',
    'from axon import tracking',
    'print("run", os.environ["AXON_RUN_ID"], "outputs", os.path.isdir(os.environ["AXON_OUTPUTS_PATH"]))',
    'print("params", os.environ["AXON_PARAMS"], os.environ["POLYAXON_DECLARATIONS"] == os.environ["AXON_PARAMS"])',
    'from polyaxon_client.tracking import get_log_level',
    'print("log level", get_log_level())',
    'for i in range(5): tracking.log_metrics(loss=1.0/(i+1), step=i)',
    'tracking.log_params(batch=32)',
    'open(os.path.join(os.environ["AXON_OUTPUTS_PATH"], "model.txt"), "w").write("weights")',
    'print("@@axon {not json")',
  ].join('\n');
  const { dir, file } = projectWith(
    'python3 train.py',
    'logging:\n  level: warn\ndeclarations:\n  lr: 0.01\n',
  );
  fs.writeFileSync(path.join(dir, 'train.py'), script);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  execFileSync('git', ['-c', 'user.email=a@b', '-c', 'user.name=a', 'add', '.'], { cwd: dir });
  execFileSync('git', ['-c', 'user.email=a@b', '-c', 'user.name=a', 'commit', '-qm', 'init'], { cwd: dir });
  execFileSync('git', ['remote', 'add', 'origin', 'https://example.invalid/me/proj.git'], { cwd: dir });
  fs.appendFileSync(path.join(dir, 'train.py'), '\n# a local change\n');
  const engine = await Engine.start({ home });
  try {
    const x = await runToEnd(engine, file, dir);
    assert.equal(x.status, 'succeeded');
    assert.equal(x.exitCode, 0);
    const statuses = (await engine.call('experiments.statuses', { id: x.id })).map((s) => s.status);
    assert.deepEqual(statuses, ['created', 'scheduled', 'starting', 'running', 'succeeded']);
    const log = (await engine.call('experiments.logs', { id: x.id })).text;
    assert.match(log, new RegExp(`^run ${x.id} outputs True$`, 'm'));
    assert.match(log, /^params \{"lr": ?0\.01\} True$/m);
    assert.match(log, /^log level warn$/m, "the file's logging.level, for Polyaxon's client");
    const metrics = await engine.call('experiments.metrics', { id: x.id });
    assert.deepEqual(
      metrics.map((m) => [m.step, m.value]),
      [0, 1, 2, 3, 4].map((i) => [i, 1 / (i + 1)]),
    );
    const got = await engine.call('experiments.get', { id: x.id });
    assert.deepEqual(got.params, { lr: 0.01, batch: 32 });
    assert.equal(got.lastMetrics.loss, 0.2);
    assert.equal(got.code?.kind, 'git');
    assert.match(got.code!.commit!, /^[0-9a-f]{40}$/);
    assert.equal(got.code?.branch, 'main');
    assert.equal(got.code?.remote, 'https://example.invalid/me/proj.git');
    assert.equal(got.code?.dirty, true);
    assert.match(got.code!.diff!, /\+# a local change/);
    assert.deepEqual(got.outputs, [{ path: 'model.txt', size: 7 }]);
    assert.equal(got.tracking.malformedLines, 1);
    assert.match(log, /^@@axon \{not json$/m, 'a malformed line stays in the log');
  } finally {
    await engine.close();
  }
});

test('a folder that is not a git repository records a content hash of its files', async () => {
  const home = tmpDir();
  const { dir, file } = projectWith('true');
  const engine = await Engine.start({ home });
  try {
    const a = await runToEnd(engine, file, dir);
    const b = await runToEnd(engine, file, dir);
    fs.writeFileSync(path.join(dir, 'new.py'), 'x = 1\n');
    const c = await runToEnd(engine, file, dir);
    const [ca, cb, cc] = await Promise.all(
      [a, b, c].map((x) => engine.call('experiments.get', { id: x.id })),
    );
    assert.equal(ca.code?.kind, 'hash');
    assert.match(ca.code!.contentHash!, /^[0-9a-f]{64}$/);
    assert.equal(ca.code!.contentHash, cb.code!.contentHash);
    assert.notEqual(ca.code!.contentHash, cc.code!.contentHash);
    assert.equal(cc.code!.fileCount, 2);
  } finally {
    await engine.close();
  }
});

test('a failing command fails the experiment with its exit code as the reason', async () => {
  const { dir, file } = projectWith('echo about to fail; exit 3');
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const x = await runToEnd(engine, file, dir);
    assert.equal(x.status, 'failed');
    assert.equal(x.statusReason, 'exit code 3');
    assert.equal(x.exitCode, 3);
    assert.match((await engine.call('experiments.logs', { id: x.id })).text, /about to fail/);
  } finally {
    await engine.close();
  }
});

test('stop sends SIGTERM to the process group, then SIGKILL after the grace period (AXON_STOP_GRACE_S)', async () => {
  const home = tmpDir();
  // The grace period a user sets for a long checkpoint, here shortened.
  process.env.AXON_STOP_GRACE_S = '0.7';
  const engine = await Engine.start({ home }).finally(() => delete process.env.AXON_STOP_GRACE_S);
  try {
    // A child of the command that would outlive a plain kill of the shell: the group signal reaches it.
    const polite = projectWith('sleep 60 & wait');
    const stubborn = projectWith(
      `trap "echo ignoring TERM" TERM; echo trap set; for i in $(seq 600); do sleep 0.1; done`,
    );
    const ids: number[] = [];
    for (const p of [polite, stubborn]) {
      ids.push(await start(engine, p.file, p.dir));
    }
    await waitFor(
      async () =>
        (await Promise.all(ids.map((id) => engine.call('experiments.get', { id })))).every(
          (x) => x.status === 'running',
        ),
      10_000,
      'running',
    );
    // The stubborn command has its trap before it is stopped.
    await waitFor(
      async () => /trap set/.test((await engine.call('experiments.logs', { id: ids[1] })).text),
      10_000,
      'the trap',
    );
    const t0 = Date.now();
    await Promise.all(ids.map((id) => engine.call('experiments.stop', { id })));
    const done = await Promise.all(ids.map((id) => ended(engine, id)));
    assert.deepEqual(
      done.map((x) => x.status),
      ['stopped', 'stopped'],
    );
    assert.equal(done[0].statusReason, 'stopped by user');
    assert.ok(Date.now() - t0 >= 600, 'the stubborn run needed the SIGKILL after the grace period');
    const stubbornLog = (await engine.call('experiments.logs', { id: ids[1] })).text;
    assert.match(stubbornLog, /ignoring TERM/);
    // Not a clean stop, and both the log and the reason say so (a checkpoint cut short looked clean).
    assert.match(stubbornLog, /\[axon\] still running 0\.7 s after SIGTERM: SIGKILL to pid \d+/);
    assert.match(
      done[1].statusReason ?? '',
      /^stopped by user; killed \(SIGKILL\) 0\.7 s after its SIGTERM$/,
    );
  } finally {
    await engine.close();
  }
});

test('a run that ends while no engine is running gets its real exit code from the wrapper', async () => {
  const home = tmpDir();
  const { dir, file } = projectWith(`echo started; ${until('go')}; echo finishing; exit 4`);
  let engine = await Engine.start({ home });
  const id = await start(engine, file, dir);
  await waitFor(async () => (await engine.call('experiments.get', { id })).status === 'running', 10_000);
  const [job] = await engine.store.jobs.forExperiment(id);
  await engine.close(); // the engine goes away; the job does not
  // The command finishes now, while no engine runs; the wrapper then writes the exit record.
  fs.writeFileSync(path.join(dir, 'go'), '');
  const record = exitFile(paths(home).runDir(id), job.id);
  await waitFor(async () => fs.existsSync(record) && fs.readFileSync(record, 'utf8').endsWith('\n'), 30_000);
  engine = await Engine.start({ home });
  try {
    const x = await engine.call('experiments.get', { id });
    assert.equal(x.status, 'failed');
    assert.equal(x.statusReason, 'exit code 4');
    assert.match((await engine.call('experiments.logs', { id })).text, /started\nfinishing\n/);
  } finally {
    await engine.close();
  }
});

test('a run still going when the engine comes back is re-attached and followed to its end', async () => {
  const home = tmpDir();
  // Metrics 1-3, then 4-6 once `a` exists (written while no engine runs), then 7-10 once `b` exists.
  const metrics = (from: number, to: number) =>
    `for i in $(seq ${from} ${to}); do echo "@@axon {\\"metrics\\":{\\"m\\":$i}}"; echo $i >> done.txt; done`;
  const { dir, file } = projectWith(
    `${metrics(1, 3)}; ${until('a')}; ${metrics(4, 6)}; ${until('b')}; ${metrics(7, 10)}`,
  );
  let engine = await Engine.start({ home });
  const id = await start(engine, file, dir);
  await waitFor(async () => (await engine.call('experiments.metrics', { id })).length >= 3, 10_000);
  await engine.close();
  fs.writeFileSync(path.join(dir, 'a'), '');
  const progress = path.join(dir, 'done.txt');
  await waitFor(
    async () => fs.existsSync(progress) && fs.readFileSync(progress, 'utf8').split('\n').includes('6'),
    30_000,
    'metrics 4-6 written while no engine runs',
  );
  engine = await Engine.start({ home });
  try {
    assert.equal((await engine.call('experiments.get', { id })).status, 'running');
    fs.writeFileSync(path.join(dir, 'b'), '');
    const x = await ended(engine, id);
    assert.equal(x.status, 'succeeded');
    const m = await engine.call('experiments.metrics', { id });
    assert.deepEqual(
      m.map((p) => p.value),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.deepEqual(
      m.map((p) => p.step),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
  } finally {
    await engine.close();
  }
});

test('a run whose wrapper was killed while no engine ran is failed with reason "lost"', async () => {
  const home = tmpDir();
  const { dir, file } = projectWith('sleep 30');
  let engine = await Engine.start({ home });
  const id = await start(engine, file, dir);
  await waitFor(async () => (await engine.call('experiments.get', { id })).status === 'running', 10_000);
  const [job] = await engine.store.jobs.forExperiment(id);
  await engine.close();
  process.kill(-job.pid!, 'SIGKILL');
  await waitFor(async () => !isAlive(job.pid!, job.pid_start!), 10_000, 'the wrapper to die');
  engine = await Engine.start({ home });
  try {
    const x = await engine.call('experiments.get', { id });
    assert.equal(x.status, 'failed');
    assert.match(x.statusReason ?? '', /^lost/);
  } finally {
    await engine.close();
  }
});

test('one engine owns an AXON_HOME: a second one is refused with a clear message', async () => {
  const home = tmpDir();
  const engine = await Engine.start({ home });
  try {
    await assert.rejects(
      Engine.start({ home }),
      (e: Error) => e instanceof LockedError && e.message.includes(`pid ${process.pid}`),
    );
  } finally {
    await engine.close();
  }
  const again = await Engine.start({ home });
  await again.close();
});

test('an invalid polyaxonfile is refused with file, line and field, and creates nothing', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const text =
      'version: 1\nkind: experiment\nrun:\n  cmd: true\nenvironment:\n  resources:\n    cpu: {requests: 1, limit: 2}\n';
    await assert.rejects(
      engine.call('runs.create', { files: [{ name: 'bad.yml', text }], params: {}, codePath: tmpDir() }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'invalid_spec');
        assert.match(e.message, /^bad\.yml:7:\d+ environment\.resources\.cpu/m);
        return true;
      },
    );
    assert.equal((await engine.call('experiments.list', {})).length, 0);
    assert.equal((await engine.call('projects.list', {})).length, 0);
  } finally {
    await engine.close();
  }
});

test('a launch cut short by a crash is finished on restart, and a started process is never started twice', async () => {
  const home = tmpDir();
  const { dir, file } = projectWith('echo ran >> runs.txt; sleep 1');
  // 1. The engine stopped after the process started but before its pid was stored.
  let engine = await Engine.start({ home });
  const id = await start(engine, file, dir);
  await waitFor(async () => (await engine.call('experiments.get', { id })).status === 'running', 10_000);
  await engine.store.db.transaction(() =>
    engine.store.db.run('UPDATE jobs SET pid = NULL, pid_start = NULL'),
  );
  await engine.close();
  // 2. The engine stopped after scheduling an experiment, before any job existed.
  const { Store } = await import('../../main/engine/store');
  const store = await Store.open(path.join(home, 'axon.db'));
  const second = await store.db.transaction(() =>
    store.experiments.insert({
      projectId: 1,
      groupId: null,
      name: null,
      backend: 'local',
      cmd: 'echo second >> runs.txt',
      spec: {},
      params: {},
      tags: [],
      codePath: dir,
    }),
  );
  await store.statuses.experiment(second, 'scheduled');
  await store.close();
  engine = await Engine.start({ home });
  try {
    const [a, b] = await Promise.all([ended(engine, id), ended(engine, second)]);
    assert.equal(a.status, 'succeeded');
    assert.equal(b.status, 'succeeded');
    assert.deepEqual(fs.readFileSync(path.join(dir, 'runs.txt'), 'utf8').split('\n').filter(Boolean).sort(), [
      'ran',
      'second',
    ]);
  } finally {
    await engine.close();
  }
});

test('resources of running local jobs are sampled into the store: CPU of each process group and memory', async () => {
  // Both run until the test writes `stop` (or for a minute at most, should the test fail first).
  const busy = projectWith(
    `node -e "const fs = require('fs'), t = Date.now(); while (!fs.existsSync('stop') && Date.now() - t < 60000) {}"`,
  );
  const idle = projectWith(until('stop', 0.5));
  const stop = () => [busy, idle].forEach((p) => fs.writeFileSync(path.join(p.dir, 'stop'), ''));
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const ids = [await start(engine, busy.file, busy.dir), await start(engine, idle.file, idle.dir)];
    for (const id of ids)
      await waitFor(async () => (await engine.call('experiments.get', { id })).status === 'running', 10_000);
    await engine.monitor.tick();
    await new Promise((r) => setTimeout(r, 800));
    await engine.monitor.tick();
    const [b, i] = await Promise.all(
      ids.map(async (id) => (await engine.call('experiments.resources', { id })).at(-1)!),
    );
    // Under load the busy job gets less than a CPU, but always far more than a sleeping one.
    assert.ok(b.cpuPercent !== null && i.cpuPercent !== null, 'two samples give a CPU figure');
    assert.ok(b.cpuPercent > i.cpuPercent + 5, `busy ${b.cpuPercent}% vs sleeping ${i.cpuPercent}%`);
    assert.ok(i.cpuPercent < 5, `sleeping ${i.cpuPercent}%`);
    assert.ok(b.memoryBytes !== null && b.memoryBytes > 5 * 1024 * 1024, `rss ${b.memoryBytes}`);
    stop();
    await Promise.all(ids.map((id) => ended(engine, id)));
  } finally {
    stop();
    await engine.close();
  }
});

test('a launch interrupted by an error after the process started is recovered, not left unwatched', async () => {
  const { dir, file } = projectWith(
    'echo ran-once >> runs.txt; echo "@@axon {\\"metrics\\":{\\"m\\":1}}"; sleep 0.5',
  );
  const engine = await Engine.start({ home: tmpDir() });
  const jobs = engine.store.jobs;
  const original = jobs.setHandle.bind(jobs);
  let failed = 0;
  jobs.setHandle = async (...args: Parameters<typeof original>) => {
    if (failed++ === 0) throw new Error('database is locked (simulated)');
    return original(...args);
  };
  try {
    const id = await start(engine, file, dir);
    const x = await ended(engine, id);
    assert.equal(x.status, 'succeeded', `${x.statusReason}`);
    assert.equal(x.lastMetrics.m, 1);
    assert.equal(fs.readFileSync(path.join(dir, 'runs.txt'), 'utf8'), 'ran-once\n');
    assert.ok(failed >= 2, 'the handle was stored on recovery');
  } finally {
    jobs.setHandle = original;
    await engine.close();
  }
});

test('a run of a few seconds that nobody watches still gets CPU figures: a young job is sampled every second', async () => {
  const short = projectWith(`node -e "const t = Date.now(); while (Date.now() - t < 4000) {}"`);
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const id = await start(engine, short.file, short.dir);
    assert.equal(engine.events.listenerCount('resources.sampled'), 0, 'nobody watches');
    assert.equal((await ended(engine, id)).status, 'succeeded');
    const samples = await engine.call('experiments.resources', { id });
    // At 10 s intervals a 4 s run would have at most one sample, and so no CPU figure at all.
    assert.ok(samples.length >= 2, `${samples.length} samples`);
    assert.ok(
      samples.some((s) => s.cpuPercent !== null && s.cpuPercent > 10),
      JSON.stringify(samples),
    );
  } finally {
    await engine.close();
  }
});

test('stop delivers one SIGTERM to the program: its handler runs once (the group and the mark do not both send it)', async () => {
  const engine = await Engine.start({ home: tmpDir(), stopGraceMs: 5000 });
  try {
    const p = projectWith('python3 term.py');
    fs.writeFileSync(
      path.join(p.dir, 'term.py'),
      [
        'import signal, sys, time',
        'n = 0',
        'def handler(*_):',
        '    global n',
        '    n += 1',
        '    print(f"TERM {n}", flush=True)',
        '    time.sleep(0.5)  # a checkpoint being written: a second SIGTERM would land inside it',
        '    sys.exit(0)',
        'signal.signal(signal.SIGTERM, handler)',
        'print("ready", flush=True)',
        'while True:',
        '    time.sleep(0.05)',
      ].join('\n'),
    );
    const id = await start(engine, p.file, p.dir);
    await waitFor(
      async () => /ready/.test((await engine.call('experiments.logs', { id })).text),
      10_000,
      'ready',
    );
    await engine.call('experiments.stop', { id });
    assert.equal((await ended(engine, id)).status, 'stopped');
    const log = (await engine.call('experiments.logs', { id })).text;
    assert.match(log, /TERM 1/);
    assert.doesNotMatch(log, /TERM 2/, log);
  } finally {
    await engine.close();
  }
});

test('a GPU request on the local backend is said in the log to reserve nothing', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const p = projectWith('echo hi', 'environment:\n  resources:\n    gpu: {requests: 1, limits: 1}\n');
    const id = await start(engine, p.file, p.dir);
    assert.equal((await ended(engine, id)).status, 'succeeded');
    assert.match(
      (await engine.call('experiments.logs', { id })).text,
      /^\[axon\] 1 GPU\(s\) requested: the local backend reserves none/m,
    );
  } finally {
    await engine.close();
  }
});
