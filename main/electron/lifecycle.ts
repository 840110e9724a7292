// The app's lifecycle decisions, pure and tested: where the renderer comes from, what closing the window
// does, what quitting says about the runs in flight. main.ts asks these and does what they answer.
import path from 'node:path';
import type { AxonApi } from '../../shared/api';
import type { Experiment, Group } from '../../shared/domain';
import { ACTIVE, PENDING, type ExperimentStatus } from '../../shared/statuses';
import { APP_ORIGIN, contentSecurityPolicy } from './security';

export interface RendererSource {
  /** What the window loads. */
  url: string;
  /** What isAppUrl / the IPC sender check compare against. */
  appOrigin: string;
  csp: string;
  /** Set when the renderer is served from app://axon/ (the build in dist/renderer). */
  rendererDir: string | null;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The built renderer from app://axon/, or — only in an unpackaged app — a dev server given by AXON_DEV_URL,
 * which must be http(s) on loopback (the window's preload hands its page the whole API).
 */
export function rendererSource(opts: {
  appPath: string;
  isPackaged: boolean;
  devUrl?: string;
}): RendererSource {
  if (opts.devUrl && !opts.isPackaged) {
    let u: URL;
    try {
      u = new URL(opts.devUrl);
    } catch {
      throw new Error(`AXON_DEV_URL is not a URL: ${opts.devUrl}`);
    }
    if (!['http:', 'https:'].includes(u.protocol) || !LOOPBACK.has(u.hostname))
      throw new Error(`AXON_DEV_URL must be an http(s) URL on localhost, not ${opts.devUrl}`);
    return { url: u.href, appOrigin: u.origin, csp: contentSecurityPolicy(u.href), rendererDir: null };
  }
  return {
    url: `${APP_ORIGIN}/index.html`,
    appOrigin: APP_ORIGIN,
    csp: contentSecurityPolicy(),
    rendererDir: path.join(opts.appPath, 'dist', 'renderer'),
  };
}

/** A folder with `app.asar` swapped for its unpacked twin (unchanged when not packaged); see package-root.ts. */
export function unpackedRoot(appDir: string): string {
  return appDir.replace(/([\\/])app\.asar([\\/]?)$/, '$1app.asar.unpacked$2');
}

/** BO's suggestion worker, bundled next to main.cjs by main/electron/build.mjs and unpacked from app.asar
 *  (electron-builder.yml), so that a worker thread loads it from a plain file. */
export function suggestWorkerPath(appPath: string): string {
  return path.join(unpackedRoot(appPath), 'dist', 'electron', 'suggest-worker.cjs');
}

/** The preload bundle, built next to main.cjs by main/electron/build.mjs. */
export function preloadPath(appPath: string): string {
  return path.join(appPath, 'dist', 'electron', 'preload.cjs');
}

export interface Work {
  /** Experiments with a job that exists somewhere (a process, a container, a pod). */
  active: Experiment[];
  /** Experiments waiting for the queue. */
  queued: Experiment[];
  /** Sweeps that are not finished. */
  groups: Group[];
}

export function hasWork(w: Work): boolean {
  return w.active.length + w.queued.length + w.groups.length > 0;
}

/** What is in flight, from the API (one small query per status, so 10,000 finished runs cost nothing). */
export async function currentWork(api: AxonApi): Promise<Work> {
  const list = (status: ExperimentStatus) => api.call('experiments.list', { status, limit: 100_000 });
  const [active, queued, groups] = await Promise.all([
    Promise.all([...ACTIVE].map(list)).then((l) => l.flat()),
    Promise.all([...PENDING].map(list)).then((l) => l.flat()),
    api
      .call('groups.list', {})
      .then((gs) => gs.filter((g) => ['created', 'running', 'stopping'].includes(g.status))),
  ]);
  return { active, queued, groups };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What happens to each backend's jobs when the engine inside the app stops (they are never killed). */
function backendLine(backend: string, n: number): string {
  const keep = n === 1 ? 'keeps' : 'keep';
  const them = n === 1 ? 'it' : 'them';
  switch (backend) {
    case 'local':
      return `${plural(n, 'local process', 'local processes')} ${keep} running in the background. Axon re-attaches ${them} when it starts again and reads the logs and metrics written meanwhile.`;
    case 'docker':
      return `${plural(n, 'Docker container')} ${keep} running. Axon finds ${them} again by label when it starts and copies the logs from where it stopped.`;
    case 'kubernetes':
      return `${plural(n, 'Kubernetes run')} ${keep} running in the cluster. Axon finds the pods again by label when it starts.`;
    default:
      return `${plural(n, `${backend} run`)} ${keep} running; Axon re-attaches ${them} when it starts again.`;
  }
}

export interface QuitPrompt {
  message: string;
  detail: string;
  buttons: string[];
  /** Index of each answer in `buttons`. */
  keep: number;
  stop: number;
  cancel: number;
}

/**
 * The question to ask before quitting, or null when there is nothing to ask: nothing is in flight, or the
 * engine is not this app's (it talks to an `axon serve` that goes on without it).
 */
export function quitPrompt(work: Work, ownsEngine: boolean): QuitPrompt | null {
  if (!ownsEngine || !hasWork(work)) return null;
  const byBackend = new Map<string, number>();
  for (const x of work.active) byBackend.set(x.backend, (byBackend.get(x.backend) ?? 0) + 1);
  const lines = [...byBackend].sort(([a], [b]) => a.localeCompare(b)).map(([b, n]) => backendLine(b, n));
  if (work.queued.length)
    lines.push(`${plural(work.queued.length, 'queued experiment')} will not start until Axon runs again.`);
  if (work.groups.length)
    lines.push(`${plural(work.groups.length, 'sweep')} will not schedule new trials until Axon runs again.`);
  lines.push('To keep scheduling without the app, run `axon serve` in a terminal.');
  const what = [
    work.active.length ? plural(work.active.length, 'run') + ' in progress' : '',
    work.queued.length ? `${work.queued.length} queued` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return {
    message: `Quit Axon with ${what || plural(work.groups.length, 'unfinished sweep')}?`,
    detail: lines.join('\n\n'),
    buttons: ['Quit, keep runs going', 'Stop all runs and quit', 'Cancel'],
    keep: 0,
    stop: 1,
    cancel: 2,
  };
}

/**
 * Closing the window: while anything is in flight and a tray icon can bring the window back, hide to the tray
 * so the queue and the sweeps go on; on macOS always hide (the Dock brings it back). Otherwise quit.
 */
export function closeAction(opts: { platform: string; hasTray: boolean; work: Work }): 'hide' | 'quit' {
  if (opts.platform === 'darwin') return 'hide';
  return opts.hasTray && hasWork(opts.work) ? 'hide' : 'quit';
}

/** The tray icon's tooltip. */
export function trayTooltip(work: Work): string {
  if (!hasWork(work)) return 'Axon: nothing running';
  const parts = [
    work.active.length ? `${work.active.length} running` : '',
    work.queued.length ? `${work.queued.length} queued` : '',
    work.groups.length ? plural(work.groups.length, 'sweep') : '',
  ];
  return `Axon: ${parts.filter(Boolean).join(', ')}`;
}

/** Stops what is in flight: sweeps first (so they propose nothing new), then the remaining experiments. */
export async function stopAll(api: AxonApi, work: Work): Promise<void> {
  await Promise.allSettled(work.groups.map((g) => api.call('groups.stop', { id: g.id })));
  const grouped = new Set(work.groups.map((g) => g.id));
  await Promise.allSettled(
    [...work.active, ...work.queued]
      .filter((x) => x.groupId === null || !grouped.has(x.groupId))
      .map((x) => api.call('experiments.stop', { id: x.id })),
  );
}
