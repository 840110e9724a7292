// Serves the renderer build (dist/renderer) at `/`: the same bundle the desktop app loads. Static files carry
// no data, so they need no token; the page reads the token from its URL and the API checks it.
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../engine/package-root';
import type http from 'node:http';

export const RENDERER_DIR = path.join(PACKAGE_ROOT, 'dist', 'renderer');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function serveStatic(req: http.IncomingMessage, res: http.ServerResponse, root = RENDERER_DIR): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let rel: string;
  try {
    rel = decodeURIComponent(url.pathname);
  } catch {
    res
      .writeHead(400, { 'content-type': 'text/plain' })
      .end('bad request: the path is not valid percent-encoding');
    return;
  }
  if (rel === '/' || rel === '') rel = '/index.html';
  const file = path.resolve(root, `.${rel}`);
  if (!file.startsWith(root + path.sep)) {
    res.writeHead(403).end();
    return;
  }
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    res.writeHead(503, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      '<!doctype html><title>Axon</title><p>The Axon UI is not built. Run <code>npm run build:renderer</code>, then reload.</p>',
    );
    return;
  }
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': st.size,
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': rel === '/index.html' ? 'no-cache' : 'public, max-age=31536000, immutable',
    });
    fs.createReadStream(file).pipe(res);
  });
}
