// Code sent with a run from another machine (`code.upload`, then `runs.create` with `upload`): a gzipped tar,
// kept extracted under AXON_HOME/uploads/<user id>/<sha256 of the archive>, one folder per user, so an upload's
// id (its content hash) is only of use to the user who sent it. The same archive sent twice is stored once.
//
// The archive comes from outside: only regular files and folders are taken, each name must stay inside the
// folder (no absolute path, no `..`, no NUL), and there are limits on the count and the unpacked size (a small
// archive can unpack to a huge one). A refused archive leaves nothing behind: it is unpacked into a temporary
// folder that becomes the upload only once every entry was accepted.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { ApiError } from '../../../shared/api-errors';

export const UPLOAD_ID = /^[0-9a-f]{64}$/;
export const UPLOAD_MAX_FILES = 20_000;
export const UPLOAD_MAX_UNPACKED_BYTES = 512 * 1024 * 1024;
import { formatSize } from './upload-limits';
export { UPLOAD_QUOTA_DEFAULT_MIB } from './upload-limits';
/** When a user's quota is reached, their uploads that no run uses are freed once this old. */
export const UPLOAD_FREE_AFTER_MS = 10 * 60_000;
const MiB = 1024 * 1024;

export interface StoredUpload {
  /** sha256 (hex) of the archive: what `runs.create` takes as `upload`. */
  id: string;
  files: number;
  bytes: number;
}

const uploadsDir = (home: string, owner: number) => path.join(home, 'uploads', String(owner));

/** The folder of an upload of `owner`'s, or a not_found error that says what to do. */
export function uploadPath(home: string, owner: number, id: string): string {
  const dir = UPLOAD_ID.test(id) ? path.join(uploadsDir(home, owner), id) : null;
  if (!dir || !fs.existsSync(dir))
    throw new ApiError(
      'not_found',
      `no uploaded code ${id.slice(0, 80)} of yours on this server; upload it again (axon run does)`,
    );
  return dir;
}

const invalid = (why: string) => new ApiError('invalid_input', `the uploaded code was refused: ${why}`);
/** The error's code only: its message holds the server's paths. */
const cannotWrite = (name: string, e: unknown) =>
  invalid(`"${name.slice(0, 200)}" cannot be written (${(e as NodeJS.ErrnoException).code ?? 'error'})`);

/** A tar entry's name, checked: a relative path that stays inside the folder, `/`-separated. */
function safeName(name: string): string {
  const clean = path.posix.normalize(name.replace(/^\.\//, '')).replace(/\/$/, '');
  if (
    !clean ||
    clean === '.' ||
    name.includes('\0') ||
    path.posix.isAbsolute(clean) ||
    /^[a-zA-Z]:/.test(clean) ||
    clean.includes('\\') ||
    clean.split('/').includes('..')
  )
    throw invalid(`the entry "${name.slice(0, 200)}" would be written outside the code folder`);
  return clean;
}

/** Unpacked bytes of `owner`'s stored uploads, as their manifests say. */
export function uploadsUsage(home: string, owner: number): number {
  const base = uploadsDir(home, owner);
  let total = 0;
  for (const name of fs.existsSync(base) ? fs.readdirSync(base) : []) {
    if (!/^[0-9a-f]{64}\.json$/.test(name)) continue;
    try {
      total += (JSON.parse(fs.readFileSync(path.join(base, name), 'utf8')) as StoredUpload).bytes;
    } catch {
      // A manifest cut short by a crash: its upload is pruned as unused or sent again.
    }
  }
  return total;
}

export interface StoreOptions {
  /** What the owner's uploads may take together, unpacked (bytes); none: no limit. */
  quotaBytes?: number;
  /** Frees the owner's uploads that no run uses; called once when the quota is reached, then it is tried again. */
  freeUnused?: () => Promise<void>;
}

class QuotaError extends ApiError {}

// One upload at a time per owner folder: the quota check reads the usage before unpacking, so two at once
// could each see room for itself alone, and two of the same archive would race to one folder.
const ownerQueues = new Map<string, Promise<unknown>>();

/** Unpacks `archive` (base64 of a .tar.gz) for `owner` and returns its id; an archive already there is not
 *  unpacked again. An owner's uploads are stored one after another. */
export async function storeUpload(
  home: string,
  owner: number,
  archiveBase64: string,
  opts: StoreOptions = {},
): Promise<StoredUpload> {
  const key = uploadsDir(home, owner);
  const prev = ownerQueues.get(key) ?? Promise.resolve(); // never rejects: it is a `settled` below
  const run = prev.then(() => storeNow(home, owner, archiveBase64, opts));
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  ownerQueues.set(key, settled);
  void settled.then(() => ownerQueues.get(key) === settled && ownerQueues.delete(key));
  return run;
}

async function storeNow(
  home: string,
  owner: number,
  archiveBase64: string,
  opts: StoreOptions,
): Promise<StoredUpload> {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(archiveBase64)) throw invalid('archive is not base64');
  const archive = Buffer.from(archiveBase64, 'base64');
  const id = createHash('sha256').update(archive).digest('hex');
  const base = uploadsDir(home, owner);
  const dest = path.join(base, id);
  const manifest = path.join(base, `${id}.json`);
  if (fs.existsSync(dest) && fs.existsSync(manifest))
    return JSON.parse(fs.readFileSync(manifest, 'utf8')) as StoredUpload;
  const attempt = () =>
    unpack(
      archive,
      { id, base, dest, manifest },
      opts.quotaBytes === undefined
        ? undefined
        : { quotaBytes: opts.quotaBytes, used: uploadsUsage(home, owner) },
    );
  try {
    return await attempt();
  } catch (e) {
    if (!(e instanceof QuotaError) || !opts.freeUnused) throw e;
    await opts.freeUnused();
    return await attempt();
  }
}

/** Unpacks into a temporary folder that becomes `base/id` once every entry is accepted. */
async function unpack(
  archive: Buffer,
  { id, base, dest, manifest }: { id: string; base: string; dest: string; manifest: string },
  quota?: { quotaBytes: number; used: number },
): Promise<StoredUpload> {
  fs.mkdirSync(base, { recursive: true, mode: 0o700 });
  const room = quota ? quota.quotaBytes - quota.used : Infinity;
  const tmp = path.join(base, `.${id}.${randomBytes(4).toString('hex')}.tmp`);
  fs.mkdirSync(tmp, { mode: 0o700 });
  let files = 0;
  let bytes = 0;
  try {
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      const fail = (e: Error) => {
        // The entry's stream is destroyed with the archive: its error is this one, already reported.
        stream.on('error', () => undefined);
        stream.resume();
        next(e);
      };
      try {
        const name = safeName(header.name);
        const target = path.join(tmp, ...name.split('/'));
        if (header.type === 'directory') {
          fs.mkdirSync(target, { recursive: true });
          stream.resume();
          stream.on('end', () => next());
          return;
        }
        if (header.type !== 'file')
          throw invalid(`"${name}" is a ${header.type}; only files and folders are taken`);
        if (++files > UPLOAD_MAX_FILES) throw invalid(`more than ${UPLOAD_MAX_FILES} files`);
        bytes += header.size ?? 0;
        if (bytes > UPLOAD_MAX_UNPACKED_BYTES)
          throw invalid(`more than ${UPLOAD_MAX_UNPACKED_BYTES / MiB} MiB unpacked`);
        if (bytes > room)
          throw new QuotaError(
            'conflict', // the request is fine; the engine's limit refuses it (the CLI exits 1, not 2)
            `the uploaded code was refused: your uploads on this server would take more than the ` +
              `${formatSize(quota!.quotaBytes)} each user may keep (${formatSize(quota!.used)} now). ` +
              `Delete runs whose code you no longer need (an upload no run uses is freed ${UPLOAD_FREE_AFTER_MS / 60_000} ` +
              `minutes after it was sent), or ask the server's owner to raise it (axon serve --upload-quota)`,
          );
        fs.mkdirSync(path.dirname(target), { recursive: true });
        // Owner bits kept (a script stays executable), nothing for others; wx: a name twice is refused.
        const mode = ((header.mode ?? 0o644) & 0o700) | 0o600;
        const out = fs.createWriteStream(target, { flags: 'wx', mode });
        pipeline(stream, out).then(
          () => next(),
          (e: NodeJS.ErrnoException) =>
            fail(e.code === 'EEXIST' ? invalid(`"${name}" appears twice`) : cannotWrite(name, e)),
        );
      } catch (e) {
        // A file where a folder is needed (`a`, then `a/b`) and the like: named, as the other refusals.
        fail(e instanceof ApiError ? e : cannotWrite(header.name, e));
      }
    });
    await pipeline(Readable.from([archive]), createGunzip(), extract).catch((e: Error) => {
      if (e instanceof ApiError) throw e;
      throw invalid(`not a gzipped tar (${e.message})`);
    });
    const stored: StoredUpload = { id, files, bytes };
    try {
      fs.renameSync(tmp, dest);
    } catch (e) {
      // The same archive sent twice at once: the other one is in place.
      if (!fs.existsSync(dest)) throw e;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    fs.writeFileSync(manifest, JSON.stringify(stored));
    return stored;
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** An upload no run, group or project names is removed this long after it was sent (a client may send it and
 *  create its run a moment later). */
export const UPLOAD_UNUSED_TTL_MS = 24 * 3600_000;

/**
 * Removes uploads that nothing refers to (`referenced`: the code folders of every experiment, group and
 * project) once older than `ttlMs`, with their manifests and any unpacking left half-done by a crash; all
 * users' or `onlyOwner`'s. Returns the folders removed.
 */
export function pruneUploads(
  home: string,
  referenced: Set<string>,
  now = Date.now(),
  ttlMs = UPLOAD_UNUSED_TTL_MS,
  onlyOwner?: number,
): string[] {
  const root = path.join(home, 'uploads');
  const removed: string[] = [];
  for (const owner of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    const base = path.join(root, owner);
    if (!/^\d+$/.test(owner) || !fs.statSync(base).isDirectory()) continue;
    if (onlyOwner !== undefined && owner !== String(onlyOwner)) continue;
    for (const name of fs.readdirSync(base)) {
      const at = path.join(base, name);
      const id = name.replace(/\.json$/, '');
      const tmp = /^\.[0-9a-f]{64}\.[0-9a-f]{8}\.tmp$/.test(name);
      if (!tmp && !UPLOAD_ID.test(id)) continue;
      if (!tmp && referenced.has(path.join(base, id))) continue;
      if (now - fs.statSync(at).mtimeMs < ttlMs) continue;
      fs.rmSync(at, { recursive: true, force: true });
      if (!name.endsWith('.json')) removed.push(at);
    }
  }
  return removed;
}
