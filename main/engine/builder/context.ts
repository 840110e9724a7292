// The build context: the files of the code snapshot that go to the Docker daemon, as a tar stream.
//
// Ignore rules (a path is left out when any of them excludes it):
//  - `.dockerignore` at the context root, with Docker's own semantics, evaluated by @balena/dockerignore (a port
//    of the Docker CLI's matcher): a pattern is matched from the context root (`*.pyc` is only the root's .pyc
//    files; `**/*.pyc` is everywhere; no implicit `**/` as in gitignore), a pattern that matches a folder
//    excludes everything in it, and the last matching pattern decides, so `!` can re-include a file inside an
//    excluded folder. As the Docker CLI does, an excluded folder is walked into only when an exception
//    pattern starts with its path (`data` then `!data/keep.csv`); otherwise it is skipped whole.
//  - `.axonignore` and `.polyaxonignore` at the context root (and, when the context is a subfolder of the
//    project, at the project root, matched from there), with plain gitignore semantics (the `ignore` package);
//  - `.git` anywhere, always.
// `.dockerignore` itself and the user's Dockerfile are always sent, as the Docker CLI does; the daemon then
// leaves them out of COPY if `.dockerignore` excludes them.
//
// The tar is reproducible: entries sorted, uid/gid 0 (root), mtime 0. The content hash (sha256 over the sorted
// (type, path, mode, size, link, sha256 of content) list and the Dockerfile) names the image, so an unchanged
// project finds its image without sending anything. Per-file digests are cached in memory by
// (path, device, inode, size, mtime, ctime), so a rebuild in the same process reads no file contents.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import ignore, { type Ignore } from 'ignore';
import { holdsAxonHome } from '../home';
import tar, { type Header, type Pack } from 'tar-stream';
import { READ_NOFOLLOW, resolveInside } from '../safe-path';

type HeaderArg = Partial<Header> & { name: string };

export interface ContextInfo {
  /** Regular files and symlinks sent (directories not counted). */
  files: number;
  /** Their total size in bytes (content, not the tar's size). */
  bytes: number;
  /** sha256 (hex) over the sorted (type, path, mode, size, link target, content digest) of every entry, plus
   *  the Dockerfile's name and text when one is given. */
  hash: string;
}

export interface ContextEntry {
  /** Path relative to the context root, `/`-separated. */
  rel: string;
  type: 'file' | 'directory' | 'symlink';
  /** Bytes (files), 0 otherwise. */
  size: number;
  /** Permission bits (`st_mode & 0o7777`). */
  mode: number;
  /** A symlink's target, as written. */
  linkname?: string;
  /** sha256 (hex) of a file's content or a symlink's target; '' for a directory. */
  digest: string;
}

export interface ScanOptions {
  /** More ignore files with gitignore semantics: names relative to the context root, or absolute paths. */
  extraIgnoreFiles?: string[];
  /** Context-relative paths sent even when ignored (the user's Dockerfile). `.dockerignore` always is. */
  keep?: string[];
  /** A folder above the context (the project root when `build.context` picks a subfolder) whose
   *  `.axonignore` / `.polyaxonignore` also apply, matched from that folder. */
  outerDir?: string;
  /** The Dockerfile that goes with the context: it enters the hash. */
  dockerfile?: { name: string; text: string };
  /** Called after the walk, before any file is read: the count and size are known (to warn early). */
  onListed?(listed: { files: number; bytes: number }): void;
}

export const AXON_IGNORE_FILES = ['.axonignore', '.polyaxonignore'];
/** The name the generated (or an out-of-context) Dockerfile gets inside the tar. */
export const GENERATED_DOCKERFILE = '.axon.Dockerfile';

/** What Docker's CLI does with one path of the context, per `.dockerignore`. */
export interface DockerignoreMatcher {
  /** Whether `rel` (context-relative, `/`-separated, no trailing `/`) is left out: the last pattern that
   *  matches it, or one of the folders above it, decides. */
  ignores(rel: string): boolean;
  /** For an excluded folder: whether the CLI still walks into it, which it does only when an exception
   *  (`!`) pattern starts with the folder's path and a `/`. */
  walksInto(rel: string): boolean;
}

/** Go's filepath.Clean for a pattern, as Docker applies it (and @balena/dockerignore with it). */
function cleanPattern(p: string): string {
  let c = path.posix.normalize(p.trim());
  if (c.length > 1) c = c.replace(/\/$/, '');
  if (c.length > 1 && c.startsWith('/')) c = c.slice(1);
  return path.posix.normalize(c).replace(/(?<=.)\/$/, '');
}

/**
 * `.dockerignore` read as the Docker CLI reads it: a leading UTF-8 BOM dropped, lines starting with `#`
 * ignored (a `#` after leading spaces is a pattern, as in Docker), every other line trimmed and cleaned.
 * Case-sensitive, as Docker on Linux. A pattern Docker could not use either (an unbalanced `[`) is an error
 * that names its line.
 */
export function dockerignoreMatcher(text: string): DockerignoreMatcher {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, i) => {
    try {
      dockerignore({ ignorecase: false }).add(line).ignores('a/b');
    } catch (e) {
      throw new Error(`.dockerignore line ${i + 1}: ${JSON.stringify(line.trim())} is not a valid pattern`, {
        cause: e,
      });
    }
  });
  const matcher = dockerignore({ ignorecase: false }).add(lines);
  const exceptions = lines
    .filter((l) => !l.startsWith('#') && l.trim().startsWith('!'))
    .map((l) => cleanPattern(l.trim().slice(1)))
    .filter((p) => p && p !== '.');
  return {
    ignores: (rel) => matcher.ignores(rel),
    walksInto: (rel) => exceptions.some((p) => `${p}/`.startsWith(`${rel}/`)),
  };
}

async function readText(file: string): Promise<string | null> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch {
    return null;
  }
}

/** `send`: in the context; `skip`: left out, with everything inside; `walk`: an excluded folder that is not
 *  sent itself but whose files are each checked (Docker's exception patterns may bring some back). */
type Verdict = 'send' | 'skip' | 'walk';

interface Matcher {
  verdict(rel: string, isDir: boolean): Verdict;
}

async function buildMatcher(dir: string, opts: ScanOptions): Promise<Matcher> {
  const dockerText = await readText(path.join(dir, '.dockerignore'));
  const docker = dockerText ? dockerignoreMatcher(dockerText) : null;
  const own = ignore().add('.git');
  for (const f of AXON_IGNORE_FILES) {
    const t = await readText(path.join(dir, f));
    if (t) own.add(t);
  }
  for (const f of opts.extraIgnoreFiles ?? []) {
    const t = await readText(path.isAbsolute(f) ? f : path.join(dir, f));
    if (t) own.add(t);
  }
  let outer: Ignore | null = null;
  let prefix = '';
  if (opts.outerDir) {
    const rel = path.relative(opts.outerDir, dir).split(path.sep).join('/');
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) {
      prefix = `${rel}/`;
      outer = ignore();
      for (const f of AXON_IGNORE_FILES) {
        const t = await readText(path.join(opts.outerDir, f));
        if (t) outer.add(t);
      }
    }
  }
  return {
    verdict(rel, isDir) {
      const p = isDir ? `${rel}/` : rel;
      if (own.ignores(p) || (outer !== null && outer.ignores(prefix + p))) return 'skip';
      if (!docker?.ignores(rel)) return 'send';
      return isDir && docker.walksInto(rel) ? 'walk' : 'skip';
    },
  };
}

// ---- per-file digests, cached by identity and change times ----

interface CachedDigest {
  key: string;
  digest: string;
}
const digestCache = new Map<string, CachedDigest>();
const DIGEST_CACHE_MAX = 200_000;

/** Forgets the cached file digests (the benchmark uses it to measure a cold scan). */
export function clearContextCache(): void {
  digestCache.clear();
}

const statKey = (st: fs.Stats) => `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;

async function fileDigest(abs: string, st: fs.Stats): Promise<string> {
  const key = statKey(st);
  const hit = digestCache.get(abs);
  if (hit && hit.key === key) return hit.digest;
  const h = createHash('sha256');
  if (st.size <= 512 * 1024) {
    const fh = await fs.promises.open(abs, READ_NOFOLLOW);
    try {
      h.update(await fh.readFile());
    } finally {
      await fh.close();
    }
  } else {
    await new Promise<void>((resolve, reject) => {
      const rs = fs.createReadStream('', { fd: fs.openSync(abs, READ_NOFOLLOW), highWaterMark: 1024 * 1024 });
      rs.on('data', (c) => h.update(c));
      rs.on('error', reject);
      rs.on('end', () => resolve());
    });
  }
  const digest = h.digest('hex');
  if (digestCache.size >= DIGEST_CACHE_MAX) digestCache.clear();
  digestCache.set(abs, { key, digest });
  return digest;
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const byRel = (a: { rel: string }, b: { rel: string }) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0);

/** The hash of a context (entries with digests) and, if given, its Dockerfile. */
export function contextInfo(
  entries: ContextEntry[],
  dockerfile?: { name: string; text: string },
): ContextInfo {
  const h = createHash('sha256');
  h.update('axon-build-context-v1\n');
  let files = 0;
  let bytes = 0;
  for (const e of [...entries].sort(byRel)) {
    if (e.type !== 'directory') files++;
    bytes += e.size;
    h.update(JSON.stringify([e.type, e.rel, e.mode & 0o7777, e.size, e.linkname ?? '', e.digest]) + '\n');
  }
  if (dockerfile) h.update(`dockerfile\n${JSON.stringify([dockerfile.name, dockerfile.text])}\n`);
  return { files, bytes, hash: h.digest('hex') };
}

/**
 * Lists the context under `dir` (ignore rules applied), then hashes the files (streaming, cached).
 * Entries come sorted by path.
 */
export async function scanContext(
  dir: string,
  opts: ScanOptions = {},
): Promise<{ entries: ContextEntry[]; info: ContextInfo }> {
  const root = path.resolve(dir);
  const st = await fs.promises.stat(root).catch(() => null);
  if (!st?.isDirectory()) throw new Error(`build context ${root} is not a folder`);
  const matcher = await buildMatcher(root, opts);
  const entries: ContextEntry[] = [];
  const stats = new Map<string, fs.Stats>();

  const walk = async (relDir: string): Promise<void> => {
    const dirents = await fs.promises.readdir(relDir ? path.join(root, relDir) : root, {
      withFileTypes: true,
    });
    // An Axon home inside the context (AXON_HOME=./.axon) is not code: the folder goes, with all in it.
    if (relDir && holdsAxonHome(dirents)) {
      const at = entries.findIndex((e) => e.rel === relDir);
      if (at >= 0) entries.splice(at, 1);
      return;
    }
    const subdirs: string[] = [];
    await Promise.all(
      dirents.map(async (d) => {
        const rel = relDir ? `${relDir}/${d.name}` : d.name;
        const isDir = d.isDirectory();
        if (!isDir && !d.isFile() && !d.isSymbolicLink()) return; // sockets, fifos, devices: never sent
        const verdict = matcher.verdict(rel, isDir);
        if (verdict === 'skip') return;
        const abs = path.join(root, rel);
        const s = await fs.promises.lstat(abs);
        const mode = s.mode & 0o7777;
        if (s.isDirectory()) {
          // An excluded folder walked into is not sent itself (as with the Docker CLI): the daemon creates
          // it for the files that are.
          if (verdict === 'send') entries.push({ rel, type: 'directory', size: 0, mode, digest: '' });
          subdirs.push(rel);
        } else if (verdict === 'walk') {
          return; // it was a folder when listed
        } else if (s.isSymbolicLink()) {
          const linkname = await fs.promises.readlink(abs);
          const digest = createHash('sha256').update(linkname).digest('hex');
          entries.push({ rel, type: 'symlink', size: 0, mode, linkname, digest });
        } else if (s.isFile()) {
          entries.push({ rel, type: 'file', size: s.size, mode, digest: '' });
          stats.set(rel, s);
        }
      }),
    );
    for (const sd of subdirs) await walk(sd);
  };
  await walk('');

  // Always sent, ignored or not (the daemon reads them; it drops ignored ones from COPY itself).
  const present = new Set(entries.map((e) => e.rel));
  for (const rel of ['.dockerignore', ...(opts.keep ?? [])]) {
    const clean = path.posix.normalize(rel).replace(/^\.\//, '');
    if (present.has(clean) || clean.startsWith('../') || path.posix.isAbsolute(clean)) continue;
    // A folder on the way that is a symlink out of the context (`link/Dockerfile`, link -> /etc) must not
    // bring an outside file in.
    if (!(await resolveInside(root, clean)).ok) continue;
    const s = await fs.promises.lstat(path.join(root, clean)).catch(() => null);
    if (!s?.isFile()) continue;
    entries.push({ rel: clean, type: 'file', size: s.size, mode: s.mode & 0o7777, digest: '' });
    stats.set(clean, s);
    present.add(clean);
  }
  entries.sort(byRel);

  if (opts.onListed) {
    let files = 0;
    let bytes = 0;
    for (const e of entries) {
      if (e.type !== 'directory') files++;
      bytes += e.size;
    }
    opts.onListed({ files, bytes });
  }

  const toHash = entries.filter((e) => e.type === 'file');
  await pool(toHash, 16, async (e) => {
    e.digest = await fileDigest(path.join(root, e.rel), stats.get(e.rel)!);
  });
  return { entries, info: contextInfo(entries, opts.dockerfile) };
}

/** The `.dockerignore` that goes in the tar with a generated Dockerfile: the user's, plus the two names, so
 *  the daemon keeps the Dockerfile (and this file) out of `COPY . /code` (what `docker build -f -` does). */
export function amendedDockerignore(userText: string | null, dockerfileName: string): string {
  return `${userText ?? ''}\n.dockerignore\n${dockerfileName}\n`;
}

const HEADER = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: new Date(0) };

function writeEntry(pack: Pack, header: HeaderArg, body?: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ ...HEADER, ...header }, body ?? '', (err) => (err ? reject(err) : resolve()));
  });
}

function writeFileEntry(pack: Pack, abs: string, e: ContextEntry): Promise<void> {
  if (e.size === 0) return writeEntry(pack, { name: e.rel, type: 'file', mode: e.mode, size: 0 });
  return new Promise((resolve, reject) => {
    let done = false;
    // A destroyed pack (a cancelled build) must not leave this file open behind a pause.
    const onClose = () => {
      rs.destroy();
      finish(new Error('the build context stream was closed'));
    };
    const finish = (err?: Error | null) => {
      if (done) return;
      done = true;
      pack.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    // Not following a symlink: a file replaced by a link after the scan does not bring an outside file in.
    let fd: number;
    try {
      fd = fs.openSync(abs, READ_NOFOLLOW);
    } catch (err) {
      finish(err as Error);
      return;
    }
    const w = pack.entry({ ...HEADER, name: e.rel, type: 'file', mode: e.mode, size: e.size }, (err) =>
      finish(err),
    );
    const rs = fs.createReadStream('', {
      fd,
      start: 0,
      end: e.size - 1,
      highWaterMark: 256 * 1024,
    });
    pack.once('close', onClose);
    let got = 0;
    rs.on('data', (chunk) => {
      got += chunk.length;
      if (!w.write(chunk)) {
        rs.pause();
        w.once('drain', () => rs.resume());
      }
    });
    rs.on('error', (err) => {
      w.destroy(err);
      finish(err);
    });
    rs.on('end', () => {
      if (got !== e.size) {
        const err = new Error(
          `${e.rel} changed while the build context was being sent (${got} of ${e.size} bytes)`,
        );
        w.destroy(err);
        finish(err);
        return;
      }
      w.end(undefined);
    });
  });
}

/**
 * The tar stream of a scanned context. `dockerfile` is the Dockerfile the build uses: when it is not one of
 * the entries (generated, or the user's from outside the context), it is added under its name and the tar's
 * `.dockerignore` gains that name.
 */
export function packContext(
  dir: string,
  entries: ContextEntry[],
  dockerfile: { name: string; text: string },
): NodeJS.ReadableStream & Readable {
  const root = path.resolve(dir);
  const pack = tar.pack();
  const inContext = entries.some((e) => e.rel === dockerfile.name && e.type === 'file');
  const pump = async () => {
    if (!inContext) {
      await writeEntry(
        pack,
        { name: dockerfile.name, type: 'file', mode: 0o644 },
        Buffer.from(dockerfile.text),
      );
      const user = entries.find((e) => e.rel === '.dockerignore' && e.type === 'file');
      const userText = user ? await fs.promises.readFile(path.join(root, '.dockerignore'), 'utf8') : null;
      await writeEntry(
        pack,
        { name: '.dockerignore', type: 'file', mode: user?.mode ?? 0o644 },
        Buffer.from(amendedDockerignore(userText, dockerfile.name)),
      );
    }
    await writeEntries(pack, root, inContext ? entries : entries.filter((e) => e.rel !== '.dockerignore'));
    pack.finalize();
  };
  pump().catch((err: Error) => pack.destroy(err));
  return pack as unknown as NodeJS.ReadableStream & Readable;
}

async function writeEntries(pack: Pack, root: string, entries: ContextEntry[]): Promise<void> {
  for (const e of entries) {
    if (pack.destroyed) return;
    if (e.type === 'directory') await writeEntry(pack, { name: e.rel, type: 'directory', mode: e.mode });
    else if (e.type === 'symlink')
      await writeEntry(pack, { name: e.rel, type: 'symlink', mode: e.mode, linkname: e.linkname });
    else await writeFileEntry(pack, path.join(root, e.rel), e);
  }
}

/** The tar stream of scanned entries as they are, nothing added (a code upload, main/cli/code-upload.ts). */
export function packEntries(dir: string, entries: ContextEntry[]): NodeJS.ReadableStream & Readable {
  const pack = tar.pack();
  writeEntries(pack, path.resolve(dir), entries)
    .then(() => pack.finalize())
    .catch((err: Error) => pack.destroy(err));
  return pack as unknown as NodeJS.ReadableStream & Readable;
}
