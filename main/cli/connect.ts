// The CLI talks to the engine that serves this AXON_HOME if there is one. Otherwise a command that starts work
// (`work`: run, restart, resume, stop) starts a background engine and talks to it, so the work goes on when the
// command and its terminal are gone (background.ts); a read command runs an engine in-process for its duration
// (nothing to install, nothing to start) and, if it finds work that no engine follows (the background engine
// was killed), hands it to a new background engine as it exits.
// AXON_NO_BACKGROUND=1 keeps work in-process too: an attached command then serves the API meanwhile, so
// `axon ps` in another terminal goes through it instead of finding the home locked.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import { createHttpClient, type HttpClient, type PostJson } from '../../shared/http-client';
import type { AxonApi } from '../../shared/api';
import type { Engine } from '../engine/engine';
import {
  LockedError,
  readAddress,
  removeAddress,
  resolveHome,
  writeAddress,
  type EngineAddress,
} from '../engine/home';
import { backgroundAllowed, ownKubeconfig, startBackgroundEngine } from './background';
import { log } from '../engine/log';
import { stopGraceFromEnv } from '../engine/stop-grace';
import { remoteServer } from './remote';

export interface Connection {
  api: AxonApi;
  /** The in-process engine, when no serving engine was found. */
  engine: Engine | null;
  /** The HTTP client, when a serving engine answers. */
  client: HttpClient | null;
  /** That engine's address (downloads go to its `/api/download/`). */
  url: string | null;
  /** The background engine's pid, when this command started it. */
  started: number | null;
  home: string;
  close(): Promise<void>;
}

/** How long to wait for a short command of another terminal to release the home. */
const LOCK_WAIT_MS = 5000;

export interface ConnectOptions {
  /** The command starts work that must go on after it (a background engine is started if none serves). */
  work?: boolean;
  /** In-process only (AXON_NO_BACKGROUND=1): a long command serves the API while it runs. */
  serve?: boolean;
  /** The command may use kube contexts: say so if the serving engine reads another kubeconfig than ours. */
  kube?: boolean;
}

/** The engine reads the kubeconfig of its own environment, not the command's: a changed KUBECONFIG would be
 *  ignored without a word (the contexts, and errors naming the engine's file, would make no sense). */
function checkKubeconfig(addr: EngineAddress): void {
  if (!('kubeconfig' in addr)) return;
  // Compared as absolute paths: the same files named from another folder are the same kubeconfig.
  const mine = ownKubeconfig();
  if (addr.kubeconfig === mine) return;
  const name = (k: string | null | undefined) => (k ? `KUBECONFIG=${k}` : '~/.kube/config');
  // A note to the person at the terminal, not an engine log line (AXON_QUIET does not hide it).
  process.stderr.write(
    `[axon] the engine serving this AXON_HOME (pid ${addr.pid}) reads ${name(addr.kubeconfig)}, not ${name(mine)} ` +
      `as this command would: its kube contexts are the ones used. To use yours, stop it (kill ${addr.pid}; runs ` +
      'go on) and run the command again.\n',
  );
}

/** AXON_STOP_GRACE_S is read when the engine starts: one set for this command would be ignored without a word
 *  by the engine already serving (a run saving a large checkpoint would be killed at its old grace). */
function checkStopGrace(addr: EngineAddress): void {
  if (!process.env.AXON_STOP_GRACE_S || addr.stopGraceMs === undefined) return;
  const mine = stopGraceFromEnv();
  if (mine === addr.stopGraceMs) return;
  process.stderr.write(
    `[axon] the engine serving this AXON_HOME (pid ${addr.pid}) stops runs with a ${addr.stopGraceMs / 1000} s ` +
      `grace period, not the ${mine / 1000} s of AXON_STOP_GRACE_S here: it is read when an engine starts. ` +
      `To use it, stop that engine (pid ${addr.pid}: ${addr.background ? 'a background engine' : '`axon serve`, or an axon command serving this home'}; ` +
      'runs go on) and run the command again.\n',
  );
}

/** node:http, or node:https for an https URL: a shared engine may serve HTTPS (axon serve --tls-cert; the module
 *  loaded only then, ~3 ms); NODE_EXTRA_CA_CERTS trusts a private CA. */
export const transportFor = (url: string): typeof http =>
  url.startsWith('https:') ? (createRequire(import.meta.url)('node:https') as typeof http) : http;

/** A JSON POST on node:http, for the HTTP client: Node's fetch takes ~50 ms to load at a command's start. */
const postJson: PostJson = (url, init) =>
  new Promise((resolve, reject) => {
    const transport = transportFor(url);
    const req = transport.request(url, { method: init.method, headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: async () => JSON.parse(text) as unknown });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });

/** `ws`, loaded when the first subscription opens the event stream (a read command never does). */
class LazyWebSocket {
  constructor(url: string) {
    const WebSocket = createRequire(import.meta.url)('ws') as new (url: string) => object;
    return new WebSocket(url) as LazyWebSocket;
  }
}

function viaHttp(
  home: string,
  url: string,
  token: string,
  started: number | null,
  pid: number | null = null,
): Connection {
  const client = createHttpClient(url, token, LazyWebSocket as never, postJson);
  if (pid) sayWhenSlow(client, pid);
  return { api: client, engine: null, client, url, started, home, close: async () => client.close() };
}

/** How long a call to this machine's engine waits before the command says it is waiting, and why. */
const SLOW_MS = Number(process.env.AXON_SLOW_ENGINE_MS) || 5000;

/** A process the kernel has stopped (SIGSTOP, a suspended laptop's freezer): /proc's state T or t. */
function isStopped(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return /^[Tt]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]);
  } catch {
    return false;
  }
}

/** A command whose engine does not answer said nothing at all (a trial: `axon ps` silent until killed while
 *  the engine was stopped). Once per command, after SLOW_MS, it says which engine it waits for and why. */
function sayWhenSlow(client: HttpClient, pid: number): void {
  let told = false;
  const call = client.call.bind(client);
  client.call = (async (method: never, input: never) => {
    const t = setTimeout(() => {
      if (told) return;
      told = true;
      const why = isStopped(pid)
        ? `it is stopped (suspended: SIGSTOP, or a laptop asleep); \`kill -CONT ${pid}\` resumes it`
        : 'it may be busy, or stopped';
      process.stderr.write(
        `[axon] the engine serving this AXON_HOME (pid ${pid}) has not answered in ${SLOW_MS / 1000} s: ${why}. ` +
          'Waiting for it (Ctrl-C gives up; runs go on).\n',
      );
    }, SLOW_MS);
    t.unref();
    try {
      return await call(method, input);
    } finally {
      clearTimeout(t);
    }
  }) as HttpClient['call'];
}

export async function connect(opts: ConnectOptions = {}): Promise<Connection> {
  const home = resolveHome();
  // Signed in to a shared engine (`axon login URL`): every command talks to it.
  const remote = remoteServer();
  if (remote) return viaHttp(home, remote.url, remote.token, null);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const addr = readAddress(home);
    if (addr) {
      if (opts.kube) checkKubeconfig(addr);
      checkStopGrace(addr);
      return viaHttp(home, addr.url, addr.token, null, addr.pid);
    }
    if (opts.work && backgroundAllowed()) {
      const a = await startBackgroundEngine(home);
      return viaHttp(home, a.url, a.token, a.pid, a.pid);
    }
    // Loaded only here: a command that talks to a serving engine never loads the engine and its backends.
    const { Engine } = await import('../engine/engine');
    let engine: Engine;
    try {
      engine = await Engine.start({ home });
    } catch (e) {
      if (e instanceof LockedError && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      throw e;
    }
    if (!opts.serve) return inProcess(home, engine);
    const { serve } = await import('../server/http');
    const server = await serve(engine);
    engine.apiUrl = server.url;
    writeAddress(home, {
      pid: process.pid,
      url: server.url,
      token: server.token,
      kubeconfig: ownKubeconfig(),
      stopGraceMs: engine.runner.stopGraceMs,
    });
    return ofEngine(home, engine, async () => {
      removeAddress(home);
      await server.close();
      await engine.close();
    });
  }
}

/** A connection to an engine running in this process. */
function ofEngine(home: string, engine: Engine, close: () => Promise<void>): Connection {
  return { api: engine, engine, client: null, url: null, started: null, home, close };
}

/** An engine for one short command; work it finds unfollowed goes to a background engine when it closes. */
function inProcess(home: string, engine: Engine): Connection {
  return ofEngine(home, engine, async () => {
    const work = backgroundAllowed() && (await engine.hasWork().catch(() => false));
    await engine.close();
    if (!work) return;
    try {
      const a = await startBackgroundEngine(home);
      log.warn(`runs were left with no engine following them: a background engine (pid ${a.pid}) took them`);
    } catch (e) {
      log.warn(`runs are left with no engine following them: ${(e as Error).message}`);
    }
  });
}
