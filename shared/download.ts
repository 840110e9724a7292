// A download link to one output file, served by `axon serve` (main/server/download.ts). A browser cannot put
// its token in a header of a plain link, and a link with the token itself would leave it in the browser's
// list of downloads; so the page asks the engine for a link (`experiments.downloadLink`, which checks that the
// caller may read the run, whoever the caller is: the home's token, a session or an API token) and the engine
// signs it with a key of its home (HMAC-SHA256 of this message): good for that one file, for a few minutes.

export const DOWNLOAD_PATH = '/api/download/';
/** How long a signed link is good for: long enough to start the download, not to be kept. */
export const DOWNLOAD_TTL_MS = 5 * 60_000;

export function downloadMessage(id: number, path: string, expires: number): string {
  return `axon-download\n${id}\n${path}\n${expires}`;
}

export function downloadHref(id: number, path: string, expires: number, signature: string): string {
  return `${DOWNLOAD_PATH}${id}?path=${encodeURIComponent(path)}&expires=${expires}&sig=${signature}`;
}
