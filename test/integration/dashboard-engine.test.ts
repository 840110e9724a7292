// The engine side of the dashboard's failed-run view, output downloads and projects list, on a real store and
// real child processes: experiments.logTail on a Python script that fails with a traceback on stderr,
// projects.summaries while a run runs and after a sweep, and the signed download route of `serve`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import { serve } from '../../main/server/http';
import { downloadKey, signDownload } from '../../main/engine/download-link';
import { downloadHref } from '../../shared/download';
import { isDone } from '../../shared/statuses';
import { tmpDir, waitFor } from '../helpers';

async function run(engine: Engine, cmd: string, dir: string, project = 'dash'): Promise<number> {
  const c = await engine.call('runs.create', {
    files: [{ name: 'p.yml', text: `version: 1\nkind: experiment\nrun:\n  cmd: ${JSON.stringify(cmd)}\n` }],
    params: {},
    project,
    codePath: dir,
  });
  if (c.kind !== 'experiment') throw new Error('expected an experiment');
  return c.experiment.id;
}

const ended = (engine: Engine, id: number) =>
  waitFor(async () => {
    const x = await engine.call('experiments.get', { id });
    return isDone(x.status) ? x : null;
  }, 30_000);

const FAILING = `import sys
for i in range(100):
    print(f"epoch {i}")
print('@@axon {"metrics":{"loss":0.5},"step":1}', flush=True)
def inner():
    raise ValueError("the data has no column 'label'")
def outer():
    inner()
sys.stdout.flush()
outer()
`;

test('logTail: a failed Python run shows its traceback whole, metric records left out, said to be the merged log', async () => {
  const dir = tmpDir('axon-tail-');
  fs.writeFileSync(path.join(dir, 'train.py'), FAILING);
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const id = await run(engine, 'python3 train.py', dir);
    const x = await ended(engine, id);
    assert.equal(x.status, 'failed');
    const tail = await engine.call('experiments.logTail', { id, lines: 5 });
    assert.equal(tail.streams, 'merged');
    assert.equal(tail.replica, 'master-0');
    const tb = tail.tracebackAt;
    assert.notEqual(tb, null, `a traceback found in: ${tail.lines.join('\n')}`);
    assert.match(tail.lines[tb!]!, /^Traceback \(most recent call last\):/);
    assert.match(tail.lines.at(-1)!, /^ValueError: the data has no column 'label'$/);
    // More than the 5 lines asked for: the traceback is shown from its first line.
    assert.ok(tail.lines.length > 5, 'the whole traceback');
    assert.equal(tail.omittedBefore, true);
    assert.ok(!tail.lines.some((l) => l.includes('@@axon')), 'no metric record');

    const all = await engine.call('experiments.logTail', { id });
    assert.equal(all.lines.length, 40, 'the default: the last 40 lines (the traceback fits)');
    assert.equal(all.lines[0], 'epoch 68');
    assert.ok(all.lines.includes('epoch 99'), 'stdout just before the traceback is there too (one stream)');
    await assert.rejects(engine.call('experiments.logTail', { id, job: 99999 }), /has no job 99999/);
    await assert.rejects(engine.call('experiments.logTail', { id, lines: 0 } as never), /lines/);
  } finally {
    await engine.close();
  }
});

test('projects.summaries: running count and last activity while a run runs; best of the latest group objective', async () => {
  const dir = tmpDir('axon-summary-');
  const engine = await Engine.start({ home: tmpDir() });
  try {
    await engine.call('projects.create', { name: 'empty', codePath: dir });
    const sweep = [
      'version: 1',
      'kind: group',
      'hptuning:',
      '  concurrency: 3',
      '  metric: {name: acc, optimization: maximize}',
      '  matrix:',
      '    x: {values: [1, 3, 2]}',
      'run:',
      `  cmd: 'echo "@@axon {\\"metrics\\":{\\"acc\\":{{ x }},\\"loss\\":{{ x }}}}"'`,
    ].join('\n');
    const g = await engine.call('runs.create', {
      files: [{ name: 'g.yml', text: sweep }],
      params: {},
      project: 'sweeps',
      codePath: dir,
    });
    assert.equal(g.kind, 'group');
    const gid = g.kind === 'group' ? g.group.id : 0;
    await waitFor(
      async () => ((await engine.call('groups.get', { id: gid })).status === 'done' ? 1 : null),
      30_000,
    );
    // A project with no group: the metric most experiments report, lower better for a loss.
    const a = await run(engine, 'echo \'@@axon {"metrics":{"loss":0.25}}\'', dir, 'plain');
    const b = await run(engine, 'echo \'@@axon {"metrics":{"loss":0.125}}\'', dir, 'plain');
    await ended(engine, a);
    await ended(engine, b);
    const sleeper = await run(engine, 'sleep 30', dir, 'plain');
    await waitFor(
      async () => (await engine.call('experiments.get', { id: sleeper })).status === 'running' || null,
      20_000,
    );

    const byName = Object.fromEntries((await engine.call('projects.summaries', {})).map((s) => [s.name, s]));
    assert.deepEqual(byName.empty, {
      name: 'empty',
      lastActivityAt: null,
      running: 0,
      active: 0,
      best: null,
    });
    assert.equal(byName.sweeps.running, 0);
    assert.equal(byName.sweeps.best?.metric, 'acc');
    assert.equal(byName.sweeps.best?.value, 3, 'acc is maximised: the highest');
    assert.equal(byName.sweeps.best?.basis, 'group');
    assert.equal(byName.sweeps.best?.groupId, gid);
    assert.equal(byName.plain.running, 1);
    assert.equal(byName.plain.best?.metric, 'loss');
    assert.equal(byName.plain.best?.value, 0.125);
    assert.equal(byName.plain.best?.optimization, 'minimize');
    assert.equal(byName.plain.best?.basis, 'common');
    assert.equal(byName.plain.best?.experimentId, b);
    const sleeping = await engine.call('experiments.get', { id: sleeper });
    assert.equal(byName.plain.lastActivityAt, sleeping.startedAt, 'the latest start');
    await engine.call('experiments.stop', { id: sleeper });
  } finally {
    await engine.close();
  }
});

test('download: a signed link returns the file bytes; a bad signature, an old link or an escape is refused', async () => {
  const dir = tmpDir('axon-download-');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'not an output\n');
  const engine = await Engine.start({ home: tmpDir() });
  const server = await serve(engine, { token: 'test-token' });
  try {
    const cmd = [
      'cd "$AXON_OUTPUTS_PATH"',
      'mkdir -p ckpt',
      "printf 'a\\000b\\377' > 'ckpt/model é.bin'",
      `ln -s ${path.join(dir, 'secret.txt')} escape.txt`,
    ].join('; ');
    const id = await run(engine, cmd, dir);
    assert.equal((await ended(engine, id)).status, 'succeeded');
    const key = downloadKey(engine.home);
    const link = (file: string, opts: { expires?: number; key?: string } = {}) => {
      const expires = opts.expires ?? Date.now() + 60_000;
      return server.url + downloadHref(id, file, expires, signDownload(opts.key ?? key, id, file, expires));
    };
    // The link the page asks for: made by the engine for a caller who may read the run.
    const given = await engine.call('experiments.downloadLink', { id, path: 'ckpt/model é.bin' });
    assert.ok(Date.parse(given.expiresAt) > Date.now());
    assert.deepEqual(
      Buffer.from(await (await fetch(server.url + given.href)).arrayBuffer()),
      Buffer.from([0x61, 0, 0x62, 0xff]),
    );
    await assert.rejects(
      engine.call('experiments.downloadLink', { id, path: 'escape.txt' }),
      /outside experiment/,
    );
    const ok = await fetch(link('ckpt/model é.bin'));
    assert.equal(ok.status, 200);
    assert.deepEqual(Buffer.from(await ok.arrayBuffer()), Buffer.from([0x61, 0, 0x62, 0xff]));
    assert.equal(ok.headers.get('content-type'), 'application/octet-stream');
    assert.match(
      ok.headers.get('content-disposition') ?? '',
      /^attachment; .*filename\*=UTF-8''model%20%C3%A9\.bin$/,
    );
    assert.equal(ok.headers.get('x-content-type-options'), 'nosniff');

    const refused = async (url: string, status: number, message: RegExp) => {
      const r = await fetch(url);
      assert.equal(r.status, status, url);
      const body = (await r.json()) as { error: { message: string } };
      assert.match(body.error.message, message);
    };
    // Signed with the home's token (what pages did before) or any other key: refused.
    await refused(link('ckpt/model é.bin', { key: 'test-token' }), 401, /not signed/);
    await refused(link('ckpt/model é.bin', { expires: Date.now() - 1000 }), 401, /expired/);
    await refused(link('escape.txt'), 400, /outside experiment/);
    await refused(link('../spec.json'), 400, /outside experiment/);
    await refused(link('ckpt'), 400, /not a file/);
    await refused(link('nope.bin'), 404, /no output file/);
    // A link signed for one file does not open another.
    const good = new URL(link('ckpt/model é.bin'));
    good.searchParams.set('path', 'escape.txt');
    await refused(good.href, 401, /not signed/);
  } finally {
    await server.close();
    await engine.close();
  }
});
