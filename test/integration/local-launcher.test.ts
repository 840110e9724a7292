// The local backend's launcher (a long-lived bash that starts jobs so the engine never forks itself): a job
// started through it sees what a job spawned directly sees, survives the launcher's death, and a wrapper killed
// outright is noticed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { LocalBackend } from '../../main/engine/backends/local/local-backend';
import { isDone } from '../../shared/statuses';
import type { Experiment } from '../../shared/domain';
import { projectWith, tmpDir, waitFor, sleep } from '../helpers';

const linux = process.platform === 'linux';

async function run(engine: Engine, cmd: string): Promise<Experiment> {
  const { dir, file } = projectWith(cmd);
  const c = await engine.call('runs.create', {
    files: [{ name: path.basename(file), text: fs.readFileSync(file, 'utf8') }],
    params: {},
    codePath: dir,
  });
  const id = c.kind === 'experiment' ? c.experiment.id : 0;
  return waitFor(
    async () => {
      const x = await engine.call('experiments.get', { id });
      return isDone(x.status) ? x : null;
    },
    30_000,
    `experiment ${id} to end`,
  );
}

// What the command can observe of how it was started; SHLVL and `_` are bash's own bookkeeping.
const PROBE = [
  'echo "args=$0 $#"',
  'echo "pwd=$PWD"',
  'grep -E "^(SigIgn|SigBlk)" /proc/self/status',
  'read -r pid pgid sid < <(ps -o pid=,pgid=,sid= -p $PPID)',
  'echo "wrapper leads its group: $([ "$pid" = "$pgid" ] && echo yes || echo no)"',
  'echo "own session: $([ "$sid" != "$AXON_TEST_ENGINE_SID" ] && echo yes || echo no)"',
  'env | grep -vE "^(SHLVL|_|OLDPWD)=" | sort',
].join('; ');

test(
  'a job started by the launcher sees what a directly spawned job sees: args, cwd, signals, group, environment',
  { skip: !linux && 'the launcher runs on Linux only' },
  async () => {
    process.env.AXON_TEST_ENGINE_SID = String(
      fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[3],
    );
    process.env.AXON_TEST_CHANGED = 'before';
    process.env.AXON_TEST_REMOVED = 'present';
    const outputs: string[] = [];
    try {
      for (const launcher of [true, false]) {
        const local = new LocalBackend({ launcher });
        const engine = await Engine.start({ home: tmpDir(), backends: { local } });
        try {
          // The first job starts the launcher with the environment of that moment; later changes must reach jobs.
          assert.equal((await run(engine, 'true')).status, 'succeeded');
          assert.equal(local.launcherPid !== null, launcher, 'a launcher runs only when asked for');
          process.env.AXON_TEST_CHANGED = 'after';
          delete process.env.AXON_TEST_REMOVED;
          process.env.AXON_TEST_ADDED = 'it is $HOME, "quoted"\nand multi-line, é 🧪 x=y';
          // The launcher runs with LC_ALL=C (it reads requests by byte count): the job gets the engine's.
          process.env.LC_ALL = 'C.UTF-8';
          const x = await run(engine, PROBE);
          assert.equal(x.status, 'succeeded', `${x.statusReason}`);
          const text = (await engine.call('experiments.logs', { id: x.id })).text;
          // Per-run values differ between the two engines; the rest must be identical.
          outputs.push(
            text
              .replace(/^(AXON_[A-Z_]+|POLYAXON_[A-Z_]+|PWD|pwd)=.*$/gm, '$1=…')
              .replace(/\/tmp\/\S+/g, 'TMP'),
          );
          assert.match(text, /^AXON_TEST_CHANGED=after$/m);
          assert.doesNotMatch(text, /AXON_TEST_REMOVED/);
          assert.match(text, /^AXON_TEST_ADDED=it is \$HOME, "quoted"$/m);
          assert.match(text, /^and multi-line, é 🧪 x=y$/m, 'multi-byte text arrives whole');
          assert.match(text, /^LC_ALL=C\.UTF-8$/m);
          assert.match(text, /wrapper leads its group: yes/);
          assert.match(text, /own session: yes/);
          assert.match(text, /^SigIgn:\s+0+$/m, 'commands the job runs start with no signal ignored');
          assert.match(text, /^SigBlk:\s+0+$/m, 'and none blocked');
          assert.match(text, /^args=\/bin\/bash 0$/m);
        } finally {
          await engine.close();
          process.env.AXON_TEST_CHANGED = 'before';
          process.env.AXON_TEST_REMOVED = 'present';
          delete process.env.AXON_TEST_ADDED;
          delete process.env.LC_ALL;
        }
      }
      assert.equal(outputs[0], outputs[1], 'launcher and direct spawn give the job the same view');
    } finally {
      for (const k of [
        'AXON_TEST_ENGINE_SID',
        'AXON_TEST_CHANGED',
        'AXON_TEST_REMOVED',
        'AXON_TEST_ADDED',
        'LC_ALL',
      ])
        delete process.env[k];
    }
  },
);

test(
  "a job whose environment holds the launcher's separator byte (0x1f) is spawned directly, with that value; jobs keep the engine's locale",
  { skip: !linux && 'the launcher runs on Linux only' },
  async () => {
    process.env.AXON_TEST_US = 'a\x1fb';
    // Exported before the launcher starts: the launcher's own LC_ALL=C must not reach jobs.
    process.env.LC_ALL = 'C.UTF-8';
    const local = new LocalBackend({ launcher: true });
    const engine = await Engine.start({ home: tmpDir(), backends: { local } });
    try {
      const first = await run(engine, 'echo "LC_ALL=$LC_ALL"; printf é | wc -m');
      assert.equal(first.status, 'succeeded');
      assert.match(
        (await engine.call('experiments.logs', { id: first.id })).text,
        /^LC_ALL=C\.UTF-8\n1$/m,
        "the job runs in the engine's locale (é is one character)",
      );
      const launcher = local.launcherPid;
      assert.ok(launcher, 'the first job went through the launcher');
      const x = await run(engine, 'printf "%s" "$AXON_TEST_US" | od -An -c');
      assert.equal(x.status, 'succeeded', `${x.statusReason}`);
      const text = (await engine.call('experiments.logs', { id: x.id })).text;
      assert.match(text, /a\s+037\s+b/, 'the value arrives byte for byte');
      assert.equal(local.launcherPid, launcher, 'the launcher is still there for the jobs after it');
    } finally {
      await engine.close();
      delete process.env.AXON_TEST_US;
      delete process.env.LC_ALL;
    }
  },
);

test(
  'the launcher killed mid-sweep: its jobs are followed to their end, the rest start through a new one, none twice',
  { skip: !linux && 'the launcher runs on Linux only' },
  async () => {
    const local = new LocalBackend({ launcher: true });
    const engine = await Engine.start({ home: tmpDir(), backends: { local } });
    const dir = tmpDir('axon-proj-');
    const n = 24;
    const text = [
      'version: 1',
      'kind: group',
      'hptuning:',
      '  concurrency: 4',
      `  random_search: {n_experiments: ${n}}`,
      '  matrix:',
      '    x: {uniform: [0, 1]}',
      'run:',
      '  cmd: \'echo "$AXON_RUN_ID" >> runs.txt; echo "@@axon {\\"metrics\\":{\\"m\\":1}}"; sleep 0.3\'',
    ].join('\n');
    try {
      const c = await engine.call('runs.create', {
        files: [{ name: 'polyaxonfile.yml', text }],
        params: {},
        codePath: dir,
      });
      const gid = c.kind === 'group' ? c.group.id : 0;
      const killed: number[] = [];
      for (const after of [4, 12]) {
        await waitFor(
          async () =>
            (await engine.call('groups.get', { id: gid })).progress.running >= 3 &&
            fs.existsSync(path.join(dir, 'runs.txt')) &&
            fs.readFileSync(path.join(dir, 'runs.txt'), 'utf8').split('\n').length > after,
          30_000,
          `${after} runs`,
        );
        const pid = local.launcherPid;
        assert.ok(pid, 'a launcher runs');
        process.kill(pid, 'SIGKILL');
        killed.push(pid);
        await sleep(100);
      }
      const g = await waitFor(
        async () => {
          const g = await engine.call('groups.get', { id: gid });
          return g.status === 'done' || g.status === 'failed' ? g : null;
        },
        60_000,
        'the group to end',
      );
      assert.equal(g.progress.succeeded, n, JSON.stringify(g.progress));
      const ran = fs.readFileSync(path.join(dir, 'runs.txt'), 'utf8').split('\n').filter(Boolean);
      assert.equal(ran.length, n, `each experiment ran once: ${ran.join(' ')}`);
      assert.equal(new Set(ran).size, n, 'no experiment ran twice');
      const xs = await engine.call('experiments.list', { groupId: gid, limit: 100 });
      assert.ok(
        xs.every((x) => x.lastMetrics.m === 1),
        'every metric line was read',
      );
      assert.notEqual(local.launcherPid, killed[1], 'a new launcher took over');
    } finally {
      await engine.close();
    }
  },
);

test('a job whose whole process group is killed outright while the engine runs fails instead of hanging', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const { dir, file } = projectWith('sleep 30');
    const c = await engine.call('runs.create', {
      files: [{ name: 'polyaxonfile.yml', text: fs.readFileSync(file, 'utf8') }],
      params: {},
      codePath: dir,
    });
    const id = c.kind === 'experiment' ? c.experiment.id : 0;
    await waitFor(async () => (await engine.call('experiments.get', { id })).status === 'running', 10_000);
    const [job] = await engine.store.jobs.forExperiment(id);
    assert.ok(job.pid, 'the job has a pid');
    const t0 = Date.now();
    process.kill(-job.pid, 'SIGKILL');
    const x = await waitFor(
      async () => {
        const x = await engine.call('experiments.get', { id });
        return isDone(x.status) ? x : null;
      },
      10_000,
      'the experiment to end',
    );
    assert.equal(x.status, 'failed');
    assert.match(x.statusReason ?? '', /^lost|SIGKILL/);
    assert.ok(Date.now() - t0 < 5000, `noticed after ${Date.now() - t0} ms`);
  } finally {
    await engine.close();
  }
});
