// The background engine. A command that starts work (run, restart, resume, stop) when no engine serves this
// AXON_HOME starts `axon serve --background` detached from the terminal and talks to it: the work goes on after
// the command and its terminal are gone (a group schedules its next experiments, Docker endings are recorded,
// logs and metrics are read). That engine exits by itself once nothing is left to do and no client has
// listened or called for AXON_IDLE_EXIT_S seconds (default 60), as a desktop app's tray engine would. Its output
// goes to AXON_HOME/engine.log.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { AxonApi } from '../../shared/api';
import { ApiError, EVENT_NAMES } from '../../shared/api-errors';
import type { Engine } from '../engine/engine';
import type { CallerAwareApi } from '../server/identity';
import { lockOwner, readAddress, type EngineAddress } from '../engine/home';

export const engineLogPath = (home: string) => path.join(home, 'engine.log');

/** engine.log is cut to its last half once it passes this size (at a background engine's start). */
const LOG_MAX_BYTES = 8 * 1024 * 1024;

export function idleExitMs(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.AXON_IDLE_EXIT_S);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : 60_000;
}

/** Whether work commands may start a background engine (AXON_NO_BACKGROUND=1: the in-process engine). */
export const backgroundAllowed = (env: NodeJS.ProcessEnv = process.env) => env.AXON_NO_BACKGROUND !== '1';

/**
 * Starts `axon serve --background` for `home` and resolves with the address of the engine that serves it (the
 * one started here, or another command's that won the home's lock at the same moment).
 */
/** The KUBECONFIG of this process as absolute paths (what an engine records, and what a command compares). */
export const ownKubeconfig = (): string | null =>
  process.env.KUBECONFIG ? absoluteKubeconfig(process.env.KUBECONFIG) || null : null;

/** KUBECONFIG's files as absolute paths from `cwd`, empty entries left out (kubectl skips them too). */
export function absoluteKubeconfig(value: string, cwd = process.cwd()): string {
  return value
    .split(path.delimiter)
    .filter(Boolean)
    .map((p) => path.resolve(cwd, p))
    .join(path.delimiter);
}

export async function startBackgroundEngine(home: string, timeoutMs = 30_000): Promise<EngineAddress> {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const logFile = engineLogPath(home);
  trimLog(logFile);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fd = fs.openSync(logFile, 'a', 0o600);
    const from = fs.fstatSync(fd).size;
    // The same Node and entry point as this command (bin/axon.mjs, the bundle, or the sources under tsx).
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], 'serve', '--background'], {
      cwd: home,
      // The engine runs in AXON_HOME: a relative KUBECONFIG is made absolute from here, as kubectl reads it.
      env: {
        ...process.env,
        AXON_HOME: home,
        ...(process.env.KUBECONFIG ? { KUBECONFIG: absoluteKubeconfig(process.env.KUBECONFIG) } : {}),
      },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    fs.closeSync(fd);
    let exited: number | null = null;
    child.once('exit', (code) => (exited = code ?? 1));
    child.once('error', () => (exited = 1));
    child.unref();
    for (;;) {
      const a = readAddress(home);
      if (a) return a;
      if (exited !== null) break;
      if (Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new ApiError(
          'unavailable',
          `the background engine did not start within ${timeoutMs / 1000} s; its log: ${logFile}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // It exited. Another command's short-lived engine held the home: try again once that one is done.
    if (lockOwner(home) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    const said = readFrom(logFile, from).trim().split('\n').slice(-5).join('\n');
    throw new ApiError(
      'unavailable',
      `the background engine exited with code ${exited}${said ? `:\n${said}` : ''}\n(log: ${logFile})`,
    );
  }
}

/**
 * For `axon serve --background`: the API the server is given, counting calls, and a watch that calls `onIdle`
 * once the engine has had no work, no subscribed client, no call in progress and no call for `idleMs`.
 */
export function idleWatch(
  engine: Engine,
  idleMs: number,
  onIdle: () => void,
): { api: CallerAwareApi & { home: string }; stop(): void } {
  let last = Date.now();
  let inFlight = 0; // a call that takes longer than idleMs (a cluster probe) keeps the engine up until it answers
  const subscriptions = () => EVENT_NAMES.reduce((n, e) => n + engine.events.listenerCount(e), 0);
  const own = subscriptions(); // the engine's own listeners, not clients
  const counted = async <T>(answer: () => Promise<T>): Promise<T> => {
    last = Date.now();
    inFlight++;
    try {
      return await answer();
    } finally {
      inFlight--;
      last = Date.now();
    }
  };
  const api = {
    home: engine.home,
    call: ((method, input) => counted(() => engine.call(method, input))) as AxonApi['call'],
    on: ((event, listener) => engine.on(event, listener)) as AxonApi['on'],
    // A job's own token (AXON_TOKEN) is told apart from the home's: the transport calls as its run.
    callAs: ((caller, method, input) =>
      counted(() => engine.callAs(caller, method, input))) as CallerAwareApi['callAs'],
    onAs: ((caller, event, listener) => engine.onAs(caller, event, listener)) as CallerAwareApi['onAs'],
    runOfToken: (token: string) => engine.runOfToken(token),
    authz: engine.authz,
  };
  let checking = false;
  const timer = setInterval(
    () => {
      if (checking) return;
      checking = true;
      void (async () => {
        try {
          if (inFlight > 0 || subscriptions() > own || (await engine.hasWork())) last = Date.now();
          else if (Date.now() - last >= idleMs) {
            clearInterval(timer);
            onIdle();
          }
        } finally {
          checking = false;
        }
      })();
    },
    Math.max(100, Math.min(1000, idleMs / 4)),
  );
  return { api, stop: () => clearInterval(timer) };
}

function trimLog(file: string): void {
  try {
    const size = fs.statSync(file).size;
    if (size <= LOG_MAX_BYTES) return;
    const keep = readFrom(file, size - LOG_MAX_BYTES / 2);
    fs.writeFileSync(file, keep.slice(keep.indexOf('\n') + 1), { mode: 0o600 });
  } catch {
    /* no log yet */
  }
}

function readFrom(file: string, offset: number): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.alloc(Math.max(0, size - offset));
      fs.readSync(fd, buf, 0, buf.length, offset);
      return buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}
