// The server of `axon serve`: plain HTTP, or HTTPS with --tls-cert/--tls-key (node:https, PEM files). Both
// have the same surface for the transport (listen, upgrade, close), so http.ts does not tell them apart.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

export interface TlsFiles {
  cert: string;
  key: string;
}

export function createServer(tls: TlsFiles | undefined, handler: http.RequestListener): http.Server {
  if (!tls) return http.createServer(handler);
  return https.createServer(
    { cert: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key) },
    handler,
  ) as unknown as http.Server;
}
