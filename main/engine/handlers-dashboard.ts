// API methods the dashboard needs beyond the entities: the end of a failed run's log, where an output file is
// (for the HTTP server's download), and the projects list's summaries.
import fs from 'node:fs';
import { ApiError } from '../../shared/api';
import type { Handlers } from './handlers';
import type { Store } from './store';
import { logTail } from './log-tail';
import { resolveOutputFile } from './outputs-reader';
import { projectSummaries } from './project-summary';
import { DOWNLOAD_TTL_MS, downloadHref } from '../../shared/download';
import { downloadKey, signDownload } from './download-link';

export type DashboardMethods =
  'experiments.logTail' | 'experiments.outputPath' | 'experiments.downloadLink' | 'projects.summaries';

/** `rel` inside experiment `id`'s outputs folder, symlinks resolved; refused when it leads out of it. */
export async function locateOutput(store: Store, id: number, rel: string) {
  // The one confinement rule (outputs-reader.ts, safe-path.ts): `..`, absolute paths and links out refused.
  const { real } = await resolveOutputFile(store, id, rel);
  const stat = await fs.promises.stat(real);
  if (!stat.isFile()) throw new ApiError('invalid_input', `${rel} is not a file`);
  return { path: rel, realPath: real, size: stat.size };
}

export function makeDashboardHandlers(engine: {
  store: Store;
  home: string;
}): Pick<Handlers, DashboardMethods> {
  const { store } = engine;
  return {
    'experiments.logTail': ({ id, job, lines }) => logTail(store, id, job, lines),
    'experiments.outputPath': ({ id, path: rel }) => locateOutput(store, id, rel),
    'experiments.downloadLink': async ({ id, path: rel }) => {
      await locateOutput(store, id, rel); // refused now, not when the browser follows the link
      const expires = Date.now() + DOWNLOAD_TTL_MS;
      const sig = signDownload(downloadKey(engine.home), id, rel, expires);
      return { href: downloadHref(id, rel, expires, sig), expiresAt: new Date(expires).toISOString() };
    },
    'projects.summaries': () => projectSummaries(store),
  };
}
