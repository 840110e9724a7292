// Polyaxon CLI habits a migrating user's scripts rely on: `group stop --pending`, `group statuses`,
// `project experiments|groups` with `-q`/`-s`/`-m`/`-d`, and an omitted `-xp`/`-g` meaning the newest of the
// folder's project. Real CLI processes on a real home, each with its background engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cli, tmpDir, waitFor } from '../helpers';

/** A grid sweep of `n` whose trials wait for `release` to exist, then exit with the number written in it. */
function gatedSweep(dir: string, name: string, n: number, release: string): string {
  const file = path.join(dir, `${name}.yml`);
  fs.writeFileSync(
    file,
    `version: 1\nkind: group\nhptuning:\n  concurrency: 2\n  matrix:\n    i:\n      range: 1:${n + 1}:1\n` +
      `run:\n  cmd: while [ ! -f ${release} ]; do sleep 0.1; done; exit $(cat ${release})\n`,
  );
  return file;
}

const json = <T>(r: { stdout: string }) => JSON.parse(r.stdout) as T;

test('group stop --pending stops what has not started, lets the running finish, and ends done (or stopped with no success)', async () => {
  const home = tmpDir();
  const dir = tmpDir();
  for (const [name, code, end] of [
    ['ok', '0', 'done'],
    ['bad', '1', 'stopped'],
  ] as const) {
    const release = path.join(dir, `${name}.release`);
    const run = await cli(['run', '-f', gatedSweep(dir, name, 6, release), '--detach'], { home, cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    const id = Number(/group (\d+) created/.exec(run.stderr)?.[1]);
    await waitFor(
      async () => {
        const xs = json<Array<{ status: string }>>(
          await cli(['group', '-g', `${id}`, 'experiments', '--json'], { home }),
        );
        return xs.filter((x) => x.status === 'running').length === 2;
      },
      30_000,
      'two trials running',
    );
    const stop = await cli(['group', '-g', `${id}`, 'stop', '--pending'], { home });
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /no new experiments; 4 stopped before they started, 2 running will finish/);
    // While the running ones finish, the group says its search ended and plans nothing more.
    const mid = json<{ status: string; statusMessage: string; planned: unknown }>(
      await cli(['group', '-g', `${id}`, 'get', '--json'], { home }),
    );
    assert.equal(mid.status, 'running');
    assert.match(mid.statusMessage, /^search ended: stopped by user/);
    assert.equal(mid.planned, null);
    fs.writeFileSync(release, code);
    const g = await waitFor(
      async () => {
        const g = json<{ status: string; statusMessage: string }>(
          await cli(['group', '-g', `${id}`, 'get', '--json'], { home }),
        );
        return ['done', 'failed', 'stopped'].includes(g.status) ? g : null;
      },
      30_000,
      `group ${id} to end`,
    );
    assert.equal(g.status, end, `${name}: ${g.statusMessage}`);
    assert.match(g.statusMessage, /stopped by user: its pending experiments/);
    const xs = json<Array<{ status: string; statusReason: string }>>(
      await cli(['group', '-g', `${id}`, 'experiments', '--json'], { home }),
    );
    assert.deepEqual(
      xs.map((x) => x.status).sort(),
      [...Array(2).fill(code === '0' ? 'succeeded' : 'failed'), ...Array(4).fill('stopped')].sort(),
    );
    assert.ok(xs.filter((x) => x.status === 'stopped').every((x) => x.statusReason === 'group stopped'));
    const st = await cli(['group', '-g', `${id}`, 'statuses'], { home });
    assert.equal(st.code, 0, st.stderr);
    assert.deepEqual(
      st.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split('\t')[1]),
      ['created', 'running', end],
      st.stdout,
    );
  }
});

test('project experiments and groups, with -q, -s, -m, -d; -xp and -g default to the newest of the linked project', async () => {
  const home = tmpDir();
  const dir = tmpDir();
  const none = await cli(['experiment', 'get'], { home, cwd: dir });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /-xp ID is required here: this folder is linked to no project \(axon init\)/);
  assert.equal((await cli(['init', 'habits'], { home, cwd: dir })).code, 0);
  fs.writeFileSync(
    path.join(dir, 'sweep.yml'),
    'version: 1\nkind: group\nhptuning:\n  matrix:\n    lr:\n      values: [0.1, 0.01, 0.001]\n' +
      'run:\n  cmd: echo lr={{ lr }}\n',
  );
  assert.equal((await cli(['run', '-f', 'sweep.yml'], { home, cwd: dir })).code, 0);
  fs.writeFileSync(path.join(dir, 'one.yml'), 'version: 1\nkind: experiment\nrun:\n  cmd: exit 3\n');
  assert.equal((await cli(['run', '-f', 'one.yml'], { home, cwd: dir })).code, 1);

  const get = await cli(['experiment', 'get', '--json'], { home, cwd: dir });
  assert.equal(get.code, 0, get.stderr);
  assert.equal(json<{ id: number }>(get).id, 4);
  assert.match(get.stderr, /experiment 4: the newest in project habits \(-xp ID for another\)/);
  const unnamed = await cli(['experiment', 'stop'], { home, cwd: dir });
  assert.equal(unnamed.code, 2, 'a stop acts on the run named only');
  assert.match(unnamed.stderr, /-xp ID is required to stop it: name the experiment/);
  const grp = await cli(['group', 'experiments', '--json'], { home, cwd: dir });
  assert.equal(json<unknown[]>(grp).length, 3);
  assert.match(grp.stderr, /group 1: the newest in project habits/);

  const sorted = await cli(['project', 'experiments', '-s', '-declarations.lr', '-d'], { home, cwd: dir });
  assert.equal(sorted.code, 0, sorted.stderr);
  const rows = sorted.stdout
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => l.split('\t'));
  assert.deepEqual(rows[0], ['id', 'name', 'group', 'status', 'lr']);
  assert.deepEqual(
    rows.slice(1).map((r) => r[4]),
    ['0.1', '0.01', '0.001', ''],
    'by lr descending, the one without lr last',
  );
  const q = await cli(
    ['project', 'experiments', 'habits', '-q', 'declarations.lr:<=0.01, status:succeeded', '--json'],
    {
      home,
      cwd: dir,
    },
  );
  assert.deepEqual(
    json<Array<{ params: { lr: number } }>>(q)
      .map((x) => x.params.lr)
      .sort(),
    [0.001, 0.01],
  );
  const ind = await cli(['project', 'experiments', '-i', '-q', 'status:~succeeded', '--json'], {
    home,
    cwd: dir,
  });
  assert.deepEqual(
    json<Array<{ id: number }>>(ind).map((x) => x.id),
    [4],
  );
  const noGroup = await cli(['project', 'experiments', '-g', '99'], { home, cwd: dir });
  assert.equal(noGroup.code, 1, 'a group that does not exist is an error, not an empty table');
  assert.match(noGroup.stderr, /no experiment group with id 99/);
  const bad = await cli(['project', 'experiments', '-q', 'loss:<1'], { home, cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /-q 'loss:<1': no field 'loss'; one of id, name, status/);

  const groups = await cli(['project', 'groups'], { home, cwd: dir });
  assert.equal(groups.code, 0, groups.stderr);
  assert.match(groups.stdout, /^1\t\tgrid\tdone\t3\/3 done, 0 running\t/m);
});
