// The image builder (main/engine/builder): the build context (ignore rules, a reproducible tar, the content
// hash) without Docker, then real builds against the Docker engine (skipped with the reason without one, failed
// under CI=true): a first build, the cache hit of the second, a failing step, cancellation, a user Dockerfile,
// one build for concurrent callers.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import type Dockerode from 'dockerode';
import tar from 'tar-stream';
import { buildImage, BuildError } from '../../main/engine/builder/build';
import {
  dockerignoreMatcher,
  GENERATED_DOCKERFILE,
  packContext,
  scanContext,
  type ContextEntry,
} from '../../main/engine/builder/context';
import type { BuildSpec } from '../../shared/polyaxonfile/types';
import { need, skipOrFail } from '../requirements';
import { BUSYBOX_IMAGE, docker, dockerSkipReason, removeRepo, runIn, tmpDir } from './helpers';

type Tree = Record<string, string | Buffer>;

const made: string[] = [];
after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function project(tree: Tree, dir = tmpDir('axon-build-')): string {
  made.push(dir);
  for (const [rel, body] of Object.entries(tree)) {
    const abs = path.join(dir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, body);
  }
  return dir;
}

interface TarItem {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  body: Buffer;
}

async function readTar(stream: NodeJS.ReadableStream): Promise<{ items: Map<string, TarItem>; sha: string }> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  const all = Buffer.concat(chunks);
  const items = new Map<string, TarItem>();
  const ex = tar.extract();
  const done = (async () => {
    for await (const entry of ex) {
      const parts: Buffer[] = [];
      for await (const c of entry as AsyncIterable<Buffer>) parts.push(Buffer.from(c));
      const h = entry.header;
      items.set(h.name.replace(/\/$/, ''), {
        name: h.name,
        type: h.type,
        mode: h.mode,
        uid: h.uid,
        gid: h.gid,
        uname: h.uname,
        gname: h.gname,
        mtime: h.mtime.getTime(),
        body: Buffer.concat(parts),
      });
    }
  })();
  ex.end(all);
  await done;
  return { items, sha: createHash('sha256').update(all).digest('hex') };
}

const rels = (entries: ContextEntry[]) => entries.map((e) => e.rel);
const BIG = Buffer.alloc(3 * 1024 * 1024, 7);

// ---------------------------------------------------------------- the context, no Docker needed

test('.dockerignore (anchored at the root, as Docker), .axonignore and .polyaxonignore are honoured; .git never goes', async () => {
  const dir = project({
    'main.py': 'print(1)\n',
    'data/big.bin': BIG,
    'notes.md': 'root md\n',
    'sub/notes.md': 'sub md\n',
    'logs/a.log': 'x',
    'logs/keep.log': 'kept',
    'secret.txt': 's',
    'sub/secret.txt': 's',
    'tmp/cache.bin': 'c',
    '.git/HEAD': 'ref: refs/heads/main\n',
    '.dockerignore': '# comment\ndata/\n*.md\nlogs/*.log\n!logs/keep.log\n',
    '.axonignore': 'secret.txt\n',
    '.polyaxonignore': 'tmp\n',
  });
  const { entries, info } = await scanContext(dir);
  assert.deepEqual(rels(entries), [
    '.axonignore',
    '.dockerignore',
    '.polyaxonignore',
    'logs',
    'logs/keep.log',
    'main.py',
    'sub',
    'sub/notes.md', // `*.md` in .dockerignore is the root's only, as in Docker
  ]);
  assert.equal(info.files, 6);
  assert.ok(info.bytes < 1024, `${info.bytes} bytes: the big file was counted`);

  // The tar has exactly these, plus the generated Dockerfile; the big file is not in it.
  const { items } = await readTar(
    packContext(dir, entries, { name: GENERATED_DOCKERFILE, text: 'FROM x\n' }),
  );
  assert.deepEqual([...items.keys()].sort(), [...rels(entries), GENERATED_DOCKERFILE].sort());
  assert.ok(
    !items.has('data/big.bin') && !items.has('data'),
    "!items.has('data/big.bin') && !items.has('data')",
  );
  assert.equal(items.get(GENERATED_DOCKERFILE)!.body.toString(), 'FROM x\n');
  // The tar's .dockerignore keeps the generated Dockerfile (and itself) out of `COPY . /code`.
  const di = items.get('.dockerignore')!.body.toString();
  assert.ok(di.startsWith('# comment\ndata/\n'), "di.startsWith('# comment\\ndata/\\n')");
  assert.match(di, /\n\.dockerignore\n\.axon\.Dockerfile\n$/);
});

test('tar entries belong to root (uid/gid 0) with mtime 0, modes kept, and the same tree gives the same bytes', async () => {
  const tree = { 'run.sh': '#!/bin/sh\necho hi\n', 'pkg/mod.py': 'x = 1\n', 'empty/': '' };
  const a = project({ 'run.sh': tree['run.sh'], 'pkg/mod.py': tree['pkg/mod.py'] });
  fs.mkdirSync(path.join(a, 'empty'));
  fs.chmodSync(path.join(a, 'run.sh'), 0o755);
  fs.symlinkSync('pkg/mod.py', path.join(a, 'link.py'));
  const scan = await scanContext(a);
  const { items, sha } = await readTar(
    packContext(a, scan.entries, { name: GENERATED_DOCKERFILE, text: 'FROM x\n' }),
  );
  for (const it of items.values()) {
    assert.equal(it.uid, 0, it.name);
    assert.equal(it.gid, 0, it.name);
    assert.equal(it.uname, 'root', it.name);
    assert.equal(it.gname, 'root', it.name);
    assert.equal(it.mtime, 0, it.name);
  }
  assert.equal(items.get('run.sh')!.mode & 0o777, 0o755);
  assert.equal(items.get('pkg/mod.py')!.mode & 0o777, fs.statSync(path.join(a, 'pkg/mod.py')).mode & 0o777);
  assert.equal(items.get('empty')!.type, 'directory');
  assert.equal(items.get('link.py')!.type, 'symlink');
  const again = await readTar(packContext(a, scan.entries, { name: GENERATED_DOCKERFILE, text: 'FROM x\n' }));
  assert.equal(again.sha, sha);
});

test('the hash: the same tree elsewhere and later gives the same hash; content, mode, names and the Dockerfile change it', async () => {
  const tree: Tree = { 'a.py': 'print(1)\n', 'd/b.txt': 'b', 'requirements.txt': 'numpy\n' };
  const one = project(tree);
  await new Promise((r) => setTimeout(r, 20));
  const two = project(tree); // other folder, other mtimes
  const h1 = (await scanContext(one)).info.hash;
  assert.equal((await scanContext(two)).info.hash, h1);
  assert.equal((await scanContext(one)).info.hash, h1, 'a rescan (cached digests) agrees');

  fs.writeFileSync(path.join(two, 'd/b.txt'), 'B'); // same size, other content
  const h2 = (await scanContext(two)).info.hash;
  assert.notEqual(h2, h1);
  fs.writeFileSync(path.join(two, 'd/b.txt'), 'b');
  assert.equal((await scanContext(two)).info.hash, h1, 'back to the same content, back to the same hash');

  fs.chmodSync(path.join(two, 'a.py'), 0o755);
  assert.notEqual((await scanContext(two)).info.hash, h1);
  fs.chmodSync(path.join(two, 'a.py'), fs.statSync(path.join(one, 'a.py')).mode & 0o777);

  fs.renameSync(path.join(two, 'd/b.txt'), path.join(two, 'd/c.txt'));
  assert.notEqual((await scanContext(two)).info.hash, h1);

  const df1 = (await scanContext(one, { dockerfile: { name: 'D', text: 'FROM a\n' } })).info.hash;
  const df2 = (await scanContext(one, { dockerfile: { name: 'D', text: 'FROM b\n' } })).info.hash;
  assert.notEqual(df1, df2);
  assert.notEqual(df1, h1);

  // An ignored file does not count.
  fs.writeFileSync(path.join(one, '.axonignore'), 'junk/\n');
  const withIgnore = (await scanContext(one)).info.hash;
  fs.mkdirSync(path.join(one, 'junk'));
  fs.writeFileSync(path.join(one, 'junk/x.bin'), BIG);
  assert.equal((await scanContext(one)).info.hash, withIgnore);
});

test('a user Dockerfile and .dockerignore are always sent, untouched, even when .dockerignore lists them', async () => {
  const text = "FROM scratch\n# the user's own, byte for byte\nCOPY . /app\n";
  const dir = project({ 'docker/Dockerfile': text, 'x.py': '1', '.dockerignore': 'docker\n.dockerignore\n' });
  const scan = await scanContext(dir, { keep: ['docker/Dockerfile'] });
  assert.deepEqual(rels(scan.entries), ['.dockerignore', 'docker/Dockerfile', 'x.py']);
  const { items } = await readTar(packContext(dir, scan.entries, { name: 'docker/Dockerfile', text }));
  assert.equal(items.get('docker/Dockerfile')!.body.toString(), text);
  assert.equal(items.get('.dockerignore')!.body.toString(), 'docker\n.dockerignore\n', 'not amended');
  assert.ok(!items.has(GENERATED_DOCKERFILE), '!items.has(GENERATED_DOCKERFILE)');
});

test('a context subfolder also honours the project root .axonignore, matched from the root', async () => {
  const dir = project({
    '.axonignore': 'app/cache/\n',
    'app/train.py': '1',
    'app/cache/huge.bin': 'h',
    'app/.axonignore': '*.tmp\n',
    'app/x.tmp': 't',
  });
  const scan = await scanContext(path.join(dir, 'app'), { outerDir: dir });
  assert.deepEqual(rels(scan.entries), ['.axonignore', 'train.py']);
});

// .dockerignore follows Docker's rules (@balena/dockerignore, a port of the Docker CLI's matcher), which differ
// from gitignore's: each case below would come out differently under gitignore (as .axonignore reads it).

test('.dockerignore: no implicit **/ prefix: a pattern without a slash matches at the root only', async () => {
  const tree = {
    'a.pyc': '1',
    'sub/b.pyc': '2',
    'build/x': '3',
    'sub/build/y': '4',
    'deep/er/build/z': '5',
  };
  const docker = project({ ...tree, '.dockerignore': '*.pyc\nbuild\n' });
  assert.deepEqual(rels((await scanContext(docker)).entries), [
    '.dockerignore',
    'deep',
    'deep/er',
    'deep/er/build',
    'deep/er/build/z',
    'sub',
    'sub/b.pyc',
    'sub/build',
    'sub/build/y',
  ]);
  // `**/` says "at any depth" explicitly.
  const anywhere = project({ ...tree, '.dockerignore': '**/*.pyc\n**/build\n' });
  assert.deepEqual(rels((await scanContext(anywhere)).entries), ['.dockerignore', 'deep', 'deep/er', 'sub']);
  // gitignore (.axonignore) matches a slash-less pattern at any depth.
  const git = project({ ...tree, '.axonignore': '*.pyc\nbuild\n' });
  assert.deepEqual(rels((await scanContext(git)).entries), ['.axonignore', 'deep', 'deep/er', 'sub']);
});

test('.dockerignore: ! re-includes a file inside an excluded folder; the folder itself is not sent', async () => {
  const dir = project({
    'data/big.bin': BIG,
    'data/keep.csv': 'k',
    'data/sub/keep.csv': 'k2',
    'data/sub/other.bin': 'o',
    'main.py': '1',
    '.dockerignore': 'data\n!data/keep.csv\n!data/sub/keep.csv\n',
  });
  const { entries } = await scanContext(dir);
  assert.deepEqual(rels(entries), ['.dockerignore', 'data/keep.csv', 'data/sub/keep.csv', 'main.py']);
  const { items } = await readTar(
    packContext(dir, entries, { name: GENERATED_DOCKERFILE, text: 'FROM x\n' }),
  );
  assert.equal(items.get('data/keep.csv')!.body.toString(), 'k');
  assert.ok(!items.has('data') && !items.has('data/big.bin'), 'the excluded folder and its other files');
  // gitignore cannot re-include a file whose folder is excluded.
  const git = project({ 'data/keep.csv': 'k', 'data/x': 'x', '.axonignore': 'data\n!data/keep.csv\n' });
  assert.deepEqual(rels((await scanContext(git)).entries), ['.axonignore']);
});

test('.dockerignore: an excluded folder is walked into only for an exception that starts with its path', async () => {
  // As the Docker CLI: `!**/keep.csv` does not start with `data/`, so `data` is skipped whole; at the root,
  // where nothing excludes it, keep.csv is sent anyway.
  const dir = project({
    'data/keep.csv': 'k',
    'keep.csv': 'root',
    'logs/keep.csv': 'l',
    '.dockerignore': 'data\nlogs/*\n!**/keep.csv\n',
  });
  assert.deepEqual(rels((await scanContext(dir)).entries), [
    '.dockerignore',
    'keep.csv',
    'logs',
    'logs/keep.csv',
  ]);
});

test('.dockerignore: the last matching pattern decides, so an exception must come after its exclusion', async () => {
  const dir = project({
    'a.md': 'a',
    'README.md': 'r',
    'CHANGES.md': 'c',
    '.dockerignore': '!CHANGES.md\n*.md\n!README.md\n',
  });
  assert.deepEqual(rels((await scanContext(dir)).entries), ['.dockerignore', 'README.md']);
});

test('.dockerignore lines are read as Docker reads them', () => {
  const m = dockerignoreMatcher('\uFEFF/abs/x\n./rel/\n  # hash\n# comment\nlogs/\n*.PY\n!\n\n../out\n');
  assert.ok(m.ignores('abs/x'), 'a leading / is dropped (the BOM before it too)');
  assert.ok(m.ignores('rel/file'), './ and a trailing / are cleaned away; a folder excludes what it holds');
  assert.ok(m.ignores('logs') && m.ignores('logs/a/b.log'), 'logs/');
  assert.ok(m.ignores('# hash'), 'a # after leading spaces is a pattern, as in Docker');
  assert.ok(!m.ignores('# comment'), 'a line that starts with # is a comment');
  assert.ok(!m.ignores('main.py') && m.ignores('main.PY'), 'case-sensitive, as Docker on Linux');
  assert.ok(!m.walksInto('logs'), 'no exception under logs/');
  assert.throws(
    () => dockerignoreMatcher('ok\n[abc\n'),
    /\.dockerignore line 2: "\[abc" is not a valid pattern/,
  );
});

test('the size and count are reported before any file is read', async () => {
  const dir = project({ 'a.bin': BIG, 'b.txt': 'b' });
  let listed: { files: number; bytes: number } | null = null;
  await scanContext(dir, { onListed: (l) => (listed = l) });
  assert.deepEqual(listed, { files: 2, bytes: BIG.length + 1 });
});

test('without the daemon: an aborted signal rejects at once; a bad context or repository is a BuildError', async () => {
  const noDocker = new Proxy({} as Dockerode, {
    get: () => {
      throw new Error('the daemon must not be asked');
    },
  });
  const dir = project({ 'a.py': '1' });
  const build: BuildSpec = { image: 'x', buildSteps: [], envVars: [], nocache: false };
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(
    buildImage(noDocker, { build, codeDir: dir, signal: ac.signal, onOutput: () => undefined }),
    { name: 'AbortError' },
  );
  await assert.rejects(
    buildImage(noDocker, {
      build: { ...build, context: '../elsewhere' },
      codeDir: dir,
      onOutput: () => undefined,
    }),
    (e: unknown) => e instanceof BuildError && /outside the project/.test(e.message),
  );
  await assert.rejects(
    buildImage(noDocker, { build, codeDir: dir, repo: 'Not/Valid', onOutput: () => undefined }),
    (e: unknown) => e instanceof BuildError && /not a valid image repository/.test(e.message),
  );
  await assert.rejects(
    buildImage(noDocker, {
      build: { ...build, envVars: [['K', 'two\nlines']] },
      codeDir: dir,
      onOutput: () => undefined,
    }),
    (e: unknown) => e instanceof BuildError && e.step === null && /env_vars: K: .*newline/.test(e.message),
  );
});

// ---------------------------------------------------------------- real builds

const noDocker = await dockerSkipReason();
// Test builds and containers use no network (`networkMode: 'none'`): they need none, and it keeps them
// working where the daemon's default bridge is unusable.
const REPO = `axon-test/build-${process.pid}`;
const spec = (b: Partial<BuildSpec>): BuildSpec => ({
  image: BUSYBOX_IMAGE,
  buildSteps: [],
  envVars: [],
  nocache: false,
  ...b,
});
const collect = () => {
  const lines: string[] = [];
  return { onOutput: (t: string) => void lines.push(t), text: () => lines.join('') };
};

test(
  'a first build runs its step and copies the code; the second is a cache hit that builds nothing',
  { skip: skipOrFail(noDocker) },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const d = docker();
    t.after(() => removeRepo(d, `${REPO}-first`));
    const dir = project({
      'main.py': 'print("hello")\n',
      'requirements.txt': 'numpy\n',
      'data/big.bin': BIG,
      '.dockerignore': 'data\n',
    });
    const build = spec({
      buildSteps: ['echo built > /built.txt', 'test -f /code/requirements.txt && ! test -f /code/main.py'],
      envVars: [['MSG', 'a "quoted" $NOT_EXPANDED \\ value']],
    });
    const out1 = collect();
    const first = await buildImage(d, {
      build,
      codeDir: dir,
      networkMode: 'none',
      repo: `${REPO}-first`,
      onOutput: out1.onOutput,
    });
    assert.equal(first.cached, false);
    assert.match(first.tag, new RegExp(`^${REPO}-first:[0-9a-f]{16}$`));
    assert.equal(first.tag.split(':')[1], first.info.hash.slice(0, 16));
    assert.match(out1.text(), /^\[axon\] build context: 3 files, /);
    assert.match(out1.text(), /Step \d+\/\d+ : RUN echo built > \/built.txt/);

    const img = await d.getImage(first.tag).inspect();
    assert.equal(img.Config.Labels['axon.build'], '1');
    assert.equal(img.Config.Labels['axon.hash'], first.info.hash);
    const run = await runIn(d, first.tag, ['sh', '-c', 'cat /built.txt; ls -A /code; echo "MSG=$MSG"; pwd']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n'), [
      'built',
      'main.py',
      'requirements.txt',
      'MSG=a "quoted" $NOT_EXPANDED \\ value',
      '/code',
    ]);

    // The cache hit asks the daemon whether the image exists and nothing more: no build, no context sent.
    // (How fast that is: bench/docker-rebuild.ts.)
    const out2 = collect();
    const calls: string[] = [];
    const watched = new Proxy(d, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          calls.push(String(prop));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const second = await buildImage(watched, {
      build,
      codeDir: dir,
      networkMode: 'none',
      repo: `${REPO}-first`,
      onOutput: out2.onOutput,
    });
    assert.equal(second.cached, true);
    assert.equal(second.tag, first.tag);
    assert.ok(calls.length > 0, 'the daemon was asked');
    assert.deepEqual(
      calls.filter((c) => c !== 'getImage'),
      [],
      `only the image was looked up: ${calls.join(', ')}`,
    );
    assert.match(out2.text(), /not rebuilt/);
    assert.doesNotMatch(out2.text(), /Step 1\//);

    // A change in the code gives a new tag and a build (the requirements layer comes from the daemon's cache).
    fs.writeFileSync(path.join(dir, 'main.py'), 'print("changed")\n');
    const third = await buildImage(d, {
      build,
      codeDir: dir,
      networkMode: 'none',
      repo: `${REPO}-first`,
      onOutput: () => undefined,
    });
    assert.equal(third.cached, false);
    assert.notEqual(third.tag, first.tag);
    // An ignored file changing does not.
    fs.writeFileSync(path.join(dir, 'data/big.bin'), 'small now');
    const fourth = await buildImage(d, {
      build,
      codeDir: dir,
      networkMode: 'none',
      repo: `${REPO}-first`,
      onOutput: () => undefined,
    });
    assert.equal(fourth.cached, true);
    assert.equal(fourth.tag, third.tag);
  },
);

test(
  'a failing build step fails with that step and its output',
  { skip: skipOrFail(noDocker) },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const d = docker();
    t.after(() => removeRepo(d, `${REPO}-fail`));
    const dir = project({ 'main.py': '1\n' });
    const build = spec({
      buildSteps: ['echo fine', 'echo "about to fail" && echo "on stderr" >&2 && exit 3', 'echo never'],
    });
    const out = collect();
    const err = await buildImage(d, {
      build,
      codeDir: dir,
      networkMode: 'none',
      repo: `${REPO}-fail`,
      onOutput: out.onOutput,
    }).then(
      () => assert.fail('the build should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof BuildError, String(err));
    assert.equal(err.step, 'RUN echo "about to fail" && echo "on stderr" >&2 && exit 3');
    assert.match(err.stepNumber ?? '', /^\d+\/\d+$/);
    assert.equal(err.exitCode, 3);
    assert.match(err.output, /about to fail/);
    assert.match(err.output, /on stderr/);
    assert.doesNotMatch(err.output, /Running in|--->/);
    // Docker colours a step's stderr; the log and the error carry the text only.
    assert.ok(!(out.text() + err.message).includes('\u001b['), 'no terminal escape codes');
    assert.match(
      err.message,
      /build step \d+\/\d+ `RUN echo "about to fail".*` failed: .*returned a non-zero code: 3/,
    );
    assert.match(err.message, /about to fail/);
    assert.doesNotMatch(out.text(), /Step \d+\/\d+ : RUN echo never/);
    assert.equal(
      (await d.listImages({ filters: JSON.stringify({ reference: [`${REPO}-fail`] }) })).length,
      0,
    );
  },
);

test(
  'cancelling a build (AbortSignal) rejects at once, leaves no tag and no running container',
  { skip: skipOrFail(noDocker) },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const d = docker();
    t.after(() => removeRepo(d, `${REPO}-cancel`));
    const marker = `axon-cancel-${process.pid}-${Date.now()}`;
    const dir = project({ 'main.py': '1\n' });
    const build = spec({ buildSteps: [`sleep 30 # ${marker}`] });
    const ac = new AbortController();
    let abortedAt = 0;
    const p = buildImage(d, {
      build,
      codeDir: dir,
      networkMode: 'none',
      repo: `${REPO}-cancel`,
      signal: ac.signal,
      onOutput: (text) => {
        if (text.includes(`RUN sleep 30 # ${marker}`) && !abortedAt)
          setTimeout(() => {
            abortedAt = performance.now();
            ac.abort();
          }, 500);
      },
    });
    const err = await p.then(
      () => assert.fail('the build should be cancelled'),
      (e: unknown) => e as Error,
    );
    const took = performance.now() - abortedAt;
    assert.ok(abortedAt > 0, `rejected before the abort: ${err}`);
    assert.equal(err.name, 'AbortError');
    assert.ok(took < 2000, `rejected ${took.toFixed(0)} ms after the abort`);
    assert.equal(
      (await d.listImages({ filters: JSON.stringify({ reference: [`${REPO}-cancel`] }) })).length,
      0,
    );
    // The daemon kills and removes the step's container once the request is gone.
    let left: string[] = [];
    for (let i = 0; i < 40; i++) {
      const cs = await d.listContainers({ all: true });
      left = cs.filter((c) => c.Command.includes(marker)).map((c) => `${c.Id.slice(0, 12)} ${c.State}`);
      if (!left.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(left, [], 'the build container is gone');
  },
);

test(
  'a user Dockerfile is used as it is; `context` picks a subfolder',
  { skip: skipOrFail(noDocker) },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const d = docker();
    t.after(() => removeRepo(d, `${REPO}-user`));
    const dir = project({
      'app/train.py': 'print(1)\n',
      'app/Dockerfile': `FROM ${BUSYBOX_IMAGE}\nRUN echo custom > /custom.txt\nCOPY . /srv/\n`,
      'outside.txt': 'not in the context\n',
    });
    const build: BuildSpec = {
      dockerfile: 'app/Dockerfile',
      context: 'app',
      buildSteps: [],
      envVars: [],
      nocache: false,
    };
    const r = await buildImage(d, {
      build,
      codeDir: dir,
      networkMode: 'none',
      repo: `${REPO}-user`,
      onOutput: () => undefined,
    });
    assert.equal(r.cached, false);
    const run = await runIn(d, r.tag, ['sh', '-c', 'cat /custom.txt; ls -A /srv; ls /code 2>&1 || true']);
    assert.deepEqual(run.stdout.trim().split('\n').slice(0, 4), [
      'custom',
      'Dockerfile',
      'train.py',
      'ls: /code: No such file or directory',
    ]);
    // Editing the Dockerfile changes the tag.
    fs.appendFileSync(path.join(dir, 'app/Dockerfile'), 'ENV X=1\n');
    const r2 = await buildImage(d, {
      build,
      codeDir: dir,
      networkMode: 'none',
      repo: `${REPO}-user`,
      onOutput: () => undefined,
    });
    assert.notEqual(r2.tag, r.tag);
    // A missing Dockerfile is a clear BuildError.
    await assert.rejects(
      buildImage(d, {
        build: { ...build, dockerfile: 'nope/Dockerfile' },
        codeDir: dir,
        onOutput: () => undefined,
      }),
      (e: unknown) => e instanceof BuildError && /nope\/Dockerfile.*not found/.test(e.message),
    );
  },
);

test(
  'concurrent builds of one image share one build; a caller that leaves does not cancel the others',
  { skip: skipOrFail(noDocker) },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const d = docker();
    t.after(() => removeRepo(d, `${REPO}-group`));
    const dir = project({ 'main.py': '1\n', 'big.bin': BIG });
    // nocache: two separate builds would make two different images; shared, both callers see one.
    const build = spec({ buildSteps: ['date +%s%N > /stamp', 'sleep 1'], nocache: true });
    const outs = [collect(), collect(), collect()];
    const leaving = new AbortController();
    const common = {
      build,
      codeDir: dir,
      networkMode: 'none',
      repo: `${REPO}-group`,
      warnBytes: 1024 * 1024,
    };
    const [a, b, c] = await Promise.allSettled([
      buildImage(d, { ...common, onOutput: outs[0].onOutput }),
      buildImage(d, { ...common, onOutput: outs[1].onOutput }),
      buildImage(d, {
        ...common,
        signal: leaving.signal,
        onOutput: (text) => {
          outs[2].onOutput(text);
          // Leave once this caller is surely attached to the shared build.
          if (/Step 2\//.test(text)) setTimeout(() => leaving.abort(), 0);
        },
      }),
    ]);
    assert.equal(a.status, 'fulfilled');
    assert.equal(b.status, 'fulfilled');
    assert.equal(c.status, 'rejected');
    assert.equal((c as PromiseRejectedResult).reason.name, 'AbortError');
    const [ra, rb] = [a, b].map(
      (x) => (x as PromiseFulfilledResult<Awaited<ReturnType<typeof buildImage>>>).value,
    );
    assert.equal(ra.tag, rb.tag);
    const built = (s: string) => [...s.matchAll(/Successfully built ([0-9a-f]+)/g)].map((m) => m[1]);
    assert.deepEqual(built(outs[0].text()), built(outs[1].text()));
    assert.equal(built(outs[0].text()).length, 1, 'one build');
    // Over warnBytes, each caller was warned before the build.
    for (const o of outs.slice(0, 2))
      assert.match(
        o.text(),
        /\[axon\] warning: the build context is 3\.\d MB; add large data folders to \.dockerignore or \.axonignore/,
      );
    const run = await runIn(d, ra.tag, ['cat', '/stamp']);
    assert.match(run.stdout, /^\d+/);
  },
);

// The reference: what the Docker CLI itself sends for the same tree and .dockerignore. The classic builder
// (DOCKER_BUILDKIT=0) is the one Axon's API builds go through; the CLI applies .dockerignore to the context.
const dockerCli = (() => {
  try {
    execFileSync('docker', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'the docker CLI is not installed (this test compares the context with what the CLI sends)';
  }
})();

test(
  '.dockerignore: the context has exactly the files the Docker CLI sends for the same tree',
  { skip: skipOrFail(noDocker ?? dockerCli) },
  async (t) => {
    if (!need(t, 'Docker', noDocker ?? dockerCli)) return;
    const d = docker();
    const tag = `${REPO}-cli:1`;
    t.after(() => removeRepo(d, `${REPO}-cli`));
    const empty = ['a.pyc', 'sub/b.pyc', 'build/x', 'sub/build/y', 'deep/er/build/z', 'data/big.bin'];
    const more = ['data/keep.csv', 'data/sub/keep.csv', 'data/sub/other.bin', 'data2/keep.csv', 'main.py'];
    const also = ['keep.csv', 'logs/keep.csv', 'logs/a.log', 'README.md', 'CHANGES.md', 'a.md', 'Main.PY'];
    const dir = project({
      ...Object.fromEntries([...empty, ...more, ...also].map((f) => [f, f])),
      Dockerfile: `FROM ${BUSYBOX_IMAGE}\nCOPY . /code\n`,
      '.dockerignore': [
        '# Docker semantics, each line a case where gitignore differs',
        '*.pyc',
        'build',
        '*.py',
        'data',
        '!data/keep.csv',
        '!data/sub/keep.csv',
        'data2',
        'logs/*',
        '!**/keep.csv',
        '!CHANGES.md',
        '*.md',
        '!README.md',
      ].join('\n'),
    });
    execFileSync('docker', ['build', '-q', '--network', 'none', '-t', tag, dir], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const run = await runIn(d, tag, ['find', '/code', '-mindepth', '1']);
    assert.equal(run.code, 0, run.stderr);
    const sent = run.stdout
      .trim()
      .split('\n')
      .map((p) => p.replace(/^\/code\//, ''))
      .sort();
    // Ours: the entries, plus the folders the daemon creates for files inside an excluded folder.
    const { entries } = await scanContext(dir, { keep: ['Dockerfile'] });
    const ours = new Set<string>();
    for (const e of entries) for (let p = e.rel; p !== '.'; p = path.posix.dirname(p)) ours.add(p);
    assert.deepEqual([...ours].sort(), sent);
    assert.ok(sent.includes('data/keep.csv') && !sent.includes('data2/keep.csv'), sent.join(' '));
  },
);

test(
  'old content-hash tags of a project are pruned after a build: the newest are kept',
  { skip: skipOrFail(noDocker) },
  async (t) => {
    if (!need(t, 'Docker', noDocker)) return;
    const d = docker();
    const repo = `${REPO}-prune`;
    t.after(() => removeRepo(d, repo));
    const tags: string[] = [];
    for (const n of [1, 2, 3]) {
      const out = collect();
      const r = await buildImage(d, {
        build: spec({ buildSteps: [`echo version ${n}`] }),
        codeDir: project({ 'main.py': `${n}\n` }),
        networkMode: 'none',
        repo,
        keepTags: 2,
        onOutput: out.onOutput,
      });
      tags.push(r.tag);
      if (n === 3) assert.match(out.text(), /\[axon\] removed 1 older image tag\(s\) of /);
    }
    const left = (await d.listImages({ filters: JSON.stringify({ reference: [repo] }) })).flatMap(
      (i) => i.RepoTags ?? [],
    );
    assert.equal(left.length, 2, `two tags kept: ${left.join(', ')}`);
    assert.ok(left.includes(tags[2]), 'the image just built is kept');
  },
);
