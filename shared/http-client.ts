// The API over HTTP + WebSocket, for the CLI, scripts and the browser build of the renderer. It takes the
// WebSocket class as an argument so that it runs in Node (the `ws` package) and in browsers alike.
import {
  ApiError,
  type AxonApi,
  type EventName,
  type Events,
  type Input,
  type MethodName,
  type Results,
} from './api';

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
  /** Resolves once every subscription made so far is acknowledged by the server. */
  ready(): Promise<void>;
  close(): void;
}

export function createHttpClient(baseUrl: string, token: string, WebSocketImpl?: SocketCtor): HttpClient {
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  let socket: MinimalSocket | null = null;
  let opened: Promise<void> | null = null;
  const pendingAcks = new Map<string, Array<() => void>>();

  function connect(): Promise<void> {
    if (opened) return opened;
    if (!WebSocketImpl) throw new Error('this client was made without a WebSocket implementation');
    const wsUrl = `${baseUrl.replace(/^http/, 'ws')}/api/events?token=${encodeURIComponent(token)}`;
    const s = new WebSocketImpl(wsUrl);
    socket = s;
    opened = new Promise((resolve, reject) => {
      s.onopen = () => resolve();
      s.onerror = (e) =>
        reject(
          new ApiError('unavailable', `event stream: ${String((e as { message?: string })?.message ?? e)}`),
        );
    });
    s.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data)) as { event?: EventName; payload?: unknown; ack?: string };
      if (msg.ack) {
        const waiters = pendingAcks.get(msg.ack);
        waiters?.shift()?.();
        return;
      }
      if (msg.event) for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
    };
    s.onclose = () => {
      socket = null;
      opened = null;
    };
    return opened;
  }

  const acked: Promise<void>[] = [];

  return {
    async call<M extends MethodName>(method: M, input: Input<M>): Promise<Results[M]> {
      let res: Response;
      try {
        res = await fetch(`${baseUrl}/api/${method}`, {
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
      const body = (await res.json()) as {
        ok: boolean;
        result?: Results[M];
        error?: { code: ApiError['code']; message: string; details?: unknown };
      };
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
        acked.push(
          connect().then(
            () =>
              new Promise<void>((resolve) => {
                const list = pendingAcks.get(event) ?? [];
                list.push(resolve);
                pendingAcks.set(event, list);
                socket?.send(JSON.stringify({ subscribe: event }));
              }),
          ),
        );
      }
      return () => {
        set!.delete(listener as (p: unknown) => void);
      };
    },
    async ready() {
      await Promise.all(acked);
    },
    close() {
      socket?.close();
    },
  };
}
