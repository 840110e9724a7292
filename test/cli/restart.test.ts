// `axon experiment -xp N restart` on an experiment of a sweep that has ended: the new run starts and ends
// (it runs on its own, and the CLI says why) instead of waiting for ever; `axon group -g N delete` then
// deletes the group's experiments and leaves the restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cli, tmpDir } from '../helpers';

test('restarting an ended sweep’s experiment runs it, on its own, and says so', async () => {
  const home = tmpDir();
  const dir = tmpDir();
  fs.writeFileSync(
    path.join(dir, 'polyaxonfile.yml'),
    'version: 1\nkind: group\nhptuning:\n  matrix:\n    x:\n      values: [1, 2]\nrun:\n  cmd: echo x={{ x }}\n',
  );
  const sweep = await cli(['run', '-f', 'polyaxonfile.yml'], { home, cwd: dir });
  assert.equal(sweep.code, 0, sweep.stderr);
  const r = await cli(['experiment', '-xp', '1', 'restart'], { home, cwd: dir, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /experiment 3 created \(restart of 1; group 1 has ended, so it runs on its own\)/);
  assert.match(r.stdout + r.stderr, /x=1/);
  assert.match(r.stderr, /experiment 3 succeeded/);
  const del = await cli(['group', '-g', '1', 'delete'], { home, cwd: dir });
  assert.equal(del.code, 0, del.stderr);
  assert.equal(del.stdout, 'group 1 deleted, with its 2 experiment(s)\n');
  const ps = await cli(['ps', '--json'], { home, cwd: dir });
  assert.deepEqual(
    (JSON.parse(ps.stdout) as Array<{ id: number }>).map((x) => x.id),
    [3],
  );
});

test('restart -P and resume -f run the experiment changed, say what changed, and refuse a mistake creating nothing', async () => {
  const home = tmpDir();
  const dir = tmpDir();
  fs.writeFileSync(
    path.join(dir, 'polyaxonfile.yml'),
    'version: 1\nkind: group\ndeclarations:\n  epochs: 2\nhptuning:\n  matrix:\n    x:\n      values: [1, 2]\n' +
      'run:\n  cmd: echo x={{ x }} epochs={{ epochs }}\n',
  );
  assert.equal((await cli(['run', '-f', 'polyaxonfile.yml'], { home, cwd: dir })).code, 0);
  const r = await cli(['experiment', '-xp', '1', 'restart', '-P', 'epochs=5'], { home, cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /experiment 3 created \(restart of 1; changed, it runs on its own, not as one of group 1's trials\)/,
  );
  assert.match(r.stderr, /params changed: epochs 2 → 5\n/);
  assert.match(r.stdout + r.stderr, /x=1 epochs=5/, "the sweep's value stays, the change applies");

  fs.writeFileSync(path.join(dir, 'more.yml'), 'run:\n  cmd: echo more x={{ x }} epochs={{ epochs }}\n');
  const f = await cli(['experiment', '-xp', '3', 'resume', '-f', 'more.yml', '-P', 'x=7'], {
    home,
    cwd: dir,
  });
  assert.equal(f.code, 0, f.stderr);
  assert.match(f.stdout + f.stderr, /more x=7 epochs=5/, 'the override file and the first change both hold');

  const before = JSON.parse((await cli(['ps', '--json'], { home, cwd: dir })).stdout) as unknown[];
  const bad = await cli(['experiment', '-xp', '1', 'restart', '-P', 'epoch=5'], { home, cwd: dir });
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /-P epoch: expected a param the file declares or uses \(epochs, x\)/);
  fs.writeFileSync(path.join(dir, 'broken.yml'), 'run:\n  cmd: [echo\n');
  const broken = await cli(['experiment', '-xp', '1', 'restart', '-f', 'broken.yml'], { home, cwd: dir });
  assert.equal(broken.code, 2, broken.stderr);
  assert.match(broken.stderr, /broken\.yml:\d+:\d+ expected valid YAML/);
  const after = JSON.parse((await cli(['ps', '--json'], { home, cwd: dir })).stdout) as unknown[];
  assert.equal(after.length, before.length, 'nothing created');
});
