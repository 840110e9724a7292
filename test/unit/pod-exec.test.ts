// Copying a pod's outputs when the exec behind it fails: the copy ends with the reason instead of waiting for
// ever (a run stopped right after its cluster came back once stayed `running` for good in a CI run). The
// cluster here is an in-memory stand-in (API stand-in): a real cluster cannot be made to fail an exec on cue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import tar from 'tar-stream';
import { copyOutputs } from '../../main/engine/backends/kubernetes/pod-exec';
import type { Cluster } from '../../main/engine/backends/kubernetes/cluster';
import { tmpDir } from '../helpers';

function clusterWhoseExec(run: (stdout: Writable) => Promise<EventEmitter>): Cluster {
  return {
    namespace: 'ns',
    counter: { requests: 0 },
    exec: { exec: (...a: unknown[]) => run(a[4] as Writable) },
  } as unknown as Cluster;
}

test(
  'outputs copy (API stand-in): an exec that cannot connect ends the copy with the reason',
  { timeout: 10_000 },
  async () => {
    const r = await copyOutputs(
      clusterWhoseExec(async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
      }),
      'pod',
      tmpDir(),
    );
    assert.equal(r.files, 0);
    assert.match(r.problem ?? '', /ECONNREFUSED/);
  },
);

test(
  'outputs copy (API stand-in): a connection that breaks mid-copy ends the copy with the reason',
  { timeout: 10_000 },
  async () => {
    const r = await copyOutputs(
      clusterWhoseExec(async (stdout) => {
        const ws = new EventEmitter();
        const pack = tar.pack();
        pack.entry({ name: './model.txt', mode: 0o644 }, 'weights\n');
        pack.on('data', (d: unknown) => stdout.write(d as Buffer));
        // The first file arrives, then the connection fails before the archive ends.
        setTimeout(() => ws.emit('error', new Error('socket hang up')), 50);
        return ws;
      }),
      'pod',
      tmpDir(),
    );
    assert.match(r.problem ?? '', /socket hang up|could not be read/);
  },
);

/** A cluster whose exec streams `archive` (what `tar cf -` in the pod wrote) and succeeds. */
function clusterSending(archive: Buffer): Cluster {
  return {
    namespace: 'ns',
    counter: { requests: 0 },
    exec: {
      exec: async (...a: unknown[]) => {
        const ws = new EventEmitter();
        setImmediate(() => {
          (a[4] as Writable).end(archive);
          (a[8] as (s: { status: string }) => void)({ status: 'Success' });
          setImmediate(() => ws.emit('close'));
        });
        return ws;
      },
    },
  } as unknown as Cluster;
}

/** The pod's outputs folder as GNU tar packs it (raw byte names, modification times). */
function podTar(build: (dir: string) => void): Buffer {
  const dir = tmpDir('axon-pod-');
  build(dir);
  return execFileSync('tar', ['cf', '-', '-C', dir, '.']);
}

const walk = (root: string, rel = ''): string[] =>
  fs.readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((d) => {
    const r = rel ? `${rel}/${d.name}` : d.name;
    return d.isDirectory() ? [`${r}/`, ...walk(root, r)] : [r];
  });

test("the pod's folder wins over a resume's previous outputs: a folder it made a file, a file it made a folder", async () => {
  const dest = tmpDir('axon-dest-');
  fs.mkdirSync(path.join(dest, 'dir2file'));
  fs.writeFileSync(path.join(dest, 'dir2file', 'x'), 'in\n');
  fs.writeFileSync(path.join(dest, 'file2dir'), 'f\n');
  const archive = podTar((d) => {
    fs.writeFileSync(path.join(d, 'dir2file'), 'now a file\n');
    fs.mkdirSync(path.join(d, 'file2dir'));
    fs.writeFileSync(path.join(d, 'file2dir', 'y'), 'y\n');
  });
  const r = await copyOutputs(clusterSending(archive), 'pod', dest);
  assert.equal(r.problem, null);
  assert.deepEqual(walk(dest).sort(), ['dir2file', 'file2dir/', 'file2dir/y']);
  assert.equal(fs.readFileSync(path.join(dest, 'dir2file'), 'utf8'), 'now a file\n');
});

test('a restored file the command deleted is deleted here; one it left alone is not copied; times are kept', async () => {
  const dest = tmpDir('axon-dest-');
  const old = new Date('2020-01-02T03:04:05Z');
  for (const f of ['deleteme.txt', 'kept.txt', 'd/e/z.txt']) {
    fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
    fs.writeFileSync(path.join(dest, f), `${f}\n`);
    fs.utimesSync(path.join(dest, f), old, old);
  }
  const sec = old.getTime() / 1000;
  const sent = new Map([
    ['deleteme.txt', { size: 13, mtimeS: sec }],
    ['kept.txt', { size: 9, mtimeS: sec }],
    ['d', { dir: true, size: 0, mtimeS: 0 }],
    ['d/e', { dir: true, size: 0, mtimeS: 0 }],
    ['d/e/z.txt', { size: 10, mtimeS: sec }],
  ]);
  const archive = podTar((d) => {
    fs.writeFileSync(path.join(d, 'kept.txt'), 'kept.txt\n');
    fs.utimesSync(path.join(d, 'kept.txt'), old, old);
    fs.writeFileSync(path.join(d, 'new.txt'), 'new\n');
    fs.utimesSync(path.join(d, 'new.txt'), old, old);
  });
  fs.chmodSync(path.join(dest, 'kept.txt'), 0o600); // a copy would reset it from the tar's 0644
  const r = await copyOutputs(clusterSending(archive), 'pod', dest, { sent });
  assert.equal(r.problem, null);
  assert.deepEqual(walk(dest).sort(), ['kept.txt', 'new.txt']);
  assert.equal(fs.statSync(path.join(dest, 'kept.txt')).mode & 0o777, 0o600, 'not copied again');
  assert.equal(fs.statSync(path.join(dest, 'new.txt')).mtime.toISOString(), old.toISOString());
});

test('names that are not UTF-8 are kept apart, escaped, and the log is told', async () => {
  const dest = tmpDir('axon-dest-');
  const archive = podTar((d) => {
    fs.writeFileSync(
      Buffer.concat([Buffer.from(d + '/a'), Buffer.from([0xff]), Buffer.from('.txt')]),
      'one\n',
    );
    fs.writeFileSync(
      Buffer.concat([Buffer.from(d + '/a'), Buffer.from([0xfe]), Buffer.from('.txt')]),
      'two\n',
    );
    fs.writeFileSync(path.join(d, 'ünï—文件.txt'), 'utf8\n');
  });
  const r = await copyOutputs(clusterSending(archive), 'pod', dest);
  assert.equal(r.problem, null);
  assert.deepEqual(walk(dest).sort(), ['a%FE.txt', 'a%FF.txt', 'ünï—文件.txt']);
  assert.equal(fs.readFileSync(path.join(dest, 'a%FE.txt'), 'utf8'), 'two\n');
  assert.equal(r.notes.length, 2);
  assert.match(r.notes[0], /not UTF-8/);
});

test('long names: a 255-byte UTF-8 name is copied; one not UTF-8 that escaping makes too long is shortened, two never one', async () => {
  const dest = tmpDir('axon-dest-');
  const longest = `${'é'.repeat(125)}.bin`; // 254 bytes: its `.NAME.axon-part` would not fit
  const raw = (tail: number) => Buffer.concat([Buffer.alloc(100, 0xe9), Buffer.from(`-${tail}.ckpt`)]); // Latin-1 é: 300 bytes escaped
  const archive = podTar((d) => {
    fs.writeFileSync(path.join(d, longest), 'utf8\n');
    fs.writeFileSync(Buffer.concat([Buffer.from(d + '/'), raw(1)]), 'one\n');
    fs.writeFileSync(Buffer.concat([Buffer.from(d + '/'), raw(2)]), 'two\n');
  });
  const r = await copyOutputs(clusterSending(archive), 'pod', dest);
  assert.equal(r.problem, null);
  const names = walk(dest).sort();
  assert.equal(names.length, 3, names.join('\n'));
  assert.ok(names.includes(longest));
  const escaped = names.filter((n) => n.startsWith('%E9'));
  assert.equal(escaped.length, 2);
  for (const n of escaped) {
    assert.ok(Buffer.byteLength(n) <= 255, `${n.length} bytes`);
    assert.match(n, /^(%E9)+[^/]*~[0-9a-f]{12}\.ckpt$/);
  }
  assert.deepEqual(escaped.map((n) => fs.readFileSync(path.join(dest, n), 'utf8')).sort(), [
    'one\n',
    'two\n',
  ]);
  // Copied again (the same archive): the same names, nothing doubled.
  const again = await copyOutputs(clusterSending(archive), 'pod', dest);
  assert.equal(again.problem, null);
  assert.deepEqual(walk(dest).sort(), names);
});

test('an archive cut short mid-file (the pod went mid-copy) is a failed copy, not a crash; no half file under its name', async () => {
  const dest = tmpDir('axon-dest-');
  fs.writeFileSync(path.join(dest, 'ckpt.bin'), 'the previous checkpoint\n');
  const whole = podTar((d) => {
    fs.writeFileSync(path.join(d, 'ckpt.bin'), Buffer.alloc(200_000, 7));
    fs.writeFileSync(path.join(d, 'zz-after.txt'), 'after\n');
  });
  const r = await copyOutputs(clusterSending(whole.subarray(0, 100_000)), 'pod', dest);
  assert.match(r.problem ?? '', /could not be read/);
  assert.equal(fs.readFileSync(path.join(dest, 'ckpt.bin'), 'utf8'), 'the previous checkpoint\n');
  assert.deepEqual(fs.readdirSync(dest), ['ckpt.bin'], 'no part file left');
});

test("a restored folder the command left alone, empty, is kept (a folder entry's trailing slash)", async () => {
  const dest = tmpDir('axon-dest-');
  fs.mkdirSync(path.join(dest, 'emptydir'));
  const sent = new Map([['emptydir', { dir: true, size: 0, mtimeS: 0 }]]);
  const archive = podTar((d) => fs.mkdirSync(path.join(d, 'emptydir')));
  const r = await copyOutputs(clusterSending(archive), 'pod', dest, { sent });
  assert.equal(r.problem, null);
  assert.deepEqual(fs.readdirSync(dest), ['emptydir']);
});

test('a file still being copied home (.NAME.axon-part) is not listed as an output', async () => {
  const { listFiles } = await import('../../main/engine/scheduler/outputs');
  const dir = tmpDir('axon-out-');
  fs.writeFileSync(path.join(dir, 'model.pt'), 'm');
  fs.writeFileSync(path.join(dir, '.ckpt.bin.axon-part'), 'half');
  assert.deepEqual(await listFiles(dir), [{ path: 'model.pt', size: 1 }]);
});
