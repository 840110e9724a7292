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
 *  experiment still in the store writes into. Returns what could not be removed, said for the user (the
 *  experiments are deleted either way: a folder left is theirs to remove, not a failed delete). */
export async function removeRunFolders(db: Db, home: string, gone: RunFolders[]): Promise<string[]> {
  const left: string[] = [];
  // Files a container wrote as another user (root, in an image run before Axon handed outputs back) can
  // refuse removal; the rest goes, and the user learns which folder is left and how to remove it.
  const rm = async (p: string) => {
    const e = await removeWhatCan(p);
    // The likely cause too: the code alone does not say who wrote the files.
    if (e)
      left.push(
        `${p} could not be removed (${e.code ?? e.message}); files a container wrote there as another user ` +
          `are removed with: sudo rm -rf ${shellQuote(p)}`,
      );
  };
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
      for (const name of entries.filter((n) => n !== 'outputs')) await rm(path.join(runDir, name));
    } else await rm(runDir);
    // A resume's outputs are its original's: once nobody uses them, and the original is gone too, the
    // original's folder (which then holds only them) goes.
    const borrowed = x.outputs_dir && x.outputs_dir !== own ? x.outputs_dir : null;
    if (!borrowed || (await used(borrowed))) continue;
    const ownerDir = path.dirname(borrowed);
    const owner = await db.get<{ id: number }>('SELECT id FROM experiments WHERE run_dir = ? LIMIT 1', [
      ownerDir,
    ]);
    if (!owner && inRuns(ownerDir)) await rm(ownerDir);
  }
  return left;
}

/** Removes `p` and everything in it that can be removed (node's rm stops at the first refusal, leaving the rest);
 *  the first refusal, or null. */
async function removeWhatCan(p: string): Promise<NodeJS.ErrnoException | null> {
  const first = await fs.promises.rm(p, { recursive: true, force: true }).then(
    () => null,
    (e: NodeJS.ErrnoException) => e,
  );
  if (!first) return null;
  // A file's own refusal (EPERM, EACCES) is the one to tell: node's rm answers ENOTDIR for it.
  const st = await fs.promises.lstat(p).catch(() => null);
  if (!st) return null;
  if (!st.isDirectory())
    return fs.promises.unlink(p).then(
      () => null,
      (e: NodeJS.ErrnoException) => e,
    );
  const entries = await fs.promises.readdir(p).catch(() => [] as string[]);
  let inner: NodeJS.ErrnoException | null = null;
  for (const name of entries) inner = (await removeWhatCan(path.join(p, name))) ?? inner;
  return fs.promises.rmdir(p).then(
    () => null,
    () => inner ?? first,
  );
}

/** `p` as one word of a POSIX shell command line. */
const shellQuote = (p: string) => `'${p.replace(/'/g, `'\\''`)}'`;
