// The code version of a run: the git commit, branch, remote, dirty flag and the uncommitted diff (bounded),
// or, for a folder that is not a git repository, a content hash of its files.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import ignore from 'ignore';
import type { CodeRef } from '../../../shared/domain';
import { holdsAxonHome, isAxonHome } from '../home';

/** The stored diff is cut here (and `diffTruncated` set): 1 MiB keeps the database small. */
export const DIFF_LIMIT_BYTES = 1024 * 1024;
/** Files larger than this are hashed by size and mtime, not content, so a data folder cannot stall a run. */
export const HASH_CONTENT_LIMIT_BYTES = 8 * 1024 * 1024;
/** At most this many files go into the content hash; the count says how many there were. */
export const HASH_MAX_FILES = 20000;

export function git(cwd: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) =>
    execFile('git', args, { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 15000 }, (err, stdout) =>
      resolve(err ? null : stdout),
    ),
  );
}

/**
 * Whether git could see a work tree here: a `.git` (folder, or file of a worktree or submodule) in the folder or
 * above it, or GIT_DIR / GIT_WORK_TREE set. When none is, asking git is a process start (5–15 ms) that answers no.
 */
export function mayBeGitWorkTree(dir: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.GIT_DIR || env.GIT_WORK_TREE) return true;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return true;
    if (path.dirname(d) === d) return false;
  }
}

export async function snapshotCode(dir: string): Promise<CodeRef> {
  const inside =
    mayBeGitWorkTree(dir) && (await git(dir, ['rev-parse', '--is-inside-work-tree']))?.trim() === 'true';
  if (inside) return gitRef(dir);
  return hashRef(dir);
}

async function gitRef(dir: string): Promise<CodeRef> {
  const [commit, branch, remotes, status, top] = await Promise.all([
    git(dir, ['rev-parse', 'HEAD']),
    git(dir, ['rev-parse', '--abbrev-ref', 'HEAD']),
    git(dir, ['remote', '-v']),
    git(dir, ['status', '--porcelain', '-z', '--untracked-files=normal']),
    git(dir, ['rev-parse', '--show-toplevel']),
  ]);
  const root = top?.trim() || dir; // porcelain paths are the work tree's
  const remoteLine = remotes?.split('\n').find((l) => l.startsWith('origin\t')) ?? remotes?.split('\n')[0];
  const remote = remoteLine ? (remoteLine.split(/\s+/)[1] ?? null) : null;
  // An Axon home in the work tree (AXON_HOME=./.axon, not ignored) is not a change to the code. (-z: paths
  // unquoted, whatever characters they hold; a rename's second path is one more entry, still a change.)
  const entries = (status ?? '').split('\0').filter((l) => l.trim());
  const homes = await Promise.all(
    entries.map((l) => l.startsWith('?? ') && l.endsWith('/') && isAxonHome(path.join(root, l.slice(3)))),
  );
  const lines = entries.filter((_, i) => !homes[i]);
  const dirty = lines.length > 0;
  let diff: string | null = null;
  let diffTruncated = false;
  if (dirty) {
    const tracked =
      (commit ? await git(dir, ['diff', 'HEAD', '--binary']) : await git(dir, ['diff', '--cached'])) ?? '';
    const untracked = lines.filter((l) => l.startsWith('?? ')).map((l) => l.slice(3));
    let text = tracked;
    if (untracked.length)
      text += `\n# untracked files (not in the diff):\n${untracked.map((f) => `#   ${f}`).join('\n')}\n`;
    const bytes = Buffer.from(text, 'utf8');
    diffTruncated = bytes.length > DIFF_LIMIT_BYTES;
    diff = diffTruncated ? bytes.subarray(0, DIFF_LIMIT_BYTES).toString('utf8') : text;
  }
  return {
    kind: 'git',
    commit: commit?.trim() || null,
    branch: branch?.trim() && branch.trim() !== 'HEAD' ? branch.trim() : null,
    remote,
    dirty,
    diff,
    diffTruncated,
    contentHash: null,
    fileCount: null,
  };
}

const IGNORE_FILES = ['.gitignore', '.axonignore', '.polyaxonignore', '.dockerignore'];
const ALWAYS_IGNORED = ['.git/', 'node_modules/', '__pycache__/', '.venv/', 'outputs/'];

/** sha256 over (relative path, size, content hash) of every file not ignored, in sorted order. */
async function hashRef(dir: string): Promise<CodeRef> {
  const ig = ignore().add(ALWAYS_IGNORED);
  for (const f of IGNORE_FILES) {
    try {
      ig.add(await fs.promises.readFile(path.join(dir, f), 'utf8'));
    } catch {
      /* absent */
    }
  }
  const files: string[] = [];
  let count = 0;
  const walk = async (rel: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    if (rel && holdsAxonHome(entries)) return; // an Axon home inside the folder is not code
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!ig.ignores(`${r}/`)) await walk(r);
      } else if (e.isFile() && !ig.ignores(r)) {
        count++;
        if (files.length < HASH_MAX_FILES) files.push(r);
      }
    }
  };
  await walk('');
  const h = createHash('sha256');
  for (const r of files) {
    const full = path.join(dir, r);
    const st = await fs.promises.stat(full);
    h.update(`${r}\0${st.size}\0`);
    if (st.size <= HASH_CONTENT_LIMIT_BYTES) h.update(await fs.promises.readFile(full));
    else h.update(`mtime:${st.mtimeMs}`);
    h.update('\0');
  }
  return {
    kind: 'hash',
    commit: null,
    branch: null,
    remote: null,
    dirty: false,
    diff: null,
    diffTruncated: false,
    contentHash: h.digest('hex'),
    fileCount: count,
  };
}
