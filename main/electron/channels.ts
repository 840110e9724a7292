// The IPC channels between main (ipc.ts) and the preload (preload.ts), declared once for both ends. This module
// has no imports, so the sandboxed preload bundle stays tiny.

/** invoke: `{ method, input }` → `{ ok: true, result }` | `{ ok: false, error: { code, message, details } }`. */
export const CALL_CHANNEL = 'axon:call';
/** invoke: `{ session, event }` → `{ ok: true }` | `{ ok: false, error }`. */
export const SUBSCRIBE_CHANNEL = 'axon:subscribe';
/** invoke: `{ session, event }` → `{ ok: true }`. */
export const UNSUBSCRIBE_CHANNEL = 'axon:unsubscribe';
/** invoke: `{}` → `{ ok: true, result: string | null }`: the folder chosen in the native dialog, or null. */
export const CHOOSE_FOLDER_CHANNEL = 'axon:choose-folder';
/** main → renderer: one `EventBatch` per message. */
export const EVENT_CHANNEL = 'axon:event';
/** renderer → main (send): `{ session, seq }` once a batch has been dispatched to the listeners. */
export const ACK_CHANNEL = 'axon:ack';

/** One event as the engine emitted it (`Events[event]` is the payload's type). */
export interface EventEnvelope {
  event: string;
  payload: unknown;
}

/**
 * What main sends on EVENT_CHANNEL: the events in emission order (coalesced only under pressure, see
 * event-queue.ts), the page session they belong to, a sequence number the preload acknowledges, and how
 * many events of each kind were dropped since the previous batch because the renderer fell behind.
 */
export interface EventBatch {
  session: string;
  seq: number;
  events: EventEnvelope[];
  dropped?: Record<string, number>;
}
