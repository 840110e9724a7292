// GET /api/download/<id>?path=…&expires=…&sig=… : the bytes of one output file, as an attachment. The link is
// signed by the engine (`experiments.downloadLink`, main/engine/download-link.ts), so it names one file and expires; the file is found
// through the contract (`experiments.outputPath`: confined to the run's outputs folder, `..` and symlinks
// leading out refused) and opened without following a symlink put there since. Always
// application/octet-stream, nosniff and a sandbox policy: an HTML output never runs on the dashboard's origin.
import { timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { AxonApi } from '../../shared/api';
import { publicError } from './hardening';
import { DOWNLOAD_PATH, DOWNLOAD_TTL_MS } from '../../shared/download';
import { signDownload } from '../engine/download-link';

export { DOWNLOAD_PATH };

const STATUS: Record<string, number> = { invalid_input: 400, not_found: 404, unauthorized: 401 };

function fail(res: http.ServerResponse, code: string, message: string, status = STATUS[code] ?? 500): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ ok: false, error: { code, message } }));
}

/** `filename*` for any name, and a plain ASCII `filename` for clients that read only that. */
function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export async function serveDownload(
  api: AxonApi,
  key: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<void> {
  const id = Number(url.pathname.slice(DOWNLOAD_PATH.length));
  const file = url.searchParams.get('path') ?? '';
  const expires = Number(url.searchParams.get('expires'));
  const sig = url.searchParams.get('sig') ?? '';
  if (!Number.isInteger(id) || id <= 0 || !file)
    return fail(
      res,
      'invalid_input',
      `expected ${DOWNLOAD_PATH}<experiment id>?path=<output file>&expires=…&sig=…`,
    );
  const now = Date.now();
  if (!Number.isFinite(expires) || expires < now || expires > now + DOWNLOAD_TTL_MS + 60_000)
    return fail(res, 'unauthorized', 'this download link has expired: choose Download again');
  const want = Buffer.from(signDownload(key, id, file, expires), 'hex');
  const given = Buffer.from(/^[0-9a-f]{64}$/.test(sig) ? sig : '', 'hex');
  if (given.length !== want.length || !timingSafeEqual(given, want))
    return fail(res, 'unauthorized', 'the download link is not signed by this engine');
  let real: string;
  try {
    real = (await api.call('experiments.outputPath', { id, path: file })).realPath;
  } catch (e) {
    // As every answer: an unexpected error is `internal` with an id, its detail only in the engine's log.
    const { status, error } = publicError(e, 'download');
    return fail(res, error.code, error.message, status);
  }
  let fd: number;
  try {
    fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return fail(res, 'not_found', `experiment ${id}'s output file ${file} could not be opened`);
  }
  const stat = fs.fstatSync(fd);
  if (!stat.isFile()) {
    fs.closeSync(fd);
    return fail(res, 'invalid_input', `${file} is not a file`);
  }
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': String(stat.size),
    'content-disposition': disposition(path.basename(file)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "sandbox; default-src 'none'",
  });
  if (req.method === 'HEAD') {
    fs.closeSync(fd);
    return void res.end();
  }
  const stream = fs.createReadStream('', { fd, autoClose: true });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
