// Builds (or reuses) the image of an experiment from its `build` section.
//
// 1. The context (the code snapshot, or `build.context` inside it) is listed with its ignore rules; its size
//    and file count are shown before anything is read, with a warning over `warnBytes`.
// 2. The Dockerfile is the user's (`build.dockerfile`, used as it is) or generated (dockerfile.ts).
// 3. The tag is `<repo>:<first 16 hex of sha256(context + Dockerfile)>`. If the daemon has it (and no
//    `nocache`), that is the answer: nothing is sent.
// 4. Otherwise the context goes to the daemon as a tar stream (classic builder, `rm` + `forcerm`, labels
//    `axon.build=1`, `axon.hash=<hash>`); its output is passed on as text; an `error` event becomes a
//    BuildError naming the failing `Step N/M : …` and carrying that step's output.
// Concurrent calls for the same tag in one process share one build (images for a group are built once).
// An AbortSignal cancels: the HTTP request is aborted, which makes the daemon stop the build and remove its
// container; the tag is only applied by a finished build, so a cancelled one leaves none.
import fs from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import type Dockerode from 'dockerode';
import type { BuildSpec } from '../../../shared/polyaxonfile/types';
import {
  contextInfo,
  GENERATED_DOCKERFILE,
  packContext,
  scanContext,
  type ContextEntry,
  type ContextInfo,
} from './context';
import { generateDockerfile, pickBuildFiles } from './dockerfile';
import { resolveInsideSync } from '../safe-path';

/** Over this many bytes of context, a warning is shown before the build (Polyaxon users sent data sets). */
export const WARN_CONTEXT_BYTES = 100 * 1024 * 1024;
/** A step's output kept for the error (the tail). */
const STEP_OUTPUT_MAX = 16 * 1024;
/** Output kept for callers that join a build in flight (replayed to them, then live). */
const REPLAY_MAX = 256 * 1024;

export class BuildError extends Error {
  override name = 'BuildError';
  /** The failing instruction as Docker printed it (`RUN exit 3`), or null when no step was running. */
  readonly step: string | null;
  /** `N/M` of the failing step, or null. */
  readonly stepNumber: string | null;
  /** The output of the failing step (its tail), without Docker's ` ---> ` bookkeeping lines. */
  readonly output: string;
  /** The step's exit code when Docker gave one. */
  readonly exitCode: number | null;
  constructor(
    message: string,
    d: { step?: string | null; stepNumber?: string | null; output?: string; exitCode?: number | null } = {},
  ) {
    super(message);
    this.step = d.step ?? null;
    this.stepNumber = d.stepNumber ?? null;
    this.output = d.output ?? '';
    this.exitCode = d.exitCode ?? null;
  }
}

export interface BuildImageOptions {
  build: BuildSpec;
  /** The code snapshot (the project folder); `build.context` and `build.dockerfile` are inside it. */
  codeDir: string;
  /** The image repository; default `axon/<project>`. */
  repo?: string;
  /** Newest content-hash tags of the repository kept after a build (default KEEP_TAGS); older ones go. */
  keepTags?: number;
  /** Names the default repository; default the code folder's name. */
  project?: string;
  onOutput(text: string): void;
  signal?: AbortSignal;
  warnBytes?: number;
  /** Rebuild even if the image exists, without the daemon's layer cache (also `build.nocache`). */
  nocache?: boolean;
  /** The network of the build's RUN steps (Docker's `networkmode`: `default`, `none`, `host`, a network name);
   *  default the daemon's. `none` builds without any network. Not part of the hash. */
  networkMode?: string;
}

export interface BuildImageResult {
  tag: string;
  /** True when the image existed already (nothing was built or sent). */
  cached: boolean;
  info: ContextInfo;
}

export function abortError(): Error {
  return Object.assign(new Error('the image build was cancelled'), { name: 'AbortError', code: 'ABORT_ERR' });
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** A valid Docker repository name from a project name: lower case, [a-z0-9] runs joined by `.`, `_` or `-`. */
export function defaultRepo(project: string): string {
  const slug = project
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/[._-]{2,}/g, '-')
    // Docker refuses a repository name over 255 characters: a long folder name is cut.
    .slice(0, 128)
    .replace(/^[._-]+|[._-]+$/g, '');
  return `axon/${slug || 'project'}`;
}

const REPO =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

// ---- one build per tag in flight ----

interface SharedBuild {
  promise: Promise<{ cached: boolean }>;
  controller: AbortController;
  listeners: Set<(text: string) => void>;
  replay: string[];
  replayBytes: number;
  waiters: number;
}

const inFlight = new Map<string, SharedBuild>();

function emit(job: SharedBuild, text: string): void {
  job.replay.push(text);
  job.replayBytes += text.length;
  while (job.replayBytes > REPLAY_MAX && job.replay.length > 1) job.replayBytes -= job.replay.shift()!.length;
  for (const l of job.listeners) {
    try {
      l(text);
    } catch {
      /* a listener's failure is its own */
    }
  }
}

/** Waits for a shared build as one of its callers; leaving (abort) only cancels the build when nobody waits. */
function join(
  tag: string,
  job: SharedBuild,
  onOutput: (t: string) => void,
  signal?: AbortSignal,
): Promise<{ cached: boolean }> {
  for (const t of job.replay) onOutput(t);
  job.listeners.add(onOutput);
  job.waiters++;
  return new Promise((resolve, reject) => {
    let left = false;
    const leave = () => {
      if (left) return false;
      left = true;
      signal?.removeEventListener('abort', onAbort);
      job.listeners.delete(onOutput);
      job.waiters--;
      return true;
    };
    const onAbort = () => {
      if (!leave()) return;
      if (job.waiters === 0) {
        if (inFlight.get(tag) === job) inFlight.delete(tag);
        job.controller.abort();
      }
      reject(abortError());
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    job.promise.then(
      (v) => {
        if (leave()) resolve(v);
      },
      (e) => {
        if (leave()) reject(e);
      },
    );
  });
}

// ---- the build ----

interface Prepared {
  contextDir: string;
  entries: ContextEntry[];
  dockerfile: { name: string; text: string };
  info: ContextInfo;
}

function insideOf(parent: string, child: string): string | null {
  const rel = path.relative(parent, child);
  if (rel === '') return '';
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return rel.split(path.sep).join('/');
}

async function prepare(opts: BuildImageOptions): Promise<Prepared> {
  const { build } = opts;
  const codeDir = path.resolve(opts.codeDir);
  const contextDir = build.context ? path.resolve(codeDir, build.context) : codeDir;
  // On the text, then with symlinks resolved: a context folder that is a link out of the project is refused.
  if (insideOf(codeDir, contextDir) === null || !resolveInsideSync(codeDir, contextDir).ok)
    throw new BuildError(`build.context ${JSON.stringify(build.context)} is outside the project folder`);
  const warnBytes = opts.warnBytes ?? WARN_CONTEXT_BYTES;

  let userDockerfile: { abs: string; rel: string | null } | null = null;
  if (build.dockerfile) {
    const candidates = [path.resolve(codeDir, build.dockerfile), path.resolve(contextDir, build.dockerfile)];
    const abs = candidates.find((c) => insideOf(codeDir, c) !== null && resolveInsideSync(codeDir, c).ok);
    if (!abs)
      throw new BuildError(`build.dockerfile ${JSON.stringify(build.dockerfile)} not found in the project`);
    userDockerfile = { abs, rel: insideOf(contextDir, abs) };
  }

  const scan = await scanContext(contextDir, {
    keep: userDockerfile?.rel ? [userDockerfile.rel] : [],
    outerDir: contextDir !== codeDir ? codeDir : undefined,
    onListed: ({ files, bytes }) => {
      opts.onOutput(`[axon] build context: ${files} files, ${formatBytes(bytes)}\n`);
      if (bytes > warnBytes)
        opts.onOutput(
          `[axon] warning: the build context is ${formatBytes(bytes)}; add large data folders to .dockerignore or .axonignore\n`,
        );
    },
  });

  let dockerfile: { name: string; text: string };
  if (userDockerfile) {
    const text = await fs.promises.readFile(userDockerfile.abs, 'utf8');
    dockerfile = { name: userDockerfile.rel ?? GENERATED_DOCKERFILE, text };
  } else {
    const files = new Set(scan.entries.filter((e) => e.type !== 'directory').map((e) => e.rel));
    let text: string;
    try {
      text = generateDockerfile(build, { exists: (rel) => files.has(rel) });
    } catch (e) {
      throw new BuildError(`build: ${(e as Error).message}`);
    }
    // As Polyaxon did (chmod +x on the host), the setup script is executable in the image.
    const setup = pickBuildFiles({ exists: (rel) => files.has(rel) }).setup;
    const entry = setup ? scan.entries.find((e) => e.rel === setup) : undefined;
    if (entry) entry.mode |= 0o111;
    dockerfile = { name: GENERATED_DOCKERFILE, text };
  }
  return { contextDir, entries: scan.entries, dockerfile, info: contextInfo(scan.entries, dockerfile) };
}

async function imageId(docker: Dockerode, ref: string): Promise<{ id: string; axon: boolean } | null> {
  try {
    const i = await docker.getImage(ref).inspect();
    return { id: i.Id, axon: i.Config?.Labels?.['axon.build'] === '1' };
  } catch {
    return null;
  }
}

interface StreamEvent {
  stream?: string;
  status?: string;
  id?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string };
}

const STEP_LINE = /^Step (\d+\/\d+) : (.*)$/;

/** Reads the daemon's JSON-lines build stream; resolves at its end, rejects with a BuildError on `error`. */
function follow(res: NodeJS.ReadableStream, out: (t: string) => void, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let step: string | null = null;
    let stepNumber: string | null = null;
    let stepOut = '';
    let failure: { message: string; code: number | null } | null = null;
    let settled = false;
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onAbort = () => {
      (res as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      settle(abortError());
    };
    signal.addEventListener('abort', onAbort, { once: true });

    const text = (raw: string) => {
      // The classic builder colours a step's stderr (ESC[91m … ESC[0m): escape codes are not the build's text.
      const t = stripVTControlCharacters(raw);
      out(t);
      for (const line of t.split('\n')) {
        const m = STEP_LINE.exec(line.trimEnd());
        if (m) {
          stepNumber = m[1];
          step = m[2];
          stepOut = '';
        } else if (step && !line.startsWith(' ---> ') && !/^Removing intermediate container /.test(line)) {
          stepOut += line ? `${line}\n` : '';
          if (stepOut.length > STEP_OUTPUT_MAX) stepOut = stepOut.slice(-STEP_OUTPUT_MAX);
        }
      }
    };
    const handle = (line: string) => {
      const l = line.trim();
      if (!l) return;
      let ev: StreamEvent;
      try {
        ev = JSON.parse(l) as StreamEvent;
      } catch {
        return text(`${l}\n`);
      }
      if (ev.error || ev.errorDetail) {
        const message = ev.errorDetail?.message ?? ev.error ?? 'the build failed';
        failure = { message, code: ev.errorDetail?.code ?? null };
        out(`${message}\n`);
      } else if (typeof ev.stream === 'string') text(ev.stream);
      else if (ev.status) out(`${ev.id ? `${ev.id}: ` : ''}${ev.status}\n`);
    };
    const finish = () => {
      if (buf) handle(buf);
      buf = '';
      if (failure) {
        const f = failure as { message: string; code: number | null };
        const tail = stepOut.trimEnd().split('\n').slice(-20).join('\n');
        const where = step ? `build step ${stepNumber} \`${step}\` failed` : 'the build failed';
        settle(
          new BuildError(`${where}: ${f.message}${tail ? `\n${tail}` : ''}`, {
            step,
            stepNumber,
            output: stepOut,
            exitCode: f.code,
          }),
        );
      } else settle();
    };
    res.on('data', (chunk: Buffer | string) => {
      buf += chunk.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        handle(line);
      }
    });
    res.on('end', finish);
    res.on('error', (err: Error) =>
      settle(signal.aborted ? abortError() : new BuildError(`the build stream failed: ${err.message}`)),
    );
    res.on('close', () => {
      if (!settled) finish();
    });
  });
}

async function runBuild(
  docker: Dockerode,
  p: Prepared,
  tag: string,
  o: { nocache: boolean; networkMode?: string },
  out: (t: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const { nocache } = o;
  const previous = nocache ? await imageId(docker, tag) : null;
  if (signal.aborted) throw abortError();
  const pack = packContext(p.contextDir, p.entries, p.dockerfile);
  const onAbort = () => pack.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const started = docker.buildImage(pack, {
      t: tag,
      dockerfile: p.dockerfile.name,
      nocache,
      rm: true,
      forcerm: true,
      version: '1',
      labels: { 'axon.build': '1', 'axon.hash': p.info.hash },
      abortSignal: signal,
      ...(o.networkMode ? { networkmode: o.networkMode } : {}),
    });
    const res = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
      const aborted = () => reject(abortError());
      signal.addEventListener('abort', aborted, { once: true });
      started.then(
        (r) => {
          signal.removeEventListener('abort', aborted);
          if (signal.aborted) {
            (r as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
            return reject(abortError());
          }
          resolve(r);
        },
        (e: Error) => {
          signal.removeEventListener('abort', aborted);
          reject(signal.aborted ? abortError() : new BuildError(`the build could not start: ${e.message}`));
        },
      );
    });
    await follow(res, out, signal);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  const now = await imageId(docker, tag);
  if (!now) throw new BuildError(`the build ended but the image ${tag} is not there`);
  // A forced rebuild leaves the image it replaced untagged: remove it if Axon built it and nothing uses it.
  if (previous && previous.axon && previous.id !== now.id)
    await docker
      .getImage(previous.id)
      .remove()
      .catch(() => undefined);
}

/** Content-hash tags kept per project repository (the newest); older ones are removed after a build. */
export const KEEP_TAGS = 5;

/**
 * Removes all but the `keep` newest Axon-built tags of `repo` (never `current`). An image a container still
 * uses (a run's, even stopped) is not removed: Docker refuses without force, and that is kept as it is.
 */
export async function pruneTags(
  docker: Dockerode,
  repo: string,
  current: string,
  keep: number,
): Promise<string[]> {
  const images = await docker
    .listImages({ filters: JSON.stringify({ reference: [repo], label: ['axon.build=1'] }) })
    .catch(() => []);
  const tags = images
    .flatMap((i) =>
      (i.RepoTags ?? []).filter((t) => t.startsWith(`${repo}:`)).map((t) => ({ t, at: i.Created })),
    )
    .sort((a, b) => b.at - a.at);
  const removed: string[] = [];
  for (const { t } of tags.slice(keep)) {
    if (t === current) continue;
    try {
      await docker.getImage(t).remove();
      removed.push(t.slice(repo.length + 1));
    } catch {
      /* in use by a container: kept */
    }
  }
  return removed;
}

/**
 * Builds the image for `opts.build` from `opts.codeDir`, or finds it built already. Rejects with a BuildError
 * (a failing step, a bad spec, an unreachable daemon) or an AbortError (`signal`).
 */
export async function buildImage(docker: Dockerode, opts: BuildImageOptions): Promise<BuildImageResult> {
  if (opts.signal?.aborted) throw abortError();
  const repo = opts.repo ?? defaultRepo(opts.project ?? path.basename(path.resolve(opts.codeDir)));
  if (!REPO.test(repo)) throw new BuildError(`${JSON.stringify(repo)} is not a valid image repository name`);
  let p: Prepared;
  try {
    p = await prepare(opts);
  } catch (e) {
    if (e instanceof BuildError) throw e;
    throw new BuildError(`the build context could not be read: ${(e as Error).message}`);
  }
  if (opts.signal?.aborted) throw abortError();
  const tag = `${repo}:${p.info.hash.slice(0, 16)}`;
  const nocache = !!(opts.nocache || opts.build.nocache);

  let job = inFlight.get(tag);
  if (!job) {
    const controller = new AbortController();
    const shared: SharedBuild = {
      promise: Promise.resolve({ cached: false }),
      controller,
      listeners: new Set(),
      replay: [],
      replayBytes: 0,
      waiters: 0,
    };
    const out = (t: string) => emit(shared, t);
    shared.promise = (async () => {
      if (!nocache && (await imageId(docker, tag))) {
        out(`[axon] image ${tag} exists (same Dockerfile and context): not rebuilt\n`);
        return { cached: true };
      }
      out(`[axon] building ${tag}${nocache ? ' (nocache)' : ''}\n`);
      await runBuild(docker, p, tag, { nocache, networkMode: opts.networkMode }, out, controller.signal);
      out(`[axon] built ${tag}\n`);
      const pruned = await pruneTags(docker, repo, tag, opts.keepTags ?? KEEP_TAGS);
      if (pruned.length)
        out(`[axon] removed ${pruned.length} older image tag(s) of ${repo}: ${pruned.join(', ')}\n`);
      return { cached: false };
    })();
    shared.promise.then(
      () => inFlight.get(tag) === shared && inFlight.delete(tag),
      () => inFlight.get(tag) === shared && inFlight.delete(tag),
    );
    inFlight.set(tag, shared);
    job = shared;
  }
  const { cached } = await join(tag, job, opts.onOutput, opts.signal);
  return { tag, cached, info: p.info };
}
