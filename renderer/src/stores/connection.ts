// Whether the page hears the engine. The event stream is the signal: it drops when the engine stops and
// opens again when it is back (the HTTP client retries every second). While it is down the pages say so,
// stop their clocks and disable the actions; when it returns `epoch` moves on, and what the pages show is read
// again (events were missed meanwhile).
import { create } from 'zustand';
import { connection, onConnectionChange } from '../api';

export type LinkState = 'connecting' | 'connected' | 'disconnected';

interface ConnectionState {
  state: LinkState;
  /** When the stream dropped (ms since the epoch); null while connected. */
  since: number | null;
  /** Counts reconnections: pages re-read their data when it changes. */
  epoch: number;
}

export const useConnection = create<ConnectionState>(() => ({
  state: connection.kind === 'http' ? 'connecting' : 'connected',
  since: null,
  epoch: 0,
}));

let watching = false;

/** Starts following the stream (once); called before the first subscription opens it. */
export function watchConnection(): void {
  if (watching) return;
  watching = true;
  onConnectionChange((up) => {
    const s = useConnection.getState();
    if (up) {
      if (s.state === 'connected') return;
      useConnection.setState({
        state: 'connected',
        since: null,
        epoch: s.state === 'disconnected' ? s.epoch + 1 : s.epoch,
      });
    } else if (s.state !== 'disconnected') {
      useConnection.setState({ state: 'disconnected', since: Date.now() });
    }
  });
}

/** True while the engine cannot be heard (its answers on screen may be out of date). */
export const useOffline = () => useConnection((s) => s.state === 'disconnected');
