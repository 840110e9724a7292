// Compare's code diff on real git repositories and plain folders: the diff between two runs' commits, the
// uncommitted changes each recorded, and honest notes where git cannot say more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { isDone } from '../../shared/statuses';
import { experimentEnd, tmpDir, waitFor } from '../helpers';

const FILE = 'version: 1\nkind: experiment\nrun:\n  cmd: cat train.py\n';

async function runIn(engine: Engine, dir: string): Promise<number> {
  const c = await engine.call('runs.create', {
    files: [{ name: 'p.yml', text: FILE }],
    params: {},
    codePath: dir,
  });
  if (c.kind !== 'experiment') throw new Error('expected an experiment');
  const id = c.experiment.id;
  await waitFor(async () => isDone((await engine.call('experiments.get', { id })).status), 20_000);
  return id;
}

const gitIn = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir });

test('code diff between two experiments: commits, uncommitted changes, same commit, no git', async () => {
  const repo = tmpDir('axon-codediff-');
  gitIn(repo, 'init', '-q');
  fs.writeFileSync(path.join(repo, 'train.py'), 'lr = 0.1\n');
  gitIn(repo, 'add', '.');
  gitIn(repo, 'commit', '-qm', 'one');
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const a = await runIn(engine, repo);
    const a2 = await runIn(engine, repo);
    fs.writeFileSync(path.join(repo, 'train.py'), 'lr = 0.01\n');
    gitIn(repo, 'commit', '-qam', 'two');
    const b = await runIn(engine, repo);
    fs.writeFileSync(path.join(repo, 'train.py'), 'lr = 0.5\n');
    const dirty = await runIn(engine, repo);

    const ab = await engine.call('experiments.codeDiff', { base: a, other: b });
    assert.equal(ab.same, false);
    assert.match(ab.commitDiff ?? '', /^-lr = 0\.1$/m);
    assert.match(ab.commitDiff ?? '', /^\+lr = 0\.01$/m);
    assert.equal(ab.baseUncommitted, null);

    const same = await engine.call('experiments.codeDiff', { base: a, other: a2 });
    assert.equal(same.same, true);
    assert.equal(same.commitDiff, '');
    assert.match(same.note ?? '', /^same commit [0-9a-f]{12}$/);

    const bd = await engine.call('experiments.codeDiff', { base: b, other: dirty });
    assert.equal(bd.same, false, 'same commit but uncommitted changes');
    assert.match(bd.otherUncommitted ?? '', /^\+lr = 0\.5$/m);

    const plain = tmpDir('axon-codediff-plain-');
    fs.writeFileSync(path.join(plain, 'train.py'), 'x = 1\n');
    const p1 = await runIn(engine, plain);
    fs.writeFileSync(path.join(plain, 'train.py'), 'x = 2\n');
    const p2 = await runIn(engine, plain);
    const hashes = await engine.call('experiments.codeDiff', { base: p1, other: p2 });
    assert.equal(hashes.same, false);
    assert.equal(hashes.commitDiff, null);
    assert.match(hashes.note ?? '', /not a git repository/);
  } finally {
    await engine.close();
  }
});

test("a sweep's trial that starts after the code was edited records the code it ran, not the code at creation", async () => {
  const repo = tmpDir('axon-codeat-');
  gitIn(repo, 'init', '-q');
  fs.writeFileSync(path.join(repo, 'train.py'), 'VERSION = "B"\n');
  gitIn(repo, 'add', '.');
  gitIn(repo, 'commit', '-q', '-m', 'B');
  const engine = await Engine.start({ home: tmpDir() });
  try {
    // Trial 1 waits for `go`; trial 2 starts only after it (concurrency 1), once train.py has changed.
    const text = [
      'version: 1',
      'kind: group',
      'hptuning:',
      '  concurrency: 1',
      '  matrix: {x: {values: [1, 2]}}',
      'run:',
      '  cmd: while [ ! -e go ]; do sleep 0.1; done; cat train.py',
    ].join('\n');
    const c = await engine.call('runs.create', {
      files: [{ name: 'g.yml', text }],
      params: {},
      codePath: repo,
    });
    if (c.kind !== 'group') throw new Error('expected a group');
    const [first, second] = c.experiments.map((x) => x.id).sort((p, q) => p - q);
    await waitFor(
      async () => (await engine.call('experiments.get', { id: first })).status === 'running',
      20_000,
    );
    await new Promise((r) => setTimeout(r, 2100)); // past the re-read threshold
    fs.writeFileSync(path.join(repo, 'train.py'), 'VERSION = "C"\n');
    fs.writeFileSync(path.join(repo, 'go'), '');
    const a = await experimentEnd(engine, first, 20_000);
    const b = await experimentEnd(engine, second, 20_000);
    assert.match((await engine.call('experiments.logs', { id: second })).text, /VERSION = "C"/);
    assert.equal(a.code?.kind === 'git' && a.code.dirty, false, 'the first ran the commit as it was');
    assert.equal(b.code?.kind === 'git' && b.code.dirty, true, 'the second ran the edited file');
    assert.match(b.code?.kind === 'git' ? (b.code.diff ?? '') : '', /\+VERSION = "C"/);
  } finally {
    await engine.close();
  }
});

test('a restart or resume records the code it runs (the folder now), and says when it changed since the original', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  try {
    // A plain folder: versioned by its content hash.
    const dir = tmpDir('axon-restart-code-');
    fs.writeFileSync(path.join(dir, 'train.py'), 'VERSION = "A"\n');
    const first = await experimentEnd(engine, await runIn(engine, dir));
    const same = await engine.call('experiments.restart', { id: first.id });
    assert.equal(same.warnings, undefined, 'nothing changed, nothing said');
    const sameEnd = await experimentEnd(engine, same.id);
    assert.equal(sameEnd.code?.contentHash, first.code?.contentHash);

    fs.writeFileSync(path.join(dir, 'train.py'), 'VERSION = "B"\n');
    for (const verb of ['restart', 'resume'] as const) {
      const again = await engine.call(`experiments.${verb}`, { id: first.id });
      assert.equal(again.warnings?.length, 1, JSON.stringify(again.warnings));
      assert.match(
        again.warnings![0],
        new RegExp(
          `^the code changed since experiment ${first.id} ran \\(content hash ${first.code!.contentHash!.slice(0, 10)} → [0-9a-f]{10}\\)`,
        ),
      );
      const end = await experimentEnd(engine, again.id);
      assert.match((await engine.call('experiments.logs', { id: again.id })).text, /VERSION = "B"/);
      assert.notEqual(end.code?.contentHash, first.code?.contentHash, `the ${verb} records the code it ran`);
      assert.equal(end.code?.fileCount, 1);
    }

    // A git repository: the commits are named.
    const repo = tmpDir('axon-restart-git-');
    gitIn(repo, 'init', '-q');
    fs.writeFileSync(path.join(repo, 'train.py'), 'VERSION = "C"\n');
    gitIn(repo, 'add', '.');
    gitIn(repo, 'commit', '-q', '-m', 'C');
    const g = await experimentEnd(engine, await runIn(engine, repo));
    fs.writeFileSync(path.join(repo, 'train.py'), 'VERSION = "D"\n');
    gitIn(repo, 'commit', '-qam', 'D');
    const head = gitIn(repo, 'rev-parse', 'HEAD').toString().trim();
    const r = await engine.call('experiments.restart', { id: g.id });
    assert.match(
      r.warnings?.[0] ?? '',
      new RegExp(`\\(commit ${g.code!.commit!.slice(0, 10)} → ${head.slice(0, 10)}\\)`),
    );
    assert.equal((await experimentEnd(engine, r.id)).code?.commit, head);
  } finally {
    await engine.close();
  }
});
