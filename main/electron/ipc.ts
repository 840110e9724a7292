// The Electron IPC transport of the API, generated from the contract like main/server/http.ts: one invoke
// channel for every method, one for (un)subscribing, and batched event messages with acknowledgements.
// It knows Electron only by shape (the *Like interfaces below, which Electron's own objects satisfy), so tests
// drive it with fakes and a real engine in plain Node.
//
// - Every message's sender frame is checked (`isTrustedSender`, normally the app's top frame by origin)
//   before anything else; an untrusted one gets `{ ok: false, error: { code: 'unauthorized' } }`.
// - Inputs are validated with the method's zod schema here, at the boundary, and again by the engine.
// - Replies are `{ ok: true, result }` or `{ ok: false, error: { code, message, details } }`: errors are
//   `toApiError(e).toJSON()`, never an Error object, so no stack trace crosses to the renderer.
// - Subscriptions are per webContents and per page session (a reload starts a new session and drops the old
//   subscriptions), removed when the webContents is destroyed or its renderer process dies.
// - Events go out in batches (one message per flush, every `flushDelayMs`), at most `maxInFlight` batches not
//   yet acknowledged by the preload; while a renderer is behind, its events wait in a bounded EventQueue that
//   coalesces and then drops (event-queue.ts).
import {
  ApiError,
  EVENT_NAMES,
  methods,
  toApiError,
  type ApiErrorShape,
  type AxonApi,
  type EventName,
} from '../../shared/api';
import {
  ACK_CHANNEL,
  CALL_CHANNEL,
  CHOOSE_FOLDER_CHANNEL,
  EVENT_CHANNEL,
  SUBSCRIBE_CHANNEL,
  UNSUBSCRIBE_CHANNEL,
  type EventBatch,
} from './channels';
import { DEFAULT_QUEUE_LIMITS, EventQueue, type QueueLimits } from './event-queue';
import { isAppUrl } from './security';

/** The parts of Electron's WebFrameMain that are used. */
export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
}

/** The parts of Electron's WebContents that are used. */
export interface WebContentsLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
  on(event: 'render-process-gone', listener: () => void): unknown;
}

/** The parts of Electron's IpcMainInvokeEvent / IpcMainEvent that are used. */
export interface IpcEventLike {
  readonly sender: WebContentsLike;
  readonly senderFrame: FrameLike | null;
}

/** The parts of Electron's ipcMain that are used. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): unknown;
}

/** A refusal carries a code outside the engine's set, as the HTTP transport's 401 does. */
export type IpcError = ApiErrorShape | { code: 'unauthorized'; message: string };
export type IpcReply<T = unknown> = { ok: true; result: T } | { ok: false; error: IpcError };

export interface IpcOptions {
  limits?: QueueLimits;
  /** Events emitted within this window go out as one message. */
  flushDelayMs?: number;
  /** Batches sent but not yet acknowledged; beyond it events wait in the queue. */
  maxInFlight?: number;
  batchMaxEvents?: number;
  batchMaxBytes?: number;
  /** The desktop's native folder dialog (a project's code folder); without it the channel answers null. */
  chooseFolder?: (sender: WebContentsLike) => Promise<string | null>;
}

export interface IpcRegistration {
  /** Webcontents with live subscriptions. */
  readonly connections: number;
  /** Removes the handlers and every subscription. */
  dispose(): void;
}

/** The usual sender check: the app's top-level frame, by parsed origin. */
export function trustedFrame(appOrigin: string): (frame: FrameLike | null) => boolean {
  return (frame) => !!frame && frame.parent === null && isAppUrl(frame.url, appOrigin);
}

const REFUSED: IpcReply<never> = {
  ok: false,
  error: { code: 'unauthorized', message: 'this frame may not use the Axon API' },
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function failure(e: unknown): IpcReply<never> {
  const { code, message, details } = toApiError(e).toJSON();
  return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
}

class Connection {
  session: string | null = null;
  private subs = new Map<EventName, () => void>();
  private queue: EventQueue;
  private seq = 0;
  private acked = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly wc: WebContentsLike,
    private api: AxonApi,
    private opts: Required<Omit<IpcOptions, 'chooseFolder'>>,
  ) {
    this.queue = new EventQueue(opts.limits);
  }

  get subscriptions(): number {
    return this.subs.size;
  }

  /** A new page in this webContents (or its renderer died): forget everything of the old one. */
  reset(session: string | null): void {
    for (const off of this.subs.values()) off();
    this.subs.clear();
    this.queue.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.seq = 0;
    this.acked = 0;
    this.session = session;
  }

  subscribe(name: EventName): void {
    if (this.subs.has(name)) return;
    this.subs.set(
      name,
      this.api.on(name, (payload) => {
        this.queue.push(name, payload);
        this.schedule();
      }),
    );
  }

  unsubscribe(name: EventName): void {
    this.subs.get(name)?.();
    this.subs.delete(name);
  }

  ack(seq: number): void {
    if (Number.isInteger(seq) && seq > this.acked && seq <= this.seq) this.acked = seq;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || !this.queue.length || this.seq - this.acked >= this.opts.maxInFlight) return;
    this.timer = setTimeout(() => this.flush(), this.opts.flushDelayMs);
  }

  private flush(): void {
    this.timer = null;
    if (this.wc.isDestroyed()) return this.reset(null);
    while (this.queue.length && this.seq - this.acked < this.opts.maxInFlight) {
      const { events, dropped } = this.queue.take(this.opts.batchMaxEvents, this.opts.batchMaxBytes);
      const batch: EventBatch = { session: this.session ?? '', seq: ++this.seq, events };
      if (dropped) batch.dropped = dropped as Record<string, number>;
      try {
        this.wc.send(EVENT_CHANNEL, batch);
      } catch {
        return this.reset(null); // destroyed between the check and the send
      }
    }
  }
}

/**
 * Registers the API on `ipcMain`: CALL_CHANNEL for every method in the contract, SUBSCRIBE/UNSUBSCRIBE for
 * events (delivered on EVENT_CHANNEL, acknowledged on ACK_CHANNEL).
 */
export function registerIpc(
  ipcMain: IpcMainLike,
  api: AxonApi,
  isTrustedSender: (frame: FrameLike | null) => boolean,
  options: IpcOptions = {},
): IpcRegistration {
  const opts: Required<Omit<IpcOptions, 'chooseFolder'>> = {
    limits: options.limits ?? DEFAULT_QUEUE_LIMITS,
    flushDelayMs: options.flushDelayMs ?? 16,
    maxInFlight: options.maxInFlight ?? 2,
    batchMaxEvents: options.batchMaxEvents ?? 500,
    batchMaxBytes: options.batchMaxBytes ?? 1024 * 1024,
  };
  const conns = new Map<number, Connection>();
  const trusted = (event: IpcEventLike) => {
    try {
      return isTrustedSender(event.senderFrame);
    } catch {
      return false; // a frame that is gone
    }
  };

  const connection = (wc: WebContentsLike, session: string): Connection => {
    let c = conns.get(wc.id);
    if (!c || c.wc !== wc) {
      c = new Connection(wc, api, opts);
      const created = c;
      conns.set(wc.id, c);
      wc.once('destroyed', () => {
        created.reset(null);
        if (conns.get(wc.id) === created) conns.delete(wc.id);
      });
      wc.on('render-process-gone', () => created.reset(null));
    }
    if (c.session !== session) c.reset(session);
    return c;
  };

  const subscription = (msg: unknown): { session: string; name: EventName } => {
    if (!isRecord(msg) || typeof msg.session !== 'string' || !msg.session || msg.session.length > 128)
      throw new ApiError('invalid_input', 'expected { session, event }');
    if (!EVENT_NAMES.includes(msg.event as EventName))
      throw new ApiError('not_found', `no event "${String(msg.event)}"`);
    return { session: msg.session, name: msg.event as EventName };
  };

  ipcMain.handle(CALL_CHANNEL, async (event, msg): Promise<IpcReply> => {
    if (!trusted(event)) return REFUSED;
    try {
      if (!isRecord(msg)) throw new ApiError('invalid_input', 'expected { method, input }');
      const method = msg.method;
      if (typeof method !== 'string' || !Object.hasOwn(methods, method))
        throw new ApiError('not_found', `no API method "${String(method)}"`);
      const name = method as keyof typeof methods;
      const input = methods[name].parse(msg.input ?? {});
      return { ok: true, result: await api.call(name, input as never) };
    } catch (e) {
      return failure(e);
    }
  });

  ipcMain.handle(CHOOSE_FOLDER_CHANNEL, async (event): Promise<IpcReply<string | null>> => {
    if (!trusted(event)) return REFUSED;
    try {
      return { ok: true, result: options.chooseFolder ? await options.chooseFolder(event.sender) : null };
    } catch (e) {
      return failure(e);
    }
  });

  ipcMain.handle(SUBSCRIBE_CHANNEL, (event, msg): IpcReply<null> => {
    if (!trusted(event)) return REFUSED;
    try {
      const { session, name } = subscription(msg);
      connection(event.sender, session).subscribe(name);
      return { ok: true, result: null };
    } catch (e) {
      return failure(e);
    }
  });

  ipcMain.handle(UNSUBSCRIBE_CHANNEL, (event, msg): IpcReply<null> => {
    if (!trusted(event)) return REFUSED;
    try {
      const { session, name } = subscription(msg);
      const c = conns.get(event.sender.id);
      if (c && c.session === session) c.unsubscribe(name);
      return { ok: true, result: null };
    } catch (e) {
      return failure(e);
    }
  });

  const onAck = (event: IpcEventLike, msg: unknown) => {
    if (!trusted(event) || !isRecord(msg)) return;
    const c = conns.get(event.sender.id);
    if (c && c.session === msg.session && typeof msg.seq === 'number') c.ack(msg.seq);
  };
  ipcMain.on(ACK_CHANNEL, onAck);

  return {
    get connections() {
      let n = 0;
      for (const c of conns.values()) if (c.subscriptions) n++;
      return n;
    },
    dispose() {
      for (const ch of [CALL_CHANNEL, SUBSCRIBE_CHANNEL, UNSUBSCRIBE_CHANNEL, CHOOSE_FOLDER_CHANNEL])
        ipcMain.removeHandler(ch);
      ipcMain.removeListener(ACK_CHANNEL, onAck);
      for (const c of conns.values()) c.reset(null);
      conns.clear();
    },
  };
}
