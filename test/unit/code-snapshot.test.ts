// A run's code version: a git folder (or one inside a repository) gives its commit; a plain folder gives a content
// hash without starting git at all (a process start per run); what could be a work tree still asks git.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mayBeGitWorkTree, snapshotCode } from '../../main/engine/code/snapshot';
import { scanContext } from '../../main/engine/builder/context';
import { Engine } from '../../main/engine/engine';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@t',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@t',
};
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'axon-snapshot-'));

test('a plain folder: no work tree is assumed, and the code is versioned by a content hash', async () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'train.py'), 'print(1)\n');
  assert.equal(mayBeGitWorkTree(dir, {}), false);
  const a = await snapshotCode(dir);
  assert.equal(a.kind, 'hash');
  fs.writeFileSync(path.join(dir, 'train.py'), 'print(2)\n');
  assert.match(String(a.contentHash), /^[0-9a-f]{64}$/);
  assert.notEqual((await snapshotCode(dir)).contentHash, a.contentHash, 'a change changes the hash');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a folder inside a git repository (a .git folder or file above it, or GIT_DIR) still asks git', async () => {
  const repo = tmp();
  const env = GIT_ENV;
  execFileSync('git', ['init', '-q'], { cwd: repo, env });
  fs.mkdirSync(path.join(repo, 'src', 'model'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'src', 'model', 'train.py'), 'print(1)\n');
  execFileSync('git', ['add', '.'], { cwd: repo, env });
  execFileSync('git', ['commit', '-qm', 'one'], { cwd: repo, env });
  const sub = path.join(repo, 'src', 'model');
  assert.equal(mayBeGitWorkTree(sub, {}), true);
  const ref = await snapshotCode(sub);
  assert.equal(ref.kind, 'git');
  assert.match(String(ref.commit), /^[0-9a-f]{40}$/);

  // A worktree or submodule has a .git file, not a folder.
  const wt = tmp();
  fs.writeFileSync(path.join(wt, '.git'), 'gitdir: /somewhere/else\n');
  assert.equal(mayBeGitWorkTree(wt, {}), true);
  // GIT_DIR makes any folder a work tree to git.
  const plain = tmp();
  assert.equal(mayBeGitWorkTree(plain, { GIT_DIR: path.join(repo, '.git') }), true);
  for (const d of [repo, wt, plain]) fs.rmSync(d, { recursive: true, force: true });
});

test('an Axon home inside the project (AXON_HOME=./.axon) is not its code: not hashed, not dirty, not built', async () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'train.py'), 'print(1)\n');
  const home = path.join(dir, 'my axon home'); // a space: git quotes such a path unless -z
  // A project's own SQLite file named axon.db (a fixture) is code: only a home has its runs folder beside it.
  fs.mkdirSync(path.join(dir, 'fixtures'));
  fs.writeFileSync(path.join(dir, 'fixtures', 'axon.db'), 'sqlite');
  const engine = await Engine.start({ home });
  await engine.call('projects.create', { name: 'p', codePath: dir });
  const before = await snapshotCode(dir);
  // A run's files and a busier database change nothing of the code.
  fs.mkdirSync(path.join(home, 'runs', '1', 'outputs'), { recursive: true });
  fs.writeFileSync(path.join(home, 'runs', '1', 'outputs', 'model.bin'), 'x'.repeat(1000));
  await engine.call('projects.create', { name: 'q', codePath: dir });
  await engine.close();
  assert.equal((await snapshotCode(dir)).contentHash, before.contentHash);
  assert.equal(before.fileCount, 2);
  const { entries } = await scanContext(dir);
  assert.deepEqual(
    entries.map((e) => e.rel),
    ['fixtures', 'fixtures/axon.db', 'train.py'],
    'the build context leaves the home out',
  );

  const env = GIT_ENV;
  execFileSync('git', ['init', '-q'], { cwd: dir, env });
  execFileSync('git', ['add', 'train.py', 'fixtures'], { cwd: dir, env });
  execFileSync('git', ['commit', '-qm', 'one'], { cwd: dir, env });
  const ref = await snapshotCode(dir);
  assert.equal(ref.kind, 'git');
  assert.equal(ref.dirty, false, String(ref.diff));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'new\n');
  const dirty = await snapshotCode(dir);
  assert.equal(dirty.dirty, true, 'another untracked file still is a change');
  assert.match(String(dirty.diff), /#\s+notes\.txt/);
  assert.doesNotMatch(String(dirty.diff), /axon home/);
  fs.rmSync(dir, { recursive: true, force: true });
});
