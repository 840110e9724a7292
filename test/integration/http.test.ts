// The HTTP + WebSocket transport: token required, errors as {code, message, details}, events delivered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Engine } from '../../main/engine/engine';
import { serve } from '../../main/server/http';
import { createHttpClient } from '../../shared/http-client';
import { projectWith, tmpDir, waitFor } from '../helpers';
import fs from 'node:fs';

test('the API over HTTP: token checked, errors shaped, events pushed over the WebSocket', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  const server = await serve(engine);
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const noToken = await fetch(`${server.url}/api/projects.list`, { method: 'POST', body: '{}' });
    assert.equal(noToken.status, 401);
    const wrong = createHttpClient(server.url, 'not-the-token', WebSocket as never);
    await assert.rejects(wrong.call('projects.list', {}), /missing or wrong token/);

    const client = createHttpClient(server.url, server.token, WebSocket as never);
    const bad = await fetch(`${server.url}/api/projects.create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ name: '../etc' }),
    });
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { ok: boolean; error: { code: string; message: string } };
    assert.equal(body.ok, false);
    assert.equal(body.error.code, 'invalid_input');
    assert.match(body.error.message, /^name: /);
    assert.doesNotMatch(JSON.stringify(body), /at .*\.ts:\d+/, 'no stack traces cross the wire');
    await assert.rejects(
      client.call('experiments.get', { id: 999 }),
      (e: Error & { code?: string }) => e.code === 'not_found',
    );

    const seen: string[] = [];
    const logs: string[] = [];
    client.on('experiments.changed', ({ experiment }) => seen.push(experiment.status));
    client.on('logs.appended', (c) => logs.push(c.text));
    await client.ready();
    const { dir, file } = projectWith('echo hello over the wire');
    await client.call('runs.create', {
      files: [{ name: 'p.yml', text: fs.readFileSync(file, 'utf8') }],
      params: {},
      codePath: dir,
    });
    await waitFor(async () => seen.includes('succeeded'), 15_000, 'the succeeded event');
    assert.deepEqual(seen, ['scheduled', 'starting', 'running', 'succeeded']);
    assert.match(logs.join(''), /hello over the wire/);
    client.close();
  } finally {
    await server.close();
    await engine.close();
  }
});

test('the renderer build is served at / without a token, with a CSP; no path escapes its folder', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  const dir = tmpDir('axon-static-');
  fs.writeFileSync(`${dir}/index.html`, '<!doctype html><title>Axon</title>');
  fs.mkdirSync(`${dir}/assets`);
  fs.writeFileSync(`${dir}/assets/app.js`, 'console.log(1)');
  const server = await serve(engine, { staticDir: dir });
  try {
    const index = await fetch(`${server.url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.match(await index.text(), /<title>Axon<\/title>/);
    const js = await fetch(`${server.url}/assets/app.js`);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    const escape = await fetch(`${server.url}/..%2F..%2Fetc%2Fpasswd`);
    assert.ok([403, 404].includes(escape.status), '[403, 404].includes(escape.status)');
    assert.equal((await fetch(`${server.url}/missing.js`)).status, 404);
    assert.equal((await fetch(`${server.url}/api/projects.list`, { method: 'POST' })).status, 401);
  } finally {
    await server.close();
    await engine.close();
  }
});

test('metric series are downsampled by the engine with a min/max band; the machine is described', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const p = await engine.store.projects.create('p', '', '/tmp');
    const id = await engine.store.db.transaction(() =>
      engine.store.experiments.insert({
        projectId: p.id,
        groupId: null,
        name: null,
        backend: 'local',
        cmd: 'x',
        spec: {},
        params: {},
        tags: [],
        codePath: '/tmp',
      }),
    );
    const jobId = await engine.store.db.transaction(() =>
      engine.store.jobs.insert(id, 'master', 0, '/dev/null'),
    );
    const points = Array.from({ length: 10_000 }, (_, i) => ({
      key: 'loss',
      step: i,
      ts: 1,
      value: Math.sin(i / 100) + i / 10_000,
    }));
    points.push({ key: 'acc', step: 0, ts: 1, value: 0.5 });
    await engine.store.metrics.ingest({
      experimentId: id,
      jobId,
      points,
      params: {},
      tags: [],
      consumed: 0,
      malformed: 0,
    });
    const series = await engine.call('experiments.metricSeries', { id, maxPoints: 100 });
    const loss = series.find((s) => s.key === 'loss')!;
    assert.equal(loss.total, 10_000);
    assert.ok(loss.points.length <= 100 && loss.points.length >= 90, `${loss.points.length} points`);
    assert.equal(loss.points.at(-1)!.step, 9999);
    for (const pt of loss.points)
      assert.ok(pt.min <= pt.value && pt.value <= pt.max, 'pt.min <= pt.value && pt.value <= pt.max');
    assert.ok(
      Math.max(...loss.points.map((pt) => pt.max)) >=
        Math.max(...points.filter((x) => x.key === 'loss').map((x) => x.value)) - 1e-12,
    );
    assert.deepEqual(series.find((s) => s.key === 'acc')!.points, [
      { step: 0, ts: 1, value: 0.5, min: 0.5, max: 0.5 },
    ]);
    const m = await engine.call('system.machine', {});
    assert.ok(
      m.cpus >= 1 && m.memoryBytes > m.freeMemoryBytes && m.freeMemoryBytes > 0,
      'm.cpus >= 1 && m.memoryBytes > m.freeMemoryBytes && m.freeMemoryBytes > 0',
    );
  } finally {
    await engine.close();
  }
});

test('concurrent runs in a new project create it once', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  try {
    const { dir, file } = projectWith('true');
    const text = fs.readFileSync(file, 'utf8');
    const created = await Promise.all(
      [1, 2, 3, 4].map(() =>
        engine.call('runs.create', { files: [{ name: 'p.yml', text }], params: {}, codePath: dir }),
      ),
    );
    assert.equal(new Set(created.map((c) => (c.kind === 'experiment' ? c.experiment.projectId : 0))).size, 1);
    assert.equal((await engine.call('projects.list', {})).length, 1);
  } finally {
    await engine.close();
  }
});
