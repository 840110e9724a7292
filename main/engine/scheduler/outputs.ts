// The index of a run's output files (the files themselves stay in its outputs folder).
import fs from 'node:fs';
import path from 'node:path';
import { OUTPUT_PART_SUFFIX } from '../backends/backend';
import { resolveInside } from '../safe-path';

/** At most this many output files are indexed per run; the files themselves are all kept. */
export const MAX_OUTPUT_FILES = 10_000;

export async function listFiles(root: string): Promise<Array<{ path: string; size: number }>> {
  const out: Array<{ path: string; size: number }> = [];
  const walk = async (rel: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= MAX_OUTPUT_FILES) return;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile() && !e.name.endsWith(OUTPUT_PART_SUFFIX)) {
        // A file may go between the listing and its stat (a distributed run's copy moving it aside).
        const st = await fs.promises.stat(path.join(root, r)).catch(() => null);
        if (st) out.push({ path: r, size: st.size });
      } else if (e.isSymbolicLink() && !e.name.endsWith(OUTPUT_PART_SUFFIX)) {
        // `latest.ckpt -> epoch_10.ckpt`: a link to a file inside the outputs is one (it downloads as that
        // file); one leading out of them, or to a folder, is not listed.
        const r2 = await resolveInside(root, r);
        const st = r2.ok ? await fs.promises.stat(r2.real).catch(() => null) : null;
        if (st?.isFile()) out.push({ path: r, size: st.size });
      }
    }
  };
  await walk('');
  return out;
}
