// The one way the renderer talks to the engine. In Electron the preload exposes `window.axon` (the same
// `call`/`on` shape, over IPC); in a browser the client is HTTP + WebSocket to the page's own origin, with
// the token that `axon serve` put in the URL (`/?token=…`), kept in sessionStorage and removed from the
// address bar. Under `axon serve --auth` the same slot holds the tab's session token from the login page
// (lib/session.ts says why sessionStorage); a 401 then means the session ended, and stores/session.ts shows
// the login page again. Nothing here imports Node.
import type { AxonApi, EventName, Events, Input, MethodName, Results } from '../../shared/api';
import { ApiError } from '../../shared/api';
import { createHttpClient, type HttpClient } from '../../shared/http-client';

export type { MachineInfo, MetricSeries } from '../../shared/domain';

declare global {
  interface Window {
    /** The desktop app's preload bridge (main/electron/preload.ts AxonBridge). */
    axon?: AxonApi & { chooseFolder?(): Promise<string | null> };
  }
}

/** The desktop app's native folder dialog; undefined in a browser (the page browses through the engine). */
export const chooseFolderNatively: (() => Promise<string | null>) | undefined = window.axon?.chooseFolder
  ? () => window.axon!.chooseFolder!()
  : undefined;

const TOKEN_KEY = 'axon.token';

/** Reads `?token=` once, keeps it for this tab, and takes it out of the address bar and history. */
export function takeTokenFromUrl(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  }
  return fromUrl ?? sessionStorage.getItem(TOKEN_KEY);
}

export type Connection =
  { kind: 'ipc'; api: AxonApi } | { kind: 'http'; api: AxonApi } | { kind: 'none'; reason: string };

function connect(): Connection {
  if (window.axon) return { kind: 'ipc', api: window.axon };
  const token = takeTokenFromUrl();
  if (!token)
    return {
      kind: 'none',
      reason:
        'This page needs the access token of the engine. Open the address that `axon serve` printed ' +
        '(it ends in ?token=…), or run `axon serve` again to get a new one.',
    };
  return {
    kind: 'http',
    api: createHttpClient(window.location.origin, token, WebSocket as never),
  };
}

export const connection: Connection = connect();

/** Keeps the credential for this tab (a sign-in's session token); the page then reloads to use it. */
export function keepToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** `/api/health`'s word on whether this engine asks for sign-in; null when it cannot be read. */
export async function engineAsksForSignIn(): Promise<boolean | null> {
  try {
    const r = await fetch(`${window.location.origin}/api/health`);
    const body = (await r.json()) as { ok?: boolean; auth?: unknown };
    return body.ok ? body.auth === true : null;
  } catch {
    return null;
  }
}

/** A call with no credential at all: signing in (`auth.login` is the one method that needs none). */
export function callWithoutToken<M extends MethodName>(method: M, input: Input<M>): Promise<Results[M]> {
  return createHttpClient(window.location.origin, '').call(method, input);
}

/** Stops the event stream's reconnection (a session that ended: its socket would be refused every second). */
export function closeEvents(): void {
  if (connection.kind === 'http') (connection.api as HttpClient).close();
}

let sessionEnded: (() => void) | null = null;

/** Under --auth: what a 401 means (the session expired or was ended); stores/session.ts sets it. */
export function onSessionEnded(fn: (() => void) | null): void {
  sessionEnded = fn;
}

/**
 * Follows the engine's event stream: `false` when it drops (the engine stopped, the machine slept), `true`
 * when it opens again (the client reconnects by itself, every second). In the desktop app the engine lives
 * in the app's own process, so it never drops.
 */
export function onConnectionChange(listener: (connected: boolean) => void): () => void {
  if (connection.kind !== 'http') return () => {};
  return (connection.api as HttpClient).onConnection(listener);
}

function api(): AxonApi {
  if (connection.kind === 'none') throw new ApiError('unavailable', connection.reason);
  return connection.api;
}

/** Calls an engine method; errors are always `ApiError`s with a message fit to show. */
export async function call<M extends MethodName>(method: M, input: Input<M>): Promise<Results[M]> {
  try {
    return await api().call(method, input);
  } catch (e) {
    const o = e as { code?: string; message?: string; details?: unknown };
    if (o?.code === 'unauthorized' && sessionEnded) {
      forgetToken();
      sessionEnded();
      throw new ApiError('unauthorized', 'Your session has ended. Sign in again.');
    }
    if (o?.code === 'unauthorized') {
      // The token of an earlier `axon serve` (a new one is made at every start): forget it.
      sessionStorage.removeItem(TOKEN_KEY);
      throw new ApiError(
        'unavailable',
        'The engine refused this page’s token (a new one is made each time `axon serve` starts). ' +
          'Open the address that `axon serve` printed.',
      );
    }
    if (e instanceof ApiError) throw e;
    throw new ApiError((o?.code as ApiError['code']) ?? 'internal', o?.message ?? String(e), o?.details);
  }
}

// One transport subscription per event, fanned out here; dropped when its last listener goes (the Electron
// bridge then unsubscribes in main; the HTTP client keeps its socket subscription and just stops calling).
const fans = new Map<EventName, { listeners: Set<(p: never) => void>; off: () => void }>();

export function subscribe<E extends EventName>(event: E, fn: (payload: Events[E]) => void): () => void {
  let fan = fans.get(event);
  if (!fan) {
    const listeners = new Set<(p: never) => void>();
    const off =
      connection.kind === 'none'
        ? () => {}
        : connection.api.on(event, (payload) => {
            for (const l of listeners) (l as (p: Events[E]) => void)(payload);
          });
    fans.set(event, (fan = { listeners, off }));
  }
  const mine = fan;
  mine.listeners.add(fn as (p: never) => void);
  return () => {
    if (!mine.listeners.delete(fn as (p: never) => void) || mine.listeners.size) return;
    if (fans.get(event) === mine) fans.delete(event);
    mine.off();
  };
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
