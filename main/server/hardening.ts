// What every HTTP and WebSocket entry point of the server does before and after the API call, kept out of
// http.ts so the transport stays generic: security headers on every response, cross-origin requests refused
// (no CORS: the dashboard is served from the same origin), request bodies held to a size, and errors mapped so
// that nothing internal (stack traces, the engine's file paths) crosses the wire. See docs/SECURITY.md.
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { toApiError, type ApiErrorShape } from '../../shared/api-errors';
import { log } from '../engine/log';

/** The largest request body accepted (AXON_MAX_BODY_BYTES overrides it): polyaxonfiles are at most 1 MiB each
 *  (shared/polyaxonfile/limits.ts), so a runs.create with several of them fits with room to spare. */
export const MAX_BODY_BYTES = Number(process.env.AXON_MAX_BODY_BYTES) || 8 * 1024 * 1024;

/** API responses are data, never a page: nothing may load, frame or sniff them. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Headers every response gets. The static server replaces the CSP with the dashboard's own (its writeHead
 * headers win over these); the rest hold for pages and API answers alike. No Access-Control-Allow-* header is
 * ever sent, so a browser keeps other origins' pages from reading any answer.
 */
export function setSecurityHeaders(res: http.ServerResponse): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
  res.setHeader('content-security-policy', API_CSP);
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function hostname(hostHeader: string): string {
  // `[::1]:8080` keeps its brackets; `name:8080` loses the port.
  const m = /^(\[[^\]]*\]|[^:]*)(?::\d*)?$/.exec(hostHeader.trim().toLowerCase());
  return m ? m[1] : '';
}

const isLoopbackHost = (host: string) =>
  LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host) || host.endsWith('.localhost');

/**
 * Why a request must be refused before it reaches the API (null: let it through):
 *  - a server bound to loopback answers only to a loopback Host, so a page on another site whose name was
 *    re-pointed at 127.0.0.1 (DNS rebinding) cannot talk to it;
 *  - a request carrying an Origin must come from the server's own origin (same host and port); browsers send
 *    Origin on every cross-origin request and WebSocket handshake, so another site's page is refused even
 *    before the token is checked;
 *  - OPTIONS (a CORS preflight) is never granted.
 */
export function crossOriginRefusal(req: http.IncomingMessage, boundHost: string): string | null {
  const host = req.headers.host ?? '';
  if (isLoopbackHost(hostname(boundHost)) && !isLoopbackHost(hostname(host)))
    return `this server answers only on loopback; the Host ${JSON.stringify(host)} is not a loopback name`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let o: URL | null = null;
    try {
      o = new URL(origin);
    } catch {
      /* refused below */
    }
    if (
      !o ||
      (o.protocol !== 'http:' && o.protocol !== 'https:') ||
      o.host.toLowerCase() !== host.toLowerCase()
    )
      return `cross-origin requests are not allowed (Origin ${JSON.stringify(origin)})`;
  } else if (origin === 'null') return 'cross-origin requests are not allowed (Origin null)';
  if (req.method === 'OPTIONS') return 'cross-origin requests are not allowed (no CORS preflight is granted)';
  return null;
}

/** The body of a refused cross-origin request (403; no CORS header, so a browser page cannot even read it). */
export function refuse(res: http.ServerResponse, why: string): void {
  res.writeHead(403, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: false, error: { code: 'forbidden', message: why } }));
}

/** The same refusal on a WebSocket upgrade (the socket is raw: an HTTP answer written by hand). */
export function refuseUpgrade(socket: { write(s: string): void; destroy(): void }, why: string): void {
  const body = JSON.stringify({ ok: false, error: { code: 'forbidden', message: why } });
  socket.write(
    `HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
  socket.destroy();
}

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(
      `the request body is larger than ${formatLimit(limit)}, the most this server accepts (AXON_MAX_BODY_BYTES)`,
    );
  }
}

const formatLimit = (n: number) =>
  n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;

/**
 * Reads a request body up to `limit` bytes. Over it (by Content-Length, or once that many bytes arrived), it
 * rejects with BodyTooLarge and discards the rest, so the client still reads the 413 that follows.
 */
export function readBody(req: http.IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new BodyTooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(new BodyTooLarge(limit));
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!over) reject(e);
    });
  });
}

/** 413 for an oversized body; the connection is closed after it (what is left of the body is not read). */
export function sendTooLarge(res: http.ServerResponse, e: BodyTooLarge): void {
  res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify({ ok: false, error: { code: 'invalid_input', message: e.message } }));
}

// Keyed by string: codes other transports add (authentication's) keep their own status here too.
const STATUS: Record<string, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  invalid_spec: 422,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  internal: 500,
};

/**
 * An error as it may cross the wire, with its HTTP status. An `internal` error (a bug, or an exception nothing
 * turned into an ApiError) is answered with a generic message and an id; its detail, stack included, goes to
 * the engine's log (stderr; AXON_HOME/engine.log for a background engine) under that id. Other errors are the
 * engine's deliberate answers about the request, and pass as they are.
 */
export function publicError(e: unknown, where: string): { status: number; error: ApiErrorShape } {
  const err = toApiError(e);
  if (err.code !== 'internal') {
    const status = STATUS[err.code] ?? 500;
    return { status, error: err.toJSON() };
  }
  const id = randomBytes(6).toString('hex');
  const detail = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
  log.warn(`internal error ${id} in ${where}: ${detail}`);
  return {
    status: 500,
    error: {
      code: 'internal',
      message: `internal error (id ${id}); the engine's log has the details`,
      details: { id },
    },
  };
}

/** The answer to a request whose handling threw: a generic 500 (the detail logged), or a cut connection if
 *  the answer had already begun. */
export function failRequest(res: http.ServerResponse, e: unknown, where: string): void {
  if (e instanceof BodyTooLarge) return sendTooLarge(res, e);
  const { status, error } = publicError(e, where);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: false, error }));
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Makes the server's request handlers unable to take it down: what one throws becomes failRequest's answer
 *  (a body over the limit, BodyTooLarge, its 413). */
export function guardRequests(server: http.Server): void {
  const handlers = server.listeners('request') as Handler[];
  server.removeAllListeners('request');
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    for (const h of handlers) {
      try {
        h(req, res);
      } catch (e) {
        failRequest(res, e, `${req.method} ${(req.url ?? '').split('?')[0].slice(0, 200)}`);
      }
    }
  });
}
