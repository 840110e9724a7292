// The API over HTTP + WebSocket, for the CLI, scripts and the browser build of the renderer. It takes the
// WebSocket class as an argument so that it runs in Node (the `ws` package) and in browsers alike.
// Subscriptions survive a dropped connection: the client reconnects and subscribes again.
import type { AxonApi, EventName, Events, Input, MethodName, Results } from './api';
import { ApiError } from './api-errors';

interface MinimalSocket {
  readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
type SocketCtor = new (url: string) => MinimalSocket;

export interface HttpClient extends AxonApi {
  /** Resolves once every subscription made so far is acknowledged by the server (rejects if it can't be). */
  ready(): Promise<void>;
  /** Called when the event stream drops or comes back (the UI shows it). */
  onConnection(listener: (connected: boolean) => void): () => void;
  close(): void;
}

const RECONNECT_MS = 1000;

/** What the client needs of `fetch` (the CLI passes one on node:http: it starts faster than Node's fetch). */
export type PostJson = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string },
) => Promise<{ status: number; json(): Promise<unknown> }>;

export function createHttpClient(
  baseUrl: string,
  token: string,
  WebSocketImpl?: SocketCtor,
  post: PostJson = (url, init) => fetch(url, init),
): HttpClient {
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const connectionListeners = new Set<(connected: boolean) => void>();
  const acks = new Map<string, Array<() => void>>();
  let socket: MinimalSocket | null = null;
  let opened: Promise<void> | null = null;
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let pending: Promise<void>[] = [];

  const send = (msg: object) => {
    if (socket && socket.readyState === 1) socket.send(JSON.stringify(msg));
  };

  /** Sends a subscription and resolves when the server acknowledges it. */
  const subscribe = (event: EventName) =>
    new Promise<void>((resolve) => {
      const list = acks.get(event) ?? [];
      list.push(resolve);
      acks.set(event, list);
      send({ subscribe: event });
    });

  function connect(): Promise<void> {
    if (opened) return opened;
    if (!WebSocketImpl)
      return Promise.reject(new Error('this client was made without a WebSocket implementation'));
    const wsUrl = `${baseUrl.replace(/^http/, 'ws')}/api/events?token=${encodeURIComponent(token)}`;
    const s = new WebSocketImpl(wsUrl);
    socket = s;
    const p = new Promise<void>((resolve, reject) => {
      s.onopen = () => {
        for (const l of connectionListeners) l(true);
        resolve();
      };
      s.onerror = (e) =>
        reject(
          new ApiError('unavailable', `event stream: ${String((e as { message?: string })?.message ?? e)}`),
        );
    });
    opened = p;
    p.catch(() => undefined); // reported through ready(); never an unhandled rejection
    s.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data)) as { event?: EventName; payload?: unknown; ack?: string };
      if (msg.ack) acks.get(msg.ack)?.shift()?.();
      else if (msg.event) for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
    };
    s.onclose = () => {
      socket = null;
      opened = null;
      for (const l of connectionListeners) l(false);
      if (!closed && listeners.size && !retry)
        retry = setTimeout(() => {
          retry = null;
          // Subscribe again to everything still listened to.
          connect()
            .then(() => Promise.all([...listeners.keys()].map(subscribe)))
            .catch(() => undefined);
        }, RECONNECT_MS);
    };
    return p;
  }

  return {
    async call<M extends MethodName>(method: M, input: Input<M>): Promise<Results[M]> {
      let res: Awaited<ReturnType<PostJson>>;
      try {
        res = await post(`${baseUrl}/api/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(input ?? {}),
        });
      } catch (e) {
        throw new ApiError(
          'unavailable',
          `cannot reach the Axon engine at ${baseUrl}: ${(e as Error).message}`,
        );
      }
      let body: {
        ok: boolean;
        result?: Results[M];
        error?: { code: ApiError['code']; message: string; details?: unknown };
      };
      try {
        body = (await res.json()) as typeof body;
      } catch {
        // A web server that is not Axon (a wrong port, a proxy's error page) answers HTML.
        throw new ApiError(
          'unavailable',
          `${baseUrl} did not answer as an Axon engine (HTTP ${res.status}, not the API's JSON): check the address`,
        );
      }
      if (!body.ok)
        throw new ApiError(
          body.error?.code ?? 'internal',
          body.error?.message ?? `HTTP ${res.status}`,
          body.error?.details,
        );
      return body.result as Results[M];
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      let set = listeners.get(event);
      const first = !set;
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (p: unknown) => void);
      if (first) {
        const p = connect().then(() => subscribe(event));
        p.catch(() => undefined);
        pending.push(p);
      }
      return () => {
        set!.delete(listener as (p: unknown) => void);
        // The last listener gone: the server stops sending this event.
        if (!set!.size && listeners.get(event) === set) {
          listeners.delete(event);
          send({ unsubscribe: event });
        }
      };
    },
    async ready() {
      const waiting = pending;
      pending = [];
      await Promise.all(waiting);
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
    close() {
      closed = true;
      if (retry) clearTimeout(retry);
      socket?.close();
    },
  };
}
