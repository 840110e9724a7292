// API methods the dashboard needs beyond the entities: the end of a failed run's log, where an output file is
// (for the HTTP server's download), and the projects list's summaries.
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../shared/api';
import type { Handlers } from './handlers';
import type { Store } from './store';
import { logTail } from './log-tail';
import { outputsDir } from './outputs-reader';
import { projectSummaries } from './project-summary';

export type DashboardMethods = 'experiments.logTail' | 'experiments.outputPath' | 'projects.summaries';

/** `rel` inside experiment `id`'s outputs folder, symlinks resolved; refused when it leads out of it. */
export async function locateOutput(store: Store, id: number, rel: string) {
  const x = await store.experiments.row(id);
  const dir = outputsDir(x);
  if (!dir || !fs.existsSync(dir)) throw new ApiError('not_found', `experiment ${id} has no outputs folder`);
  const root = await fs.promises.realpath(dir);
  let real: string;
  try {
    real = await fs.promises.realpath(path.resolve(root, rel));
  } catch {
    throw new ApiError('not_found', `experiment ${id} has no output file ${rel}`);
  }
  if (!real.startsWith(root + path.sep))
    throw new ApiError('invalid_input', `${rel} is outside experiment ${id}'s outputs folder`);
  const stat = await fs.promises.stat(real);
  if (!stat.isFile()) throw new ApiError('invalid_input', `${rel} is not a file`);
  return { path: rel, realPath: real, size: stat.size };
}

export function makeDashboardHandlers(engine: { store: Store }): Pick<Handlers, DashboardMethods> {
  const { store } = engine;
  return {
    'experiments.logTail': ({ id, job, lines }) => logTail(store, id, job, lines),
    'experiments.outputPath': ({ id, path: rel }) => locateOutput(store, id, rel),
    'projects.summaries': () => projectSummaries(store),
  };
}
