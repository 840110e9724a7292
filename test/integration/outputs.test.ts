// The outputs browser's API on real runs: the live list while a run runs, the recorded index after, and
// bounded previews (text, image, binary) that never leave the run's outputs folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { isDone } from '../../shared/statuses';
import { tmpDir, waitFor } from '../helpers';

async function create(engine: Engine, cmd: string, dir: string): Promise<number> {
  const c = await engine.call('runs.create', {
    files: [{ name: 'p.yml', text: `version: 1\nkind: experiment\nrun:\n  cmd: ${JSON.stringify(cmd)}\n` }],
    params: {},
    codePath: dir,
  });
  if (c.kind !== 'experiment') throw new Error('expected an experiment');
  return c.experiment.id;
}

// 1×1 PNG
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

test('output files: listed live while running, previewed as text, image or binary, confined to the folder', async () => {
  const dir = tmpDir('axon-outputs-');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'not an output\n');
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const cmd = [
      'cd "$AXON_OUTPUTS_PATH"',
      'mkdir -p ckpt',
      'seq 1 50000 > ckpt/numbers.txt',
      `echo ${PNG} | base64 -d > plot.png`,
      "printf 'a\\000b' > model.bin",
      `ln -s ${path.join(dir, 'secret.txt')} escape.txt`,
      'touch ready',
      'sleep 30',
    ].join('; ');
    const id = await create(engine, cmd, dir);
    const live = await waitFor(async () => {
      const x = await engine.call('experiments.get', { id });
      return x.outputs.some((f) => f.path === 'ready') ? x.outputs : null;
    }, 20_000);
    assert.deepEqual(
      live.map((f) => f.path).sort(),
      ['ckpt/numbers.txt', 'model.bin', 'plot.png', 'ready'],
      'the running experiment lists its files from the folder (the symlink is not a file entry)',
    );

    const text = await engine.call('experiments.outputFile', {
      id,
      path: 'ckpt/numbers.txt',
      maxBytes: 1000,
    });
    assert.equal(text.kind, 'text');
    assert.equal(text.truncated, true);
    assert.equal(text.text?.length, 1000);
    assert.ok(text.text?.startsWith('1\n2\n3\n'), 'the start of the file');
    assert.equal(text.size, fs.statSync(text.absolutePath).size);

    const img = await engine.call('experiments.outputFile', { id, path: 'plot.png' });
    assert.equal(img.kind, 'image');
    assert.equal(img.dataUrl, `data:image/png;base64,${PNG}`);

    const bin = await engine.call('experiments.outputFile', { id, path: 'model.bin' });
    assert.equal(bin.kind, 'binary');
    assert.equal(bin.text, undefined);

    await assert.rejects(
      engine.call('experiments.outputFile', { id, path: '../logs/master-0.log' }),
      /outside/,
    );
    await assert.rejects(engine.call('experiments.outputFile', { id, path: 'escape.txt' }), /outside/);
    await assert.rejects(
      engine.call('experiments.outputFile', { id, path: 'nope.txt' }),
      /no output file nope\.txt/,
    );
    await assert.rejects(engine.call('experiments.outputFile', { id, path: 'ckpt' }), /not a file/);

    await engine.call('experiments.stop', { id });
    const done = await waitFor(async () => {
      const x = await engine.call('experiments.get', { id });
      return isDone(x.status) ? x : null;
    }, 20_000);
    assert.deepEqual(
      done.outputs.map((f) => f.path),
      ['ckpt/numbers.txt', 'model.bin', 'plot.png', 'ready'],
      'after the end: the recorded index',
    );
  } finally {
    await engine.close();
  }
});

test('a symlink to a file inside the outputs is an output (latest.ckpt); one leading out, or to a folder, is not', async () => {
  const dir = tmpDir('axon-outputs-links-');
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const cmd = [
      'cd $AXON_OUTPUTS_PATH',
      'mkdir -p ckpt && printf 0123456789 > ckpt/epoch_10.ckpt',
      'ln -s ckpt/epoch_10.ckpt latest.ckpt',
      'ln -s /etc/hostname host',
      'ln -s ckpt ckpt-link',
      'ln -s nowhere dangling',
    ].join(' && ');
    const id = await create(engine, cmd, dir);
    const x = await waitFor(async () => {
      const e = await engine.call('experiments.get', { id });
      return isDone(e.status) ? e : null;
    });
    assert.equal(x.status, 'succeeded', x.statusReason ?? '');
    assert.deepEqual(
      [...x.outputs].sort((a, b) => a.path.localeCompare(b.path)),
      [
        { path: 'ckpt/epoch_10.ckpt', size: 10 },
        { path: 'latest.ckpt', size: 10 },
      ],
    );
    const at = await engine.call('experiments.outputPath', { id, path: 'latest.ckpt' });
    assert.equal(fs.readFileSync(at.realPath, 'utf8'), '0123456789');
    assert.match(
      (await engine.call('experiments.outputFile', { id, path: 'latest.ckpt' })).text ?? '',
      /0123456789/,
    );
  } finally {
    await engine.close();
  }
});
