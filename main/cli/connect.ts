// The CLI talks to the engine that serves this AXON_HOME if there is one; otherwise it runs an engine
// in-process for the command's duration (the embedded default: nothing to install, nothing to start).
import WebSocket from 'ws';
import { createHttpClient } from '../../shared/http-client';
import type { AxonApi } from '../../shared/api';
import { Engine } from '../engine/engine';
import { readAddress, resolveHome } from '../engine/home';

export interface Connection {
  api: AxonApi;
  /** The in-process engine, when no serving engine was found. */
  engine: Engine | null;
  home: string;
  close(): Promise<void>;
}

export async function connect(): Promise<Connection> {
  const home = resolveHome();
  const addr = readAddress(home);
  if (addr) {
    const client = createHttpClient(addr.url, addr.token, WebSocket as never);
    return { api: client, engine: null, home, close: async () => client.close() };
  }
  const engine = await Engine.start({ home });
  return { api: engine, engine, home, close: () => engine.close() };
}
