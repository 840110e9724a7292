// Downloading an output file. Over HTTP (`axon serve`) the page signs a link with its token (HMAC-SHA256 in
// WebCrypto, shared/download.ts) and the browser downloads it like any file, streamed, whatever its size; the
// token itself never appears in a URL. The desktop app talks to its engine over IPC, with no HTTP server to
// stream from: there the file's place on disk is shown instead (canDownload is false).
import { connection, takeTokenFromUrl } from '../api';
import { DOWNLOAD_TTL_MS, downloadHref, downloadMessage } from '../../../shared/download';

export const canDownload = connection.kind === 'http';

async function hmacHex(key: string, message: string): Promise<string> {
  const enc = new TextEncoder();
  const k = await crypto.subtle.importKey('raw', enc.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', k, enc.encode(message)));
  return [...sig].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A link to experiment `id`'s output file `path`, good for a few minutes. */
export async function outputDownloadUrl(id: number, path: string): Promise<string> {
  const token = takeTokenFromUrl();
  if (!token) throw new Error('this page has no engine token to sign the download with');
  const expires = Date.now() + DOWNLOAD_TTL_MS;
  return downloadHref(id, path, expires, await hmacHex(token, downloadMessage(id, path, expires)));
}

/** Starts the browser's download of the file (signed just now, so a page left open still works). */
export async function downloadOutput(id: number, path: string): Promise<void> {
  const a = document.createElement('a');
  a.href = await outputDownloadUrl(id, path);
  a.download = path.split('/').pop() ?? path;
  document.body.append(a);
  a.click();
  a.remove();
}
