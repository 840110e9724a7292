// The preload: runs sandboxed, in an isolated world, before the page. It exposes exactly one object,
// `window.axon` (AxonBridge), and nothing of Electron or Node. Keep it tiny: every decision is in main.
import { contextBridge, ipcRenderer } from 'electron';
import type { ApiErrorShape, AxonApi } from '../../shared/api';
import {
  ACK_CHANNEL,
  CALL_CHANNEL,
  CHOOSE_FOLDER_CHANNEL,
  EVENT_CHANNEL,
  SUBSCRIBE_CHANNEL,
  UNSUBSCRIBE_CHANNEL,
  type EventBatch,
} from './channels';

/**
 * `window.axon`: the contract's `AxonApi`. `call` rejects with a plain `{ code, message, details }` object
 * (contextBridge copies Errors without their own properties, so an ApiError would lose its code): wrap it
 * with `toApiError` from shared/api to get an ApiError back.
 */
export type AxonBridge = AxonApi & {
  /** The desktop's native folder dialog: the chosen folder, or null when cancelled. */
  chooseFolder(): Promise<string | null>;
};

type Reply = { ok: true; result: unknown } | { ok: false; error: ApiErrorShape };

// A page session: main drops the subscriptions of a previous page in this webContents when it sees a new one.
const session = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
const listeners = new Map<string, Set<(payload: unknown) => void>>();

ipcRenderer.on(EVENT_CHANNEL, (_e, batch: EventBatch) => {
  if (batch?.session !== session) return;
  for (const { event, payload } of batch.events)
    for (const listener of listeners.get(event) ?? [])
      try {
        listener(payload);
      } catch (err) {
        console.error(`axon: a listener of ${event} threw`, err);
      }
  ipcRenderer.send(ACK_CHANNEL, { session, seq: batch.seq });
});

async function request(channel: string, message: unknown): Promise<unknown> {
  const reply = (await ipcRenderer.invoke(channel, message)) as Reply;
  if (reply.ok) return reply.result;
  throw { ...reply.error };
}

function on(event: string, listener: (payload: unknown) => void): () => void {
  if (typeof listener !== 'function') throw new TypeError('listener must be a function');
  let set = listeners.get(event);
  if (!set) {
    listeners.set(event, (set = new Set()));
    request(SUBSCRIBE_CHANNEL, { session, event }).catch((err) =>
      console.error(`axon: could not subscribe to ${event}`, err),
    );
  }
  const mine = set;
  mine.add(listener);
  return () => {
    if (!mine.delete(listener) || mine.size || listeners.get(event) !== mine) return;
    listeners.delete(event);
    request(UNSUBSCRIBE_CHANNEL, { session, event }).catch(() => undefined);
  };
}

const bridge: AxonBridge = {
  call: ((method: string, input: unknown) => request(CALL_CHANNEL, { method, input })) as AxonBridge['call'],
  on: on as AxonBridge['on'],
  chooseFolder: () => request(CHOOSE_FOLDER_CHANNEL, {}) as Promise<string | null>,
};

contextBridge.exposeInMainWorld('axon', bridge);
