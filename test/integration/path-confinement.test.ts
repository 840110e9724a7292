// Paths that must stay inside their root (issue #14 §4): a run's outputs (preview and the download's lookup),
// the outputs a pod hands back, a build context and its Dockerfile, a project's polyaxonfiles. Each is tried
// with `..`, absolute paths, symlinks to files and folders outside, and NUL bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import tar from 'tar-stream';
import { Engine } from '../../main/engine/engine';
import { scanContext } from '../../main/engine/builder/context';
import { buildImage } from '../../main/engine/builder/build';
import { projectSpecFiles } from '../../main/engine/folders';
import { copyOutputs } from '../../main/engine/backends/kubernetes/pod-exec';
import type { Cluster } from '../../main/engine/backends/kubernetes/cluster';
import { isDone } from '../../shared/statuses';
import { tmpDir, waitFor } from '../helpers';

const code = (e: unknown) => (e as { code?: string }).code;

test('output previews and the download lookup never leave the outputs folder', async () => {
  const outside = tmpDir('axon-outside-');
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret\n');
  const dir = tmpDir('axon-proj-');
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const cmd = [
      'cd "$AXON_OUTPUTS_PATH"',
      'echo fine > ok.txt',
      `ln -s ${path.join(outside, 'secret.txt')} file-link.txt`,
      `ln -s ${outside} dir-link`,
      'ln -s ok.txt inner-link.txt',
    ].join('; ');
    const c = await engine.call('runs.create', {
      files: [{ name: 'p.yml', text: `version: 1\nkind: experiment\nrun:\n  cmd: ${JSON.stringify(cmd)}\n` }],
      params: {},
      codePath: dir,
    });
    if (c.kind !== 'experiment') throw new Error('expected an experiment');
    const id = c.experiment.id;
    await waitFor(async () => isDone((await engine.call('experiments.get', { id })).status), 20_000);
    const ok = await engine.call('experiments.outputFile', { id, path: 'ok.txt' });
    assert.equal(ok.text, 'fine\n');
    assert.equal(
      (await engine.call('experiments.outputFile', { id, path: 'inner-link.txt' })).text,
      'fine\n',
    );
    const abs = path.join(fs.realpathSync(ok.absolutePath));
    assert.equal((await engine.call('experiments.outputFile', { id, path: abs })).text, 'fine\n');

    const outsideCases: Array<[string, string]> = [
      ['../../../../../../etc/hostname', 'a `..` path to a file that exists'],
      ['../no-such-file-anywhere', 'a `..` path to nothing: refused as outside, not "not found"'],
      [path.join(outside, 'secret.txt'), 'an absolute path outside'],
      ['file-link.txt', 'a symlink to a file outside'],
      ['dir-link/secret.txt', 'a file under a symlinked folder outside'],
    ];
    for (const method of ['experiments.outputFile', 'experiments.outputPath'] as const) {
      for (const [p, what] of outsideCases) {
        await assert.rejects(
          engine.call(method, { id, path: p }),
          (e) => code(e) === 'invalid_input' && /outside/.test((e as Error).message),
          `${method}: ${what}`,
        );
      }
      await assert.rejects(
        engine.call(method, { id, path: 'a\0b' }),
        (e) => code(e) === 'not_found',
        `${method}: a NUL byte is an ordinary not-found`,
      );
    }
  } finally {
    await engine.close();
  }
});

/** A cluster whose exec answers `tar cf -` with the given tar (the pod's outputs). */
function fakeCluster(entries: Array<{ name: string; type?: 'file' | 'directory'; body?: string }>): Cluster {
  return {
    namespace: 'ns',
    counter: { requests: 0 },
    exec: {
      exec: async (
        _ns: string,
        _pod: string,
        _container: string,
        _cmd: string[],
        stdout: Writable,
        _stderr: unknown,
        _stdin: unknown,
        _tty: boolean,
        status: (s: { status: string }) => void,
      ) => {
        const ws = new EventEmitter();
        const pack = tar.pack();
        for (const e of entries)
          pack.entry({ name: e.name, type: e.type ?? 'file', mode: 0o644 }, e.body ?? '');
        pack.finalize();
        pack.on('data', (d: unknown) => stdout.write(d as Buffer));
        pack.on('end', () => {
          status({ status: 'Success' });
          setImmediate(() => ws.emit('close'));
        });
        return ws;
      },
    },
  } as unknown as Cluster;
}

test("a pod's outputs are written only inside the run's folder, never through a link already there", async () => {
  const outside = tmpDir('axon-outside-');
  const dest = tmpDir('axon-dest-');
  fs.symlinkSync(outside, path.join(dest, 'linked'));
  fs.writeFileSync(path.join(outside, 'victim.txt'), 'original\n');
  fs.symlinkSync(path.join(outside, 'victim.txt'), path.join(dest, 'victim-link.txt'));
  const r = await copyOutputs(
    fakeCluster([
      { name: './model.txt', body: 'weights\n' },
      { name: './linked/planted.txt', body: 'planted\n' },
      // The pod has a folder where, through the link, a file outside is: that file is not made way for.
      { name: './linked/victim.txt/x', body: 'x\n' },
      { name: './linked/deeper', type: 'directory' },
      { name: './victim-link.txt', body: 'overwritten\n' },
      { name: '../escaped.txt', body: 'escaped\n' },
    ]),
    'pod',
    dest,
  );
  assert.equal(fs.readFileSync(path.join(dest, 'model.txt'), 'utf8'), 'weights\n');
  assert.deepEqual(fs.readdirSync(outside).sort(), ['victim.txt'], 'nothing created outside');
  assert.equal(fs.readFileSync(path.join(outside, 'victim.txt'), 'utf8'), 'original\n');
  assert.equal(fs.existsSync(path.join(path.dirname(dest), 'escaped.txt')), false);
  assert.ok(r.files >= 1);
});

test('a build context takes nothing from outside the project: a linked context folder or Dockerfile is refused', async () => {
  const outside = tmpDir('axon-outside-');
  fs.writeFileSync(path.join(outside, 'Dockerfile'), 'FROM scratch\n');
  fs.writeFileSync(path.join(outside, 'passwd'), 'root:x:0:0\n');
  const proj = tmpDir('axon-proj-');
  fs.writeFileSync(path.join(proj, 'train.py'), 'print(1)\n');
  fs.symlinkSync(outside, path.join(proj, 'ext'));

  // The Dockerfile kept in the context even when ignored: not when it is reached through a link out.
  const scan = await scanContext(proj, { keep: ['ext/passwd'] });
  assert.deepEqual(
    scan.entries.map((e) => `${e.type}:${e.rel}`),
    ['symlink:ext', 'file:train.py'],
    'the link itself is sent as a link (as the Docker CLI does), never what it points at',
  );

  const noDocker = {} as never;
  const base = { buildSteps: [], envVars: [], nocache: false };
  await assert.rejects(
    buildImage(noDocker, { codeDir: proj, build: { ...base, context: 'ext' }, onOutput: () => undefined }),
    /build\.context "ext" is outside the project folder/,
  );
  await assert.rejects(
    buildImage(noDocker, { codeDir: proj, build: { ...base, context: '..' }, onOutput: () => undefined }),
    /outside the project folder/,
  );
  await assert.rejects(
    buildImage(noDocker, {
      codeDir: proj,
      build: { ...base, dockerfile: 'ext/Dockerfile' },
      onOutput: () => undefined,
    }),
    /build\.dockerfile "ext\/Dockerfile" not found in the project/,
  );
});

test("a project's polyaxonfiles are its own files: a symlinked polyaxonfile is neither listed nor read", async () => {
  const outside = tmpDir('axon-outside-');
  fs.writeFileSync(path.join(outside, 'secret.yml'), 'version: 1\nkind: experiment\nsecret: yes\n');
  const proj = tmpDir('axon-proj-');
  fs.symlinkSync(path.join(outside, 'secret.yml'), path.join(proj, 'polyaxonfile.yml'));
  fs.symlinkSync(path.join(outside, 'secret.yml'), path.join(proj, 'other.yml'));
  fs.writeFileSync(path.join(proj, 'mine.yml'), 'version: 1\nkind: experiment\n');
  const files = await projectSpecFiles(proj);
  assert.deepEqual(
    files.map((f) => f.name),
    ['mine.yml'],
  );
});
