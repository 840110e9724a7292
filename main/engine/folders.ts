// Choosing a project's code folder from the app (a browser has no native folder dialog): list a folder's
// sub-folders, and detect what Axon cares about in it — its polyaxonfiles and its git state. Read-only.
// A project's polyaxonfiles are its folder's own regular files: a symlink (to a file elsewhere) is neither
// listed nor read, and files are opened without following one swapped in since (safe-path.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiError } from '../../shared/api';
import type { FolderInfo, SpecFileText } from '../../shared/domain';
import { git } from './code/snapshot';
import { READ_NOFOLLOW } from './safe-path';

/** The names `axon run` looks for first, then any YAML file at the top that reads like a polyaxonfile. */
const DEFAULT_NAMES = ['polyaxonfile', 'polyaxon', 'axon'].flatMap((n) =>
  ['yml', 'yaml', 'json'].map((e) => `${n}.${e}`),
);
const MAX_DIRS = 1000;
const MAX_SPEC_FILES = 20;
const MAX_SPEC_BYTES = 1024 * 1024;
const looksLikeSpec = (text: string) => /^(version|kind)\s*:/m.test(text);

async function specFileNames(dir: string, entries: fs.Dirent[]): Promise<string[]> {
  const yaml = entries
    .filter((e) => e.isFile() && /\.(ya?ml|json)$/i.test(e.name))
    .map((e) => e.name)
    .sort((a, b) => {
      const ra = DEFAULT_NAMES.indexOf(a);
      const rb = DEFAULT_NAMES.indexOf(b);
      return (ra < 0 ? 99 : ra) - (rb < 0 ? 99 : rb) || a.localeCompare(b);
    });
  const out: string[] = [];
  for (const name of yaml) {
    if (out.length >= MAX_SPEC_FILES) break;
    if (DEFAULT_NAMES.includes(name)) {
      out.push(name);
      continue;
    }
    const fh = await fs.promises.open(path.join(dir, name), READ_NOFOLLOW).catch(() => null);
    if (!fh) continue;
    try {
      const buf = Buffer.alloc(4096);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      if (looksLikeSpec(buf.subarray(0, bytesRead).toString('utf8'))) out.push(name);
    } finally {
      await fh.close();
    }
  }
  return out;
}

export async function inspectFolder(input?: string): Promise<FolderInfo> {
  const dir = path.resolve(input?.trim() ? input.trim().replace(/^~(?=$|\/)/, os.homedir()) : os.homedir());
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'ENOTDIR'
          ? 'is not a folder'
          : code === 'EACCES'
            ? 'is not readable'
            : (e as Error).message;
    throw new ApiError('not_found', `${dir} ${why}`);
  }
  const dirs = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
  const inside = (await git(dir, ['rev-parse', '--is-inside-work-tree']))?.trim() === 'true';
  let gitInfo: FolderInfo['git'] = null;
  if (inside) {
    const [commit, branch, status, top] = await Promise.all([
      git(dir, ['rev-parse', 'HEAD']),
      git(dir, ['rev-parse', '--abbrev-ref', 'HEAD']),
      git(dir, ['status', '--porcelain', '--untracked-files=normal']),
      git(dir, ['rev-parse', '--show-toplevel']),
    ]);
    gitInfo = {
      root: top?.trim() || dir,
      commit: commit?.trim() || null,
      branch: branch?.trim() && branch.trim() !== 'HEAD' ? branch.trim() : null,
      dirty: !!status?.trim(),
    };
  }
  const parent = path.dirname(dir);
  return {
    path: dir,
    parent: parent === dir ? null : parent,
    dirs: dirs.slice(0, MAX_DIRS),
    moreDirs: Math.max(0, dirs.length - MAX_DIRS),
    polyaxonfiles: await specFileNames(dir, entries),
    git: gitInfo,
    suggestedName:
      path
        .basename(dir)
        .replace(/[^A-Za-z0-9_.-]+/g, '-')
        .replace(/^[^A-Za-z0-9]+/, '') || null,
  };
}

/** The polyaxonfiles in a project's folder, with their text (each up to 1 MiB), for the New run editor. */
export async function projectSpecFiles(codePath: string | null): Promise<SpecFileText[]> {
  if (!codePath || !fs.existsSync(codePath)) return [];
  const entries = await fs.promises.readdir(codePath, { withFileTypes: true });
  const out: SpecFileText[] = [];
  for (const name of await specFileNames(codePath, entries)) {
    const fh = await fs.promises.open(path.join(codePath, name), READ_NOFOLLOW).catch(() => null);
    if (!fh) continue;
    try {
      const st = await fh.stat();
      if (!st.isFile() || st.size > MAX_SPEC_BYTES) continue;
      out.push({ name, text: await fh.readFile('utf8') });
    } finally {
      await fh.close();
    }
  }
  return out;
}
