// Commands in a pod's container over the API server's exec: signals for a graceful stop, and the outputs
// folder copied out as a tar stream (nothing needs a route from the cluster to the desktop).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import tar from 'tar-stream';
import type { Cluster } from './cluster';
import { OUTPUT_PART_SUFFIX } from '../backend';
import { POD_OUTPUTS, RESTORE, RESTORED_MARKER, SIDECAR } from './pod-spec';
import { isInside, READ_NOFOLLOW } from '../../safe-path';

/** Flags that create (or truncate) a file without following a symlink in its place. */
const WRITE_NOFOLLOW =
  fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | (fs.constants.O_NOFOLLOW ?? 0);

/** Whether the deepest existing folder on the way to `target` is really inside `realRoot`: a folder already
 *  there that is a symlink out (a resumed run's outputs) must not carry the pod's files out of the root. */
async function landsInside(realRoot: string, target: string): Promise<boolean> {
  let dir = path.dirname(target);
  for (;;) {
    const real = await fs.promises.realpath(dir).catch(() => null);
    if (real) return isInside(realRoot, real);
    const up = path.dirname(dir);
    if (up === dir) return false;
    dir = up;
  }
}

/** Default cap on the outputs copied back from one pod (AXON_K8S_OUTPUTS_MAX_BYTES overrides it). */
export const OUTPUTS_MAX_BYTES = Number(process.env.AXON_K8S_OUTPUTS_MAX_BYTES) || 2 * 1024 ** 3;

/** Runs `cmd` in the container; resolves with its exit status (0 = success) once the stream closes. `stdin`
 *  is sent paced to the websocket (its own sending buffers without limit). */
export async function execIn(
  c: Cluster,
  pod: string,
  container: string,
  cmd: string[],
  stdout: Writable | null = null,
  timeoutMs = 30_000,
  stdin: Readable | null = null,
): Promise<{ ok: boolean; message: string }> {
  c.counter.requests++;
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d: Buffer) => (err += d.toString()).length > 4000 && (err = err.slice(-4000)));
  return new Promise((resolve) => {
    let status: { status?: string; message?: string } | null = null;
    const timer = setTimeout(() => done(false, `timed out after ${timeoutMs / 1000} s`), timeoutMs);
    let finished = false;
    const done = (ok: boolean, message: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      // Whatever reads stdout waits for its end: a failed or timed-out exec must end it too (else a copy of
      // the outputs waits for ever, and the run with it).
      if (stdout && !stdout.writableEnded) stdout.end();
      resolve({ ok, message });
    };
    let socket: { bufferedAmount: number } | null = null;
    const paced = stdin ? pace(stdin, () => socket?.bufferedAmount ?? 0) : null;
    c.exec
      .exec(c.namespace, pod, container, cmd, stdout, stderr, paced, false, (s) => (status = s))
      .then((ws) => {
        socket = ws;
        ws.on('close', () => done(status?.status === 'Success', status?.message ?? err.trim()));
        ws.on('error', (e) => done(false, e.message));
      })
      .catch((e: Error) => done(false, execRefusal(c, e.message)));
  });
}

/** `input` passed on no faster than the websocket sends it: each chunk waits while more than 4 MiB wait in
 *  the socket's buffer (client-node writes stdin to it as fast as it comes). */
function pace(input: Readable, buffered: () => number): Readable {
  const HIGH = 4 * 1024 * 1024;
  const out = new Transform({
    transform(chunk, _enc, done) {
      const go = () => (buffered() > HIGH ? setTimeout(go, 5) : done(null, chunk));
      go();
    },
  });
  input.on('error', (e) => out.destroy(e));
  return input.pipe(out);
}

/** The exec's websocket says only "Unexpected server response: 403" when the server refuses it. */
function execRefusal(c: Cluster, message: string): string {
  const code = /Unexpected server response: (\d+)/.exec(message)?.[1];
  if (code === '403')
    return (
      `403 Forbidden: kube context "${c.context}" may not exec into pods in namespace "${c.namespace}" ` +
      `(pods/exec; \`axon context rbac -n ${c.namespace}\` prints the Role Axon needs)`
    );
  if (code === '401') return `401 Unauthorized: kube context "${c.context}" refused its credentials`;
  if (code === '404') return '404 Not Found: the pod is gone';
  return message;
}

/** The end of a file's name while it is being copied home (renamed when whole). */
const PART = OUTPUT_PART_SUFFIX;

/** What `copyOutputs` may be told besides where to copy. */
export interface CopyOptions {
  maxBytes?: number;
  /** Writes a file under another name (a distributed run's replicas: outputs-merge.ts). */
  place?: (rel: string) => Promise<string>;
  /** Whether a name was placed by another replica of this run (never deleted for this one's sake). */
  placedByOthers?: (rel: string) => boolean;
  /** Files and folders sent into the pod by a resume's restore, by path: a file the command left as it was
   *  (same size, same modification second) is not copied back, the run's folder has it already; one the
   *  command deleted is deleted here too, as in a folder the command shared. */
  sent?: Map<string, Sent>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** A name from the pod's tar (read byte for byte): itself when it is UTF-8, else each byte above 127 as %XX,
 *  so that two such names never fall together (decoding them with U+FFFD made two files one). */
function nameOf(latin1: string, pax: boolean): { name: string; escaped: boolean } {
  if (pax) return { name: latin1, escaped: false }; // a pax header's name comes decoded (UTF-8) already
  const bytes = Buffer.from(latin1, 'latin1');
  try {
    return { name: utf8.decode(bytes), escaped: false };
  } catch {
    let out = '';
    for (const b of bytes) out += b > 127 ? `%${b.toString(16).toUpperCase()}` : String.fromCharCode(b);
    return { name: out.split('/').map(fitName).join('/'), escaped: true };
  }
}

/** The longest name of one file or folder that Linux, macOS and Windows file systems take, in bytes. */
const NAME_MAX = 255;
const digest = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** An escaped name that grew past NAME_MAX (each byte became three): cut, with a digest of the whole and its
 *  extension after the cut, so that two long names never become one. (Escaped names are ASCII.) */
function fitName(part: string): string {
  if (part.length <= NAME_MAX) return part;
  const ext = path.extname(part).length <= 16 ? path.extname(part) : '';
  return `${part.slice(0, NAME_MAX - 13 - ext.length)}~${digest(part).slice(0, 12)}${ext}`;
}

/** Where a file is written until it is whole: `.NAME.axon-part` beside it, or, for a name too long to take
 *  that, its digest. */
function partOf(target: string): string {
  const base = path.basename(target);
  const part = `.${base}${PART}`;
  const name = Buffer.byteLength(part) <= NAME_MAX ? part : `.${digest(base).slice(0, 32)}${PART}`;
  return path.join(path.dirname(target), name);
}

/** The pod's folder is the truth: a local file where the pod has a folder, or a folder where it has a file (a
 *  resume's previous outputs that the command replaced), makes way. Links are left alone. */
async function makeWay(root: string, rel: string, folder: boolean): Promise<void> {
  const parts = rel.split(path.sep);
  let p = root;
  for (const part of folder ? parts : parts.slice(0, -1)) {
    p = path.join(p, part);
    const st = await fs.promises.lstat(p).catch(() => null);
    // Only real folders are walked through: past a link, a path may lead out of the run's folder.
    if (!st || st.isSymbolicLink()) return;
    if (st.isFile()) return fs.promises.unlink(p);
  }
  const t = path.join(root, rel);
  if (!folder && (await fs.promises.lstat(t).catch(() => null))?.isDirectory())
    await fs.promises.rm(t, { recursive: true, force: true });
}

/**
 * Copies the pod's outputs folder into `dest` (tar over exec from the side container that keeps it). Paths
 * that would leave `dest` and links are skipped; past `maxBytes` the copy stops and says so. Files keep their
 * modification time.
 */
export async function copyOutputs(
  c: Cluster,
  pod: string,
  dest: string,
  opts: CopyOptions = {},
): Promise<{ files: number; bytes: number; problem: string | null; capped: boolean; notes: string[] }> {
  const { maxBytes = OUTPUTS_MAX_BYTES, place, sent } = opts;
  const root = path.resolve(dest);
  await fs.promises.mkdir(root, { recursive: true });
  const realRoot = await fs.promises.realpath(root);
  // Names read byte for byte (nameOf): tar-stream would decode them as UTF-8, replacing what is not.
  const extract = tar.extract({ filenameEncoding: 'latin1' } as Parameters<typeof tar.extract>[0]);
  let files = 0;
  let bytes = 0;
  let problem: string | null = null;
  let capped = false;
  const notes: string[] = [];
  const seen = new Set<string>();
  /** Each file's write, settled once it is renamed into place or its part removed. */
  const writes: Promise<void>[] = [];
  extract.on('entry', (h, stream, next) => {
    const decoded = nameOf(h.name, !!(h.pax as { path?: string } | undefined)?.path);
    // (`./d/` of a folder entry normalises to `d/`: the slash goes, so that it matches what was sent.)
    const rel = path
      .normalize(decoded.name)
      .replace(/^(\.\/)+/, '')
      .replace(/\/+$/, '');
    const named = path.resolve(root, rel);
    const inside = named === root || named.startsWith(root + path.sep);
    // An archive cut short (the pod went mid-copy) fails the entry's stream: a failed copy, never an
    // unhandled error (it took the whole engine down).
    let settled = false;
    const done = (e?: Error | null) => {
      if (settled) return;
      settled = true;
      if (e) problem ??= `the outputs could not be read: ${e.message}`;
      next();
    };
    stream.on('error', (e) => done(e));
    const skip = () => {
      stream.on('end', () => done());
      stream.resume();
    };
    if (!inside || rel === '.' || rel === '') return skip();
    seen.add(rel.split(path.sep).join('/'));
    if (decoded.escaped) notes.push(`${rel}: its name is not UTF-8 and is kept as written here`);
    if (h.type === 'directory') {
      landsInside(realRoot, path.join(named, 'x'))
        .then(async (ok) => {
          if (!ok) return;
          // A merged run's folders come with its files, placed; the pod's own folder wins otherwise.
          if (!place) await makeWay(root, rel, true);
          await fs.promises.mkdir(named, { recursive: true });
        })
        .then(skip, skip);
      return;
    }
    if (h.type !== 'file') return skip();
    const was = sent?.get(rel.split(path.sep).join('/'));
    if (was && !was.dir && was.size === h.size && was.mtimeS === Math.floor((h.mtime?.getTime() ?? 0) / 1000))
      return skip();
    if (bytes + (h.size ?? 0) > maxBytes) {
      problem ??= `outputs larger than ${maxBytes} bytes: ${rel} and what came after it were not copied`;
      capped = true;
      return skip();
    }
    bytes += h.size ?? 0;
    files++;
    let target = path.resolve(root, rel);
    landsInside(realRoot, target)
      .then(async (ok) => {
        if (!ok) throw new Error('outside');
        if (place) {
          target = path.resolve(root, await place(rel));
          if (!target.startsWith(root + path.sep)) throw new Error('outside');
        }
        await makeWay(root, path.relative(root, target), false);
        await fs.promises.mkdir(path.dirname(target), { recursive: true });
        if (!(await landsInside(realRoot, target))) throw new Error('outside');
        // Written beside its name and renamed once whole: a copy cut short never leaves half a checkpoint
        // under the real name (a resume's previous file stays as it was).
        const part = partOf(target);
        const fd = fs.openSync(part, WRITE_NOFOLLOW, (h.mode ?? 0o644) & 0o777);
        const out = fs.createWriteStream('', { fd });
        stream.on('error', () => out.destroy());
        writes.push(
          new Promise<void>((resolve) =>
            out.on('close', () => {
              if (!settled && out.writableFinished) {
                const t = h.mtime ?? new Date();
                fs.promises
                  .lutimes(part, t, t)
                  .then(() => fs.promises.rename(part, target))
                  .then(
                    () => done(),
                    (e: Error) => done(new Error(`${rel} could not be written: ${e.message}`)),
                  )
                  .finally(resolve);
              } else {
                done();
                fs.promises
                  .unlink(part)
                  .catch(() => undefined)
                  .finally(resolve);
              }
            }),
          ),
        );
        out.on('error', (e) => {
          problem ??= `${rel} could not be written: ${e.message}`;
        });
        stream.pipe(out);
      })
      .catch((e: NodeJS.ErrnoException) => {
        // A file that could not be written (a full disk) is a failed copy: the pod, which still has it, is not
        // deleted. One that would go through a link is skipped, as links are.
        if (e.message !== 'outside' && e.code !== 'ELOOP')
          problem ??= `${rel} could not be written: ${e.message}`;
        skip();
      });
  });
  const extracted = new Promise<void>((resolve) => {
    extract.on('finish', resolve);
    extract.on('error', (e) => {
      problem ??= `the outputs could not be read: ${e.message}`;
      resolve();
    });
  });
  const r = await execIn(
    c,
    pod,
    SIDECAR,
    ['tar', 'cf', '-', '-C', POD_OUTPUTS, '.'],
    extract as unknown as Writable,
    10 * 60_000,
  );
  await extracted;
  await Promise.all(writes);
  if (!r.ok && !problem) problem = `copying the outputs failed: ${r.message}`;
  // What the command deleted of a resume's restored outputs goes here too (only after a whole copy).
  if (!problem && sent) {
    const gone = [...sent.keys()].filter((rel) => !seen.has(rel) && !opts.placedByOthers?.(rel));
    for (const rel of gone.sort().reverse()) {
      const p = path.join(root, ...rel.split('/'));
      if (!(await landsInside(realRoot, p))) continue;
      const st = await fs.promises.lstat(p).catch(() => null);
      if (st?.isFile()) await fs.promises.unlink(p).catch(() => undefined);
      else if (st?.isDirectory()) await fs.promises.rmdir(p).catch(() => undefined); // only if empty
    }
  }
  return { files, bytes, problem, capped, notes };
}

/** A file or folder sent into a pod: a file's size and modification time (whole seconds, as tar keeps it). */
export interface Sent {
  dir?: boolean;
  size: number;
  mtimeS: number;
}
interface OutputEntry {
  rel: string;
  dir: boolean;
  size: number;
  mode: number;
  mtime?: Date;
}

/** The files (and folders) of a run's outputs folder, for its restore into a resumed run's pod: regular files
 *  only (links are not restored, as they are not copied out). */
async function listOutputs(root: string): Promise<OutputEntry[]> {
  const out: OutputEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    const dirents = await fs.promises.readdir(path.join(root, rel), { withFileTypes: true });
    for (const d of dirents.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        out.push({ rel: r, dir: true, size: 0, mode: 0o755 });
        await walk(r);
      } else if (d.isFile() && !d.name.endsWith(PART)) {
        const st = await fs.promises.stat(path.join(root, r));
        out.push({ rel: r, dir: false, size: st.size, mode: st.mode & 0o777, mtime: st.mtime });
      }
    }
  };
  await walk('');
  return out;
}

/** Whether a run's outputs folder holds anything (a resume's, which its pod gets before the command starts). */
export async function hasOutputs(dir: string): Promise<boolean> {
  const d = await fs.promises.opendir(dir).catch(() => null);
  if (!d) return false;
  const first = await d.read();
  await d.close();
  return first !== null;
}

/**
 * Sends the run's outputs folder into a resumed run's pod, to the init container that holds `main` back until
 * it is done (pod-spec.ts RESTORE): tar over exec, then the marker that lets the init container end.
 */
export async function restoreOutputs(
  c: Cluster,
  pod: string,
  dir: string,
  maxBytes = OUTPUTS_MAX_BYTES,
): Promise<{
  files: number;
  bytes: number;
  problem: string | null;
  tooLarge?: boolean;
  /** What went in, for the copy back (`copyOutputs`'s `sent`). */
  sent?: Map<string, Sent>;
}> {
  const root = path.resolve(dir);
  const entries = await listOutputs(root).catch((e: Error) => e);
  if (entries instanceof Error)
    return { files: 0, bytes: 0, problem: `the outputs folder could not be read: ${entries.message}` };
  const files = entries.filter((e) => !e.dir).length;
  const bytes = entries.reduce((a, e) => a + e.size, 0);
  if (bytes > maxBytes)
    return {
      files,
      bytes,
      tooLarge: true,
      problem: `the previous outputs (${bytes} bytes) are larger than ${maxBytes} bytes (AXON_K8S_OUTPUTS_MAX_BYTES)`,
    };
  const pack = tar.pack();
  let readProblem: string | null = null;
  (async () => {
    for (const e of entries) {
      if (e.dir) {
        pack.entry({ name: e.rel, type: 'directory', mode: e.mode });
        continue;
      }
      // Written from a stream: a checkpoint is not read into memory whole.
      await new Promise<void>((resolve, reject) => {
        const w = pack.entry(
          { name: e.rel, type: 'file', mode: e.mode, size: e.size, mtime: e.mtime },
          (err) => (err ? reject(err) : resolve()),
        );
        const r = fs.createReadStream('', { fd: fs.openSync(path.join(root, e.rel), READ_NOFOLLOW) });
        r.on('error', reject);
        // A pack destroyed mid-file (the exec failed) must not leave the file open.
        w.on('close', () => r.destroy());
        r.pipe(w);
      });
    }
    pack.finalize();
  })().catch((e: Error) => {
    readProblem = `${e.message}`;
    pack.destroy(e);
  });
  const r = await execIn(
    c,
    pod,
    RESTORE,
    ['sh', '-c', `tar xf - -C ${POD_OUTPUTS} && touch ${POD_OUTPUTS}/${RESTORED_MARKER}`],
    null,
    10 * 60_000,
    pack as unknown as Readable,
  );
  const problem = readProblem ?? (r.ok ? null : `restoring the previous outputs failed: ${r.message}`);
  // An exec that failed before taking all of it leaves the pack paused: it is ended here.
  if (!pack.destroyed) pack.destroy();
  const sent = new Map<string, Sent>();
  for (const e of entries)
    sent.set(
      e.rel,
      e.dir
        ? { dir: true, size: 0, mtimeS: 0 }
        : { size: e.size, mtimeS: Math.floor(e.mtime!.getTime() / 1000) },
    );
  return { files, bytes, problem, sent };
}
