// `axon check` as a user runs it, against `axon run` on the same file: the same problems, the same planned
// count, the first command the run really makes (or said to be an example), every problem at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cli, tmpDir } from '../helpers';

/** A folder holding the given polyaxonfiles. */
function folder(files: Record<string, string>): string {
  const dir = tmpDir('axon-check-');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

// Work stays in-process and waits: `run --detach` only creates the run.
const CREATE_ONLY = { AXON_NO_BACKGROUND: '1' };

const random = (seed: string) =>
  `version: 1\nkind: group\nhptuning:\n  concurrency: 2\n${seed}  random_search: {n_experiments: 5}\n  matrix:\n    x1: {uniform: -5:10}\n    x2: {uniform: 0:15}\nrun:\n  cmd: echo --x1={{ x1 }} --x2={{ x2 }}\n`;

test("axon check shows the seeded sweep's real first command, and says when it is only an example", async () => {
  const dir = folder({ 'seeded.yml': random('  seed: 7\n'), 'unseeded.yml': random('') });
  const home = tmpDir();
  const checked = await cli(['check', '-f', 'seeded.yml'], { home, cwd: dir });
  assert.equal(checked.code, 0, checked.stderr);
  const shown = /^first command\t(.*)$/m.exec(checked.stdout)?.[1];
  assert.ok(shown, checked.stdout);
  const run = await cli(['run', '--detach', '-f', 'seeded.yml'], { home, cwd: dir, env: CREATE_ONLY });
  assert.equal(run.code, 0, run.stderr);
  const ps = JSON.parse((await cli(['ps', '--json'], { home, env: CREATE_ONLY })).stdout) as Array<{
    id: number;
    cmd: string;
  }>;
  assert.equal(shown, ps.sort((a, b) => a.id - b.id)[0].cmd);

  const unseeded = await cli(['check', '-f', 'unseeded.yml'], { home, cwd: dir });
  assert.equal(unseeded.code, 0, unseeded.stderr);
  assert.match(
    unseeded.stdout,
    /^first command \(an example: no seed is set, each run draws its own\)\techo --x1=/m,
  );
});

test('axon check and axon run agree: a file with no command, or of a kind Axon does not run, is an error of both', async () => {
  const dir = folder({
    'norun.yml': 'version: 1\nkind: experiment\n',
    'notebook.yml': 'version: 1\nkind: notebook\nbuild:\n  image: python:3\n',
  });
  const home = tmpDir();
  for (const [file, says] of [
    ['norun.yml', /norun\.yml:1:1 run\.cmd: expected the command to run/],
    ['notebook.yml', /notebook\.yml:2:\d+ kind: expected a kind Axon runs \(experiment, job, group/],
  ] as const) {
    const check = await cli(['check', '-f', file], { home, cwd: dir });
    assert.equal(check.code, 2, `check ${file}: ${check.stdout}`);
    assert.match(check.stderr, says);
    const run = await cli(['run', '--detach', '-f', file], { home, cwd: dir, env: CREATE_ONLY });
    assert.equal(run.code, 2, `run ${file}: ${run.stderr}`);
    assert.match(run.stderr, says);
  }
});

test('random search over a small discrete space: check and run both plan the 3 experiments it makes', async () => {
  const dir = folder({
    'capped.yml':
      'version: 1\nkind: group\nhptuning:\n  random_search: {n_experiments: 300}\n  matrix:\n    a: {values: [1, 2, 3]}\nrun:\n  cmd: echo {{ a }}\n',
  });
  const home = tmpDir();
  const check = await cli(['check', '-f', 'capped.yml'], { home, cwd: dir });
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /^experiments\t3$/m);
  const run = await cli(['run', '--detach', '-f', 'capped.yml'], { home, cwd: dir, env: CREATE_ONLY });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /random search, 3 experiments planned/);
});

test('axon check reports an undefined template name together with an invalid matrix entry', async () => {
  const dir = folder({
    'tmpl.yml':
      'version: 1\nkind: group\nhptuning:\n  matrix:\n    a: {range: 0:10:0}\nrun:\n  cmd: echo {{ a }} {{ lrr }}\n',
  });
  const r = await cli(['check', '-f', 'tmpl.yml'], { home: tmpDir(), cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^tmpl\.yml:5:\d+ hptuning\.matrix\.a\.range: expected .*step != 0/m);
  assert.match(r.stderr, /^tmpl\.yml:7:\d+ run\.cmd: expected a defined name in \{\{ lrr \}\}/m);
});

test('axon check warns when a -P value makes a template render nan, naming the param and the expression', async () => {
  const dir = folder({
    'exp.yml':
      'version: 1\nkind: experiment\ndeclarations:\n  lr: 0.1\nrun:\n  cmd: echo double={{ lr * 2 }}\n',
  });
  const r = await cli(['check', '-f', 'exp.yml', '-P', 'lr=abc'], { home: tmpDir(), cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^command\techo double=nan$/m);
  assert.match(
    r.stderr,
    /^axon: warning: exp\.yml:6:3 run\.cmd: \{\{ lr \* 2 \}\} renders as nan: lr is 'abc' \(from -P lr=abc\), not a number$/m,
  );
});

test('a container backend without an image is refused by run and by check --backend before anything is created', async () => {
  const dir = folder({
    'xp.yml': 'version: 1\nkind: experiment\nrun:\n  cmd: echo hi\n',
  });
  const home = tmpDir();
  const run = await cli(['run', '--detach', '-f', 'xp.yml', '--backend', 'docker'], {
    home,
    cwd: dir,
    env: CREATE_ONLY,
  });
  assert.equal(run.code, 2, run.stderr);
  assert.match(
    run.stderr,
    /xp\.yml:1:1 build: expected a build section with an image or a dockerfile \(the docker backend/,
  );
  const k8s = await cli(['check', '-f', 'xp.yml', '--backend', 'kubernetes'], { home, cwd: dir });
  assert.equal(k8s.code, 2);
  assert.match(k8s.stderr, /xp\.yml:1:1 build: expected .*\(the kubernetes backend/);
  // Without --backend, or for the local backend, the same file is fine.
  assert.equal((await cli(['check', '-f', 'xp.yml'], { home, cwd: dir })).code, 0);
  assert.equal((await cli(['check', '-f', 'xp.yml', '--backend', 'local'], { home, cwd: dir })).code, 0);
  const typo = await cli(['run', '-f', 'xp.yml', '--backend', 'dokcer'], {
    home,
    cwd: dir,
    env: CREATE_ONLY,
  });
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /argument 'dokcer' is invalid\. Allowed choices are local, docker, kubernetes/);
  const ps = await cli(['ps', '--json'], { home, cwd: dir });
  assert.deepEqual(JSON.parse(ps.stdout), [], 'nothing was created');
});
