// HTTP + WebSocket transport of the API, generated from the contract: POST /api/<method> with the JSON input,
// and one WebSocket at /api/events for subscriptions. Binds to loopback and requires the engine's token.
import http from 'node:http';
import { serveStatic } from './static';
import { callerOf, loadIdentity, saveIdentity, subscriberOf } from './identity';
import { createServer, type TlsFiles } from './tls';
import { DOWNLOAD_PATH, serveDownload } from './download';
import { downloadKey } from '../engine/download-link';
import * as hardening from './hardening';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { EVENT_NAMES, methods, type AxonApi, type EventName, type MethodName } from '../../shared/api';

export interface ServerOptions {
  port?: number;
  host?: string;
  token?: string;
  /** The renderer build served at `/` (default dist/renderer). */
  staticDir?: string;
  /**
   * AXON_HOME, whose `server.json` keeps the token and port between starts (so an open dashboard survives a
   * restart of the engine). By default the engine's own home, when `api` is an Engine; none: a new token
   * each start.
   */
  home?: string;
  /** `axon serve --auth`: each call is made as the caller its token names (main/server/identity.ts). */
  auth?: boolean;
  /** HTTPS with these PEM files. */
  tls?: TlsFiles;
}

export interface RunningServer {
  url: string;
  token: string;
  close(): Promise<void>;
}

function bearer(req: http.IncomingMessage): string | null {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : null;
}

/** The home of an Engine passed as the API (it has a `home` string), for the default of `opts.home`. */
function homeOf(api: AxonApi): string | undefined {
  const h = (api as { home?: unknown }).home;
  return typeof h === 'string' && h ? h : undefined;
}

export async function serve(api: AxonApi, opts: ServerOptions = {}): Promise<RunningServer> {
  const home = opts.home ?? homeOf(api);
  const kept = home && !opts.token ? loadIdentity(home) : null;
  const token = opts.token ?? kept?.token ?? randomBytes(24).toString('hex');
  const host = opts.host ?? '127.0.0.1';

  const server = createServer(opts.tls, (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    hardening.setSecurityHeaders(res);
    const refused = hardening.crossOriginRefusal(req, host);
    if (refused) return hardening.refuse(res, refused);
    const url = new URL(req.url ?? '/', 'http://localhost');
    // `auth` lets a browser with no session tell the login page (--auth) from a missing token (without).
    if (url.pathname === '/api/health') return send(200, { ok: true, auth: !!opts.auth });
    if (req.method === 'GET' && !url.pathname.startsWith('/api/'))
      return serveStatic(req, res, opts.staticDir);
    // A signed link (shared/download.ts) instead of the token: a browser's plain download cannot send it.
    if ((req.method === 'GET' || req.method === 'HEAD') && url.pathname.startsWith(DOWNLOAD_PATH))
      return void serveDownload(api, home ? downloadKey(home) : token, req, res, url).catch(() =>
        res.destroy(),
      );
    const caller = callerOf(api, !!opts.auth, token, bearer(req), req.socket.remoteAddress ?? null);
    if (!caller)
      return send(401, { ok: false, error: { code: 'unauthorized', message: 'missing or wrong token' } });
    const m = /^\/api\/([a-zA-Z]+\.[a-zA-Z]+)$/.exec(url.pathname);
    if (req.method !== 'POST' || !m || !(m[1] in methods))
      return send(404, {
        ok: false,
        error: { code: 'not_found', message: `no API method at ${req.method} ${url.pathname}` },
      });
    void hardening
      .readBody(req)
      .then(async (raw) => {
        let input: unknown;
        try {
          input = raw.length ? JSON.parse(raw.toString('utf8')) : {};
        } catch {
          return send(400, { ok: false, error: { code: 'invalid_input', message: 'the body is not JSON' } });
        }
        try {
          const result = await caller.call(m[1] as MethodName, input as never);
          send(200, { ok: true, result });
        } catch (e) {
          const { status, error } = hardening.publicError(e, m[1]);
          send(status, { ok: false, error });
        }
      })
      .catch((e) => hardening.failRequest(res, e, m[1]));
  });
  hardening.guardRequests(server);

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const refused = hardening.crossOriginRefusal(req, host);
    if (refused) return hardening.refuseUpgrade(socket, refused);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const given = url.searchParams.get('token') ?? bearer(req);
    const address = req.socket.remoteAddress ?? null;
    void subscriberOf(api, !!opts.auth, token, given, address).then((subscriber) => {
      if (url.pathname !== '/api/events' || !subscriber) {
        socket.write('HTTP/1.1 401 Unauthorized\r\n\r\n');
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        attach(ws, subscriber);
        // A session that ends (logout, expiry) or a revoked token closes its socket (4401) within seconds.
        const unwatch = subscriber.watch?.(() => ws.close(4401, 'the session ended'));
        if (unwatch) ws.on('close', unwatch);
      });
    });
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const failed = (e: Error) => reject(e);
      server.once('error', failed);
      server.listen(port, host, () => {
        server.off('error', failed);
        resolve();
      });
    });
  // No port asked for: the one of the last start when it is free (an open page finds the engine there).
  if (!opts.port && kept?.port) {
    try {
      await listen(kept.port);
    } catch (e) {
      if (
        (e as NodeJS.ErrnoException).code !== 'EADDRINUSE' &&
        (e as NodeJS.ErrnoException).code !== 'EACCES'
      )
        throw e;
      await listen(0);
    }
  } else await listen(opts.port ?? 0);
  const { port } = server.address() as AddressInfo;
  if (home && kept) saveIdentity(home, { token, port });
  return {
    url: `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One socket: `{"subscribe": "<event>"}` / `{"unsubscribe": ...}` in, `{"event", "payload"}` out. */
function attach(ws: WebSocket, api: Pick<AxonApi, 'on'>): void {
  const subs = new Map<EventName, () => void>();
  ws.on('message', (raw) => {
    let msg: { subscribe?: string; unsubscribe?: string };
    try {
      msg = JSON.parse(String(raw));
    } catch {
      return;
    }
    // `null`, a number or a list is valid JSON too: reading a field of it threw and took the engine down.
    if (!msg || typeof msg !== 'object') return;
    const name = (msg.subscribe ?? msg.unsubscribe) as EventName;
    if (!EVENT_NAMES.includes(name)) return;
    if (msg.subscribe && !subs.has(name))
      subs.set(
        name,
        api.on(name, (payload) => {
          // A slow client is cut off rather than letting its buffer grow without bound.
          if (ws.bufferedAmount > 32 * 1024 * 1024) return ws.terminate();
          ws.send(JSON.stringify({ event: name, payload }));
        }),
      );
    if (msg.unsubscribe) {
      subs.get(name)?.();
      subs.delete(name);
    }
    ws.send(JSON.stringify({ ack: name }));
  });
  ws.on('close', () => {
    for (const off of subs.values()) off();
    subs.clear();
  });
}
