// The HTTP and WebSocket entry points hardened (main/server/hardening.ts): security headers, CORS closed and
// foreign origins refused, a body-size limit with a 413 that says so, and errors that never carry a stack
// trace or the engine's file paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import WebSocket from 'ws';
import { Engine } from '../../main/engine/engine';
import { serve } from '../../main/server/http';
import { MAX_BODY_BYTES } from '../../main/server/hardening';
import type { AxonApi } from '../../shared/api';
import { tmpDir } from '../helpers';

/** A raw request (fetch cannot set Host or Origin), answered with status, headers and body. */
function raw(
  url: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method: opts.method ?? 'POST',
        path: opts.path,
        headers: opts.headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

function wsOpen(url: string, headers: Record<string, string>): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('error', () => undefined);
  });
}

test('every answer carries the security headers and no CORS grant; preflights and foreign origins are refused', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  const server = await serve(engine);
  const auth = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
  try {
    const ok = await raw(server.url, { path: '/api/projects.list', headers: auth, body: '{}' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['x-content-type-options'], 'nosniff');
    assert.equal(ok.headers['x-frame-options'], 'DENY');
    assert.equal(ok.headers['referrer-policy'], 'no-referrer');
    assert.match(String(ok.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(ok.headers['access-control-allow-origin'], undefined);

    // The dashboard keeps its own CSP (static.ts), with the other headers added.
    const page = await raw(server.url, { method: 'GET', path: '/' });
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal(page.headers['access-control-allow-origin'], undefined);

    const preflight = await raw(server.url, {
      method: 'OPTIONS',
      path: '/api/projects.list',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    assert.equal(preflight.status, 403);
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    assert.equal(preflight.headers['access-control-allow-methods'], undefined);

    // Even with the token (a leaked one), another site's page is refused by its Origin.
    const foreign = await raw(server.url, {
      path: '/api/projects.list',
      headers: { ...auth, origin: 'https://evil.example' },
      body: '{}',
    });
    assert.equal(foreign.status, 403);
    assert.match(JSON.parse(foreign.body).error.message, /cross-origin requests are not allowed/);
    const sameOrigin = await raw(server.url, {
      path: '/api/projects.list',
      headers: { ...auth, origin: server.url },
      body: '{}',
    });
    assert.equal(sameOrigin.status, 200);

    // DNS rebinding: a loopback server answers only to a loopback Host.
    const rebound = await raw(server.url, {
      path: '/api/projects.list',
      headers: { ...auth, host: `evil.example:${new URL(server.url).port}` },
      body: '{}',
    });
    assert.equal(rebound.status, 403);
    assert.match(JSON.parse(rebound.body).error.message, /answers only on loopback/);

    const events = `${server.url.replace('http', 'ws')}/api/events?token=${server.token}`;
    assert.equal(await wsOpen(events, {}), 'open', 'no Origin (a CLI, a script): accepted');
    assert.equal(await wsOpen(events, { origin: server.url }), 'open', 'its own origin: accepted');
    assert.equal(await wsOpen(events, { origin: 'https://evil.example' }), 403);
    assert.equal(await wsOpen(events, { origin: 'null' }), 403);
  } finally {
    await server.close();
    await engine.close();
  }
});

test('a body over the limit is answered 413 with the limit named; one under it is read', async () => {
  const engine = await Engine.start({ home: tmpDir() });
  const server = await serve(engine);
  const auth = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
  try {
    const big = Buffer.alloc(MAX_BODY_BYTES + 1, 0x20);
    const r = await raw(server.url, { path: '/api/projects.list', headers: auth, body: big });
    assert.equal(r.status, 413);
    const body = JSON.parse(r.body) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'invalid_input');
    assert.match(body.error.message, /larger than 8 MiB/);
    // Chunked (no Content-Length): cut off once the limit is passed.
    const chunked = await new Promise<number>((resolve, reject) => {
      const u = new URL(server.url);
      const req = http.request(
        { host: u.hostname, port: u.port, method: 'POST', path: '/api/projects.list', headers: auth },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 9; i++) req.write(Buffer.alloc(1024 * 1024, 0x20));
      req.end();
    });
    assert.equal(chunked, 413);
    const under = await raw(server.url, {
      path: '/api/projects.list',
      headers: auth,
      body: `{}${' '.repeat(1024 * 1024)}`,
    });
    assert.equal(under.status, 200);
  } finally {
    await server.close();
    await engine.close();
  }
});

test('an unexpected error crosses the wire as `internal` with an id: no stack, no engine path; the log has them', async () => {
  const home = tmpDir();
  const secretPath = `${home}/runs/7/secret-internal-file.txt`;
  const api: AxonApi = {
    call: async () => {
      const e = new Error(`ENOENT: no such file or directory, open '${secretPath}'`);
      throw e;
    },
    on: () => () => undefined,
  };
  const server = await serve(api, { token: 't0k' });
  const logged: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  const quiet = process.env.AXON_QUIET;
  delete process.env.AXON_QUIET;
  process.stderr.write = ((chunk: string) => (logged.push(String(chunk)), true)) as never;
  try {
    const r = await raw(server.url, {
      path: '/api/projects.list',
      headers: { authorization: 'Bearer t0k' },
      body: '{}',
    });
    assert.equal(r.status, 500);
    const body = JSON.parse(r.body) as { error: { code: string; message: string; details: { id: string } } };
    assert.equal(body.error.code, 'internal');
    assert.doesNotMatch(r.body, /secret-internal-file|ENOENT|\/tmp\/|at .*:\d+:\d+/);
    assert.match(body.error.message, new RegExp(`id ${body.error.details.id}`));
    const line = logged.join('');
    assert.match(line, new RegExp(`internal error ${body.error.details.id} in projects\\.list`));
    assert.match(line, /secret-internal-file/, 'the detail is in the engine log');
    // A request the handler cannot even parse (an absolute-form target that is no URL) does not take the
    // server down.
    const bad = await raw(server.url, { method: 'GET', path: 'http://[' });
    assert.ok(bad.status >= 400, `status ${bad.status}`);
    const badPath = await raw(server.url, { method: 'GET', path: '/%E0%A4%A' });
    assert.equal(badPath.status, 400, 'a path that is not valid percent-encoding is a bad request');
    const after = await raw(server.url, { method: 'GET', path: '/api/health' });
    assert.equal(after.status, 200);
  } finally {
    process.stderr.write = write;
    if (quiet !== undefined) process.env.AXON_QUIET = quiet;
    await server.close();
  }
});
