// The outputs browser's engine side: a run's output files (live from its folder while it runs, the recorded
// index once it ended) and a bounded preview of one of them. Paths are confined to the outputs folder
// (safe-path.ts): a `..`, an absolute path or a symlink that leads out of it is refused, whether or not what it
// names exists, and the file is opened without following a link swapped in since, so the API never becomes a
// way to read any other file.
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../shared/api';
import type { OutputPreview } from '../../shared/domain';
import { isDone } from '../../shared/statuses';
import type { Store } from './store';
import type { ExperimentRow } from './store/experiments';
import { listFiles } from './scheduler/outputs';
import { READ_NOFOLLOW, resolveInside } from './safe-path';

const IMAGE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};
/** Images up to this size are sent whole (as a data: URL); larger ones are described, not sent. */
const MAX_IMAGE_BYTES = 4 * 1024 * 1024;

export const outputsDir = (x: ExperimentRow) =>
  x.outputs_dir || (x.run_dir ? path.join(x.run_dir, 'outputs') : null);

/** The output files of a run: what is in its folder while it runs, or when a resume of it has written there
 *  since (the folder is shared: the recorded index would no longer be what a download gets); else the index
 *  recorded when it ended. */
export async function outputFiles(store: Store, x: ExperimentRow) {
  const dir = outputsDir(x);
  if (dir && (!isDone(x.status) || (await sharedWithResume(store, x.id, dir))) && fs.existsSync(dir))
    return listFiles(dir);
  return store.outputs.list(x.id);
}

async function sharedWithResume(store: Store, id: number, dir: string): Promise<boolean> {
  return !!(await store.db.get('SELECT 1 FROM experiments WHERE outputs_dir = ? AND id != ? LIMIT 1', [
    dir,
    id,
  ]));
}

/** `rel` inside experiment `id`'s outputs folder, symlinks resolved; refused when it leads out of it. */
export async function resolveOutputFile(
  store: Store,
  id: number,
  rel: string,
): Promise<{ dir: string; real: string }> {
  const x = await store.experiments.row(id);
  const dir = outputsDir(x);
  if (!dir || !fs.existsSync(dir)) throw new ApiError('not_found', `experiment ${id} has no outputs folder`);
  const r = await resolveInside(dir, rel);
  if (!r.ok && r.why === 'outside')
    throw new ApiError('invalid_input', `${rel} is outside experiment ${id}'s outputs folder`);
  if (!r.ok) throw new ApiError('not_found', `experiment ${id} has no output file ${rel}`);
  return { dir, real: r.real };
}

/** Opens an output file for reading (a symlink in its place is refused); its stat taken from the open file. */
async function openOutput(
  real: string,
  rel: string,
): Promise<{ fh: fs.promises.FileHandle; stat: fs.Stats }> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(real, READ_NOFOLLOW);
  } catch {
    throw new ApiError('not_found', `output file ${rel} could not be opened`);
  }
  const stat = await fh.stat();
  if (!stat.isFile()) {
    await fh.close();
    throw new ApiError('invalid_input', `${rel} is not a file`);
  }
  return { fh, stat };
}

export async function previewOutput(
  store: Store,
  id: number,
  rel: string,
  maxBytes: number,
): Promise<OutputPreview> {
  const { dir, real } = await resolveOutputFile(store, id, rel);
  const { fh, stat } = await openOutput(real, rel);
  try {
    const base = { path: rel, absolutePath: path.resolve(dir, rel), size: stat.size };
    const mime = IMAGE_TYPES[path.extname(real).toLowerCase()];
    if (mime) {
      if (stat.size > MAX_IMAGE_BYTES) return { ...base, kind: 'binary', truncated: true };
      const data = await fh.readFile();
      return {
        ...base,
        kind: 'image',
        dataUrl: `data:${mime};base64,${data.toString('base64')}`,
        truncated: false,
      };
    }
    const len = Math.min(stat.size, maxBytes);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, 0);
    // A NUL in the first bytes: not text (git's heuristic).
    if (buf.subarray(0, 8000).includes(0)) return { ...base, kind: 'binary', truncated: len < stat.size };
    return { ...base, kind: 'text', text: buf.toString('utf8'), truncated: len < stat.size };
  } finally {
    await fh.close();
  }
}
