// The CLI without `axon serve`: work it starts goes on after it exits (a background engine follows it and exits
// when idle), read commands answer at once whatever runs, and an attached run outlives its engine. Real child
// processes: the `axon` binary, its background engine, the jobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cli, sleep, startServe, tmpDir, waitFor } from '../helpers';

/** A project whose polyaxonfile runs `cmd`; `release()` lets a job waiting on the file `release` end. */
function gated(cmd: string, kind: 'experiment' | 'group' = 'experiment') {
  const dir = tmpDir('axon-bg-');
  const text =
    kind === 'experiment'
      ? `version: 1\nkind: experiment\nrun:\n  cmd: ${cmd}\n`
      : `version: 1\nkind: group\nhptuning:\n  concurrency: 1\n  matrix:\n    x:\n      values: [1, 2, 3]\nrun:\n  cmd: ${cmd}\n`;
  fs.writeFileSync(path.join(dir, 'polyaxonfile.yml'), text);
  return { dir, file: 'polyaxonfile.yml', release: () => fs.writeFileSync(path.join(dir, 'release'), '') };
}

const WAIT = 'while [ ! -e release ]; do sleep 0.1; done';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const address = (home: string): { pid: number } | null => {
  try {
    return JSON.parse(fs.readFileSync(path.join(home, 'engine.json'), 'utf8')) as { pid: number };
  } catch {
    return null;
  }
};

async function list(home: string, env: Record<string, string> = {}) {
  const ps = await cli(['ps', '--json'], { home, env });
  assert.equal(ps.code, 0, ps.stderr);
  return JSON.parse(ps.stdout) as Array<{ id: number; status: string; lastMetrics: Record<string, number> }>;
}

test('read commands answer while a detached run runs, with or without a background engine', async () => {
  for (const env of [{}, { AXON_NO_BACKGROUND: '1' }] as Array<Record<string, string>>) {
    const home = tmpDir();
    const p = gated(`echo started; ${WAIT}`);
    const r = await cli(['run', '-f', p.file, '--detach'], { home, cwd: p.dir, env });
    assert.equal(r.code, 0, r.stderr);
    // The job never ends until released: a read command that waited for it would time out here.
    await waitFor(async () => (await list(home, env))[0]?.status === 'running', 30_000, 'running');
    for (const args of [['info'], ['project', 'ls'], ['experiment', '-xp', '1', 'get']]) {
      const c = await cli(args, { home, env, timeoutMs: 20_000 });
      assert.equal(c.code, 0, `${args.join(' ')}: ${c.stderr}`);
    }
    assert.equal((await list(home, env))[0].status, 'running', 'the run still runs: nobody waited for it');
    p.release();
    await waitFor(async () => (await list(home, env))[0]?.status === 'succeeded', 30_000, 'the run to end');
  }
});

test('a sweep started with --detach finishes after the command exits; its background engine then exits', async () => {
  const home = tmpDir();
  const p = gated(`${WAIT}; echo "@@axon {\\"metrics\\":{\\"y\\":{{ x }}}}"`, 'group');
  const r = await cli(['run', '-f', p.file, '--detach'], { home, cwd: p.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /started a background engine \(pid (\d+)\)/);
  const pid = Number(/pid (\d+)/.exec(r.stderr)![1]);
  p.release(); // the command and its terminal are gone: the engine alone runs the three trials in turn
  const done = await waitFor(
    async () => {
      const xs = await list(home);
      return xs.length === 3 && xs.every((x) => x.status === 'succeeded') ? xs : null;
    },
    60_000,
    'the three trials',
  );
  assert.deepEqual(done.map((x) => x.lastMetrics.y).sort(), [1, 2, 3]);
  await waitFor(async () => address(home) === null, 30_000, 'the idle engine to go');
  await waitFor(async () => !isAlive(pid), 10_000, 'its process to exit');
});

test('an attached run outlives its engine: killed mid-run, the CLI says so, reconnects and prints every line', async () => {
  const home = tmpDir();
  const p = gated(`for i in 1 2 3; do echo "line $i"; done; ${WAIT}; echo "line 4"`);
  const attached = cli(['run', '-f', p.file], { home, cwd: p.dir, env: { AXON_QUIET: '0' } });
  await waitFor(async () => (await list(home))[0]?.status === 'running', 30_000, 'running');
  const first = address(home)!.pid;
  process.kill(first, 'SIGKILL');
  await waitFor(async () => !isAlive(first), 10_000, 'the engine to die');
  p.release();
  const r = await attached;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /went away; reconnecting/);
  assert.deepEqual(
    r.stdout.split('\n').filter((l) => l.startsWith('line ')),
    ['line 1', 'line 2', 'line 3', 'line 4'],
    'nothing lost, nothing doubled',
  );
  assert.notEqual(address(home)?.pid ?? null, first, 'another engine took over');
});

test('work left with no engine (in-process run, then gone) is handed to a background engine by the next command', async () => {
  const home = tmpDir();
  const p = gated(`${WAIT}; echo "@@axon {\\"metrics\\":{\\"y\\":{{ x }}}}"`, 'group');
  const inProcess = { AXON_NO_BACKGROUND: '1' };
  const r = await cli(['run', '-f', p.file, '--detach'], { home, cwd: p.dir, env: inProcess });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(address(home), null, 'no engine serves: the group waits');
  const ps = await cli(['ps'], { home, env: { AXON_QUIET: '0' } });
  assert.equal(ps.code, 0, ps.stderr);
  assert.match(ps.stderr, /a background engine \(pid \d+\) took them/);
  p.release();
  await waitFor(
    async () => (await list(home)).filter((x) => x.status === 'succeeded').length === 3,
    60_000,
    'the group to finish under the background engine',
  );
});

test('a command whose engine is stopped (SIGSTOP, a laptop asleep) says so and waits; it answers once the engine resumes', async () => {
  const home = tmpDir();
  const served = await startServe(home);
  try {
    served.proc.kill('SIGSTOP');
    const ps = cli(['ps'], { home, env: { AXON_SLOW_ENGINE_MS: '500' } });
    await sleep(2000);
    served.proc.kill('SIGCONT');
    const r = await ps;
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `the engine serving this AXON_HOME \\(pid ${served.proc.pid}\\) has not answered in 0.5 s: it is stopped ` +
          `\\(suspended: SIGSTOP, or a laptop asleep\\); \`kill -CONT ${served.proc.pid}\` resumes it`,
      ),
    );
    assert.equal(r.stderr.match(/has not answered/g)?.length, 1, 'said once');
  } finally {
    served.proc.kill('SIGCONT');
    await served.stop();
  }
});

test('AXON_STOP_GRACE_S given to a command while another engine serves: the command says that engine keeps its own', async () => {
  const home = tmpDir();
  const served = await startServe(home, { env: { AXON_STOP_GRACE_S: '5' } });
  try {
    const note = /stops runs with a (\S+) s grace period, not the (\S+) s of AXON_STOP_GRACE_S here/;
    const other = await cli(['ps'], { home, env: { AXON_STOP_GRACE_S: '60' } });
    assert.equal(other.code, 0, other.stderr);
    const m = other.stderr.match(note);
    assert.deepEqual(m?.slice(1), ['5', '60'], other.stderr);
    assert.match(
      other.stderr,
      new RegExp(`\\(pid ${served.proc.pid}\\).*stop that engine \\(pid ${served.proc.pid}: \`axon serve\``),
    );
    for (const env of [{ AXON_STOP_GRACE_S: '5' }, { AXON_STOP_GRACE_S: '' }]) {
      const same = await cli(['ps'], { home, env });
      assert.equal(same.code, 0, same.stderr);
      assert.doesNotMatch(same.stderr, note, JSON.stringify(env));
    }
  } finally {
    await served.stop();
  }
});
