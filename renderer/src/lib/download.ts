// Downloading an output file. Over HTTP (`axon serve`) the page asks the engine for a link to the file
// (`experiments.downloadLink`: allowed to whoever may read the run, signed by the engine, good for a few minutes;
// shared/download.ts) and the browser downloads it like any file, streamed, whatever its size; no token ever
// appears in a URL. The desktop app talks to its engine over IPC, with no HTTP server to stream from: there the
// file's place on disk is shown instead (canDownload is false).
import { call, connection } from '../api';

export const canDownload = connection.kind === 'http';

/** A link to experiment `id`'s output file `path`, good for a few minutes. */
export async function outputDownloadUrl(id: number, path: string): Promise<string> {
  return (await call('experiments.downloadLink', { id, path })).href;
}

/** Starts the browser's download of the file (a link made just now, so a page left open still works). */
export async function downloadOutput(id: number, path: string): Promise<void> {
  const a = document.createElement('a');
  a.href = await outputDownloadUrl(id, path);
  a.download = path.split('/').pop() ?? path;
  document.body.append(a);
  a.click();
  a.remove();
}
