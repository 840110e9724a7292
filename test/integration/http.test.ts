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
