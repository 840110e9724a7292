// The folders of deleted experiments. A resumed experiment writes into the outputs folder of the run it
// resumes (SPEC §3.1: its checkpoints are there), so that folder stays while any experiment left uses it,
// and goes with the last of them.
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from './store/db';
import { paths } from './home';

export interface RunFolders {
  id: number;
  run_dir: string;
  outputs_dir: string | null;
}

/** Removes the folders of `gone` (already deleted from the store), keeping any outputs folder that an
 *  experiment still in the store writes into. */
export async function removeRunFolders(db: Db, home: string, gone: RunFolders[]): Promise<void> {
  const runs = paths(home).runs;
  const inRuns = (p: string) => path.relative(runs, p).split(path.sep)[0] !== '..' && p !== runs;
  const used = async (outputs: string) =>
    !!(await db.get<{ id: number }>('SELECT id FROM experiments WHERE outputs_dir = ? LIMIT 1', [outputs]));
  for (const x of gone) {
    const runDir = x.run_dir || paths(home).runDir(x.id);
    const own = path.join(runDir, 'outputs');
    if (await used(own)) {
      // Everything but the outputs that a resume of this run goes on writing.
      const entries = await fs.promises.readdir(runDir).catch(() => [] as string[]);
      for (const name of entries.filter((n) => n !== 'outputs'))
        await fs.promises.rm(path.join(runDir, name), { recursive: true, force: true });
    } else await fs.promises.rm(runDir, { recursive: true, force: true });
    // A resume's outputs are its original's: once nobody uses them, and the original is gone too, the
    // original's folder (which then holds only them) goes.
    const borrowed = x.outputs_dir && x.outputs_dir !== own ? x.outputs_dir : null;
    if (!borrowed || (await used(borrowed))) continue;
    const ownerDir = path.dirname(borrowed);
    const owner = await db.get<{ id: number }>('SELECT id FROM experiments WHERE run_dir = ? LIMIT 1', [
      ownerDir,
    ]);
    if (!owner && inRuns(ownerDir)) await fs.promises.rm(ownerDir, { recursive: true, force: true });
  }
}
