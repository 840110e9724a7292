// Code sent with a run from another machine: what `axon run` packs (ignore rules, no .git, no symlinks), what
// the engine unpacks (the same files, a script still executable, stored once), and what it refuses (names that
// lead out of the folder, links, things that are not a gzipped tar), leaving nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { packCode, UPLOAD_MAX_BYTES } from '../../main/cli/code-upload';
import { pruneUploads, storeUpload, uploadPath } from '../../main/engine/code/uploads';
import { tmpDir } from '../helpers';

/** Every file under `dir` (relative, sorted). */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** A .tar.gz (base64) with these raw entries, as a hostile client could send. */
async function archiveOf(
  entries: Array<{ header: Partial<tar.Header> & { name: string }; body?: string }>,
): Promise<string> {
  const pack = tar.pack();
  for (const e of entries) pack.entry(e.header, e.body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks)).toString('base64');
}

function codeFolder(): string {
  const dir = tmpDir();
  fs.mkdirSync(path.join(dir, 'src'));
  fs.mkdirSync(path.join(dir, 'data'));
  fs.mkdirSync(path.join(dir, 'checkpoints'));
  fs.mkdirSync(path.join(dir, '.git'));
  fs.writeFileSync(
    path.join(dir, 'polyaxonfile.yml'),
    'version: 1\nkind: experiment\nrun: {cmd: ./train.sh}\n',
  );
  fs.writeFileSync(path.join(dir, 'train.sh'), '#!/bin/sh\necho trained\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'src', 'model.py'), 'print("model")\n');
  fs.writeFileSync(path.join(dir, 'data', 'train.csv'), 'x,y\n1,2\n');
  fs.writeFileSync(path.join(dir, 'checkpoints', 'last.pt'), 'weights');
  fs.writeFileSync(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  fs.writeFileSync(path.join(dir, '.axonignore'), 'data/\n');
  fs.writeFileSync(path.join(dir, '.gitignore'), 'checkpoints/\n');
  fs.symlinkSync('src/model.py', path.join(dir, 'model-link.py'));
  return dir;
}

test('axon run packs the code folder as the engine unpacks it: ignore rules, no .git, no links; stored once', async () => {
  const dir = codeFolder();
  const packed = await packCode(dir);
  assert.deepEqual(packed.links, ['model-link.py']);
  assert.equal(packed.files, 5);
  const home = tmpDir();
  const stored = await storeUpload(home, 7, packed.archive.toString('base64'));
  assert.match(stored.id, /^[0-9a-f]{64}$/);
  assert.equal(stored.files, 5);
  const at = uploadPath(home, 7, stored.id);
  assert.equal(at, path.join(home, 'uploads', '7', stored.id));
  assert.deepEqual(listFiles(at), [
    '.axonignore',
    '.gitignore',
    'polyaxonfile.yml',
    'src/model.py',
    'train.sh',
  ]);
  assert.equal(fs.readFileSync(path.join(at, 'src', 'model.py'), 'utf8'), 'print("model")\n');
  assert.equal(fs.statSync(path.join(at, 'train.sh')).mode & 0o700, 0o700, 'the script stays executable');
  assert.equal(fs.statSync(path.join(at, 'src', 'model.py')).mode & 0o077, 0, 'nothing for other users');
  // The same archive again: the same id, nothing unpacked twice.
  const again = await storeUpload(home, 7, packed.archive.toString('base64'));
  assert.deepEqual(again, stored);
  assert.deepEqual(
    fs.readdirSync(path.join(home, 'uploads', '7')).sort(),
    [stored.id, `${stored.id}.json`].sort(),
  );
  // Another user's uploads are another folder: the id alone does not reach them.
  assert.throws(() => uploadPath(home, 8, stored.id), /no uploaded code .* of yours/);
  assert.throws(() => uploadPath(home, 7, '../../etc'), /no uploaded code/);
});

test('the engine refuses entries that lead out of the folder, links and non-archives, and keeps nothing', async () => {
  const home = tmpDir();
  const outside = path.join(home, 'escaped.txt');
  const cases: Array<[string, Promise<string>, RegExp]> = [
    [
      'a parent path',
      archiveOf([
        { header: { name: 'ok.txt' }, body: 'fine' },
        // From the unpacking folder (uploads/1/.<id>.tmp), three levels up is the home itself.
        { header: { name: '../../../escaped.txt' }, body: 'out' },
      ]),
      /the entry "\.\.\/\.\.\/\.\.\/escaped\.txt" would be written outside the code folder/,
    ],
    ['an absolute path', archiveOf([{ header: { name: outside }, body: 'out' }]), /would be written outside/],
    [
      'a path through ..',
      archiveOf([{ header: { name: 'a/../../../../escaped.txt' }, body: 'out' }]),
      /would be written outside/,
    ],
    [
      'a symlink, then a file through it',
      archiveOf([
        { header: { name: 'link', type: 'symlink', linkname: home } },
        { header: { name: 'link/escaped.txt' }, body: 'out' },
      ]),
      /"link" is a symlink; only files and folders are taken/,
    ],
    [
      'a hard link',
      archiveOf([{ header: { name: 'hard', type: 'link', linkname: '/etc/passwd' } }]),
      /"hard" is a link/,
    ],
    [
      'the same name twice',
      archiveOf([
        { header: { name: 'twice.txt' }, body: 'one' },
        { header: { name: 'twice.txt' }, body: 'two' },
      ]),
      /"twice\.txt" appears twice/,
    ],
    [
      'a file where a folder is needed',
      archiveOf([
        { header: { name: 'a' }, body: 'file' },
        { header: { name: 'a/b' }, body: 'below a file' },
      ]),
      /"a\/b" cannot be written \(EEXIST\)/,
    ],
    ['not base64', Promise.resolve('not base64 at all!'), /archive is not base64/],
    ['not gzip', Promise.resolve(Buffer.from('plain text').toString('base64')), /not a gzipped tar/],
  ];
  for (const [what, archive, error] of cases) {
    await assert.rejects(storeUpload(home, 1, await archive), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'invalid_input', what);
      assert.match(e.message, /the uploaded code was refused/, what);
      assert.match(e.message, error, what);
      return true;
    });
    assert.ok(!fs.existsSync(outside), `${what}: nothing written outside`);
    const left = fs.existsSync(path.join(home, 'uploads', '1'))
      ? fs.readdirSync(path.join(home, 'uploads', '1'))
      : [];
    assert.deepEqual(left, [], `${what}: nothing left in the uploads folder`);
  }
});

test('a code folder over the upload limit is refused before sending, naming its largest files', async () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'train.py'), 'print(1)\n');
  // Random bytes do not compress: the archive is as large as the file.
  fs.writeFileSync(
    path.join(dir, 'weights.bin'),
    Buffer.alloc(UPLOAD_MAX_BYTES + 1024 * 1024, 1).map(() => Math.floor(Math.random() * 256)),
  );
  await assert.rejects(
    packCode(dir),
    /over the 6\.0 MiB an upload may be; the largest files: weights\.bin .*\.axonignore/,
  );
});

test('pruning: an unused upload goes after a day, a used or fresh one stays, a crashed unpacking goes', async () => {
  const home = tmpDir();
  const ids: string[] = [];
  for (const text of ['a', 'b', 'c']) {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'train.py'), `print("${text}")\n`);
    ids.push((await storeUpload(home, 3, (await packCode(dir)).archive.toString('base64'))).id);
  }
  const base = path.join(home, 'uploads', '3');
  const crashed = path.join(base, `.${ids[0]}.0badc0de.tmp`);
  fs.mkdirSync(crashed);
  const old = new Date(Date.now() - 25 * 3600_000);
  for (const id of ids.slice(0, 2)) {
    fs.utimesSync(path.join(base, id), old, old);
    fs.utimesSync(path.join(base, `${id}.json`), old, old);
  }
  fs.utimesSync(crashed, old, old);
  // ids[0] is used by a run; ids[1] is old and unused; ids[2] is unused but was sent just now.
  const removed = pruneUploads(home, new Set([path.join(base, ids[0])]));
  assert.deepEqual(removed.sort(), [path.join(base, ids[1]), crashed].sort());
  assert.deepEqual(fs.readdirSync(base).sort(), [ids[0], `${ids[0]}.json`, ids[2], `${ids[2]}.json`].sort());
});
