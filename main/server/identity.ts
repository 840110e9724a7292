// What a serving engine keeps between its starts, so that a dashboard tab left open survives a restart: the
// access token and the port. `AXON_HOME/server.json` (0600, like engine.json): the next start reuses the
// token, and the port when none is asked for and it is free, so an open page reconnects by itself. Delete the
// file to make a new token (every open page then needs the new address).
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  ApiError,
  type AxonApi,
  type EventName,
  type Events,
  type Input,
  type MethodName,
  type Results,
} from '../../shared/api';
import type { AuthUser } from '../../shared/auth';
import type { Caller } from '../engine/auth/caller';

export interface ServerIdentity {
  token: string;
  port: number | null;
}

const file = (home: string) => path.join(home, 'server.json');

/** The identity kept in `home`, or a new token (written at once) when there is none or it is unreadable. */
export function loadIdentity(home: string): ServerIdentity {
  try {
    const o = JSON.parse(fs.readFileSync(file(home), 'utf8')) as Partial<ServerIdentity>;
    if (typeof o.token === 'string' && /^[0-9a-f]{32,128}$/.test(o.token))
      return {
        token: o.token,
        port: Number.isInteger(o.port) && o.port! > 0 && o.port! < 65536 ? o.port! : null,
      };
  } catch {
    /* none yet, or not JSON: a new one */
  }
  const fresh = { token: randomBytes(24).toString('hex'), port: null };
  saveIdentity(home, fresh);
  return fresh;
}

export function saveIdentity(home: string, id: ServerIdentity): void {
  try {
    const tmp = `${file(home)}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(id), { mode: 0o600 });
    fs.renameSync(tmp, file(home));
  } catch {
    /* a home that cannot be written: the token lasts for this start only */
  }
}

// ---- Who a request is (axon serve --auth) ----

/** What the HTTP transport needs of an engine that tells callers apart (main/engine/engine.ts). */
export interface CallerAwareApi extends AxonApi {
  callAs<M extends MethodName>(caller: Caller, method: M, input: Input<M>): Promise<Results[M]>;
  onAs<E extends EventName>(caller: Caller, event: E, listener: (payload: Events[E]) => void): () => void;
  runOfToken(token: string): number | null;
  authz: { auth: { resolveToken(token: string): Promise<AuthUser | null> } };
}

export function tokenOk(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The caller a bearer token stands for: none given, anonymous; the home's own token (engine.json, 0600: only
 * the machine's owner reads it), the local owner; a job's run token, its run; an API token or session, its
 * user. Null: a token was given and it is no valid one (401).
 */
export async function resolveCaller(
  api: CallerAwareApi,
  homeToken: string,
  given: string | null,
  address: string | null,
): Promise<Caller | null> {
  if (!given) return { kind: 'anonymous', address };
  if (tokenOk(homeToken, given)) return { kind: 'local' };
  if (given.startsWith('axr_')) {
    const experimentId = api.runOfToken(given);
    return experimentId === null ? null : { kind: 'run', experimentId };
  }
  const user = await api.authz.auth.resolveToken(given);
  return user ? { kind: 'user', user, token: given, address } : null;
}

/** A job's run token (`axr_…`) as its run's caller, where the engine tells callers apart; else null. */
function runCaller(api: AxonApi, given: string | null): Caller | null {
  if (!given?.startsWith('axr_') || typeof (api as Partial<CallerAwareApi>).runOfToken !== 'function')
    return null;
  const experimentId = (api as CallerAwareApi).runOfToken(given);
  return experimentId === null ? null : { kind: 'run', experimentId };
}

const invalid = () => new ApiError('unauthorized', 'the token is not valid (expired, revoked or unknown)');

/**
 * How one request calls the API. Without --auth: the home's token, as the local owner, or a job's run token, as
 * its run (null: 401). With --auth: as the caller its token names, checked by the engine.
 */
export function callerOf(
  api: AxonApi,
  auth: boolean,
  homeToken: string,
  given: string | null,
  address: string | null,
): AxonApi | null {
  if (!auth) {
    if (tokenOk(homeToken, given)) return api;
    // A job's own token reads and tracks its run, with or without --auth (the docs promise it to every job).
    const run = runCaller(api, given);
    if (!run) return null;
    const a = api as CallerAwareApi;
    return {
      call: (method, input) => a.callAs(run, method, input),
      on: () => {
        throw new Error('subscribe through subscriberOf');
      },
    };
  }
  const a = api as CallerAwareApi;
  const caller = resolveCaller(a, homeToken, given, address);
  caller.catch(() => undefined);
  return {
    call: async (method, input) => {
      const c = await caller;
      if (!c) throw invalid();
      return a.callAs(c, method, input);
    },
    on: () => {
      throw new Error('subscribe through subscriberOf');
    },
  };
}

/** How often an open WebSocket's token is checked again (a session that ended, a token revoked). */
const RECHECK_MS = 5_000;

/** What one WebSocket may subscribe to, and (with auth) a watch that says when its token stops being valid. */
export interface Subscriber extends Pick<AxonApi, 'on'> {
  /** Calls `ended` once the token is no longer valid; returns the function that stops watching. */
  watch?(ended: () => void): () => void;
}

/** The event subscription of one WebSocket; null: refused (401). */
export async function subscriberOf(
  api: AxonApi,
  auth: boolean,
  homeToken: string,
  given: string | null,
  address: string | null,
): Promise<Subscriber | null> {
  if (!auth) {
    if (tokenOk(homeToken, given)) return api;
    const run = runCaller(api, given);
    return run ? { on: (event, listener) => (api as CallerAwareApi).onAs(run, event, listener) } : null;
  }
  const a = api as CallerAwareApi;
  const c = await resolveCaller(a, homeToken, given, address).catch(() => null);
  if (!c || c.kind === 'anonymous') return null;
  return {
    on: (event, listener) => a.onAs(c, event, listener),
    watch: (ended) => {
      if (c.kind !== 'user') return () => undefined;
      const timer = setInterval(() => {
        void resolveCaller(a, homeToken, given, address)
          .catch(() => null)
          .then((now) => {
            if (now) return;
            clearInterval(timer);
            ended();
          });
      }, RECHECK_MS);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
