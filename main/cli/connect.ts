// The CLI talks to the engine that serves this AXON_HOME if there is one; otherwise it runs an engine
// in-process for the command's duration (the embedded default: nothing to install, nothing to start).
// A long command (an attached `axon run`) also serves the API meanwhile, so `axon ps` in another terminal
// goes through it instead of finding the home locked.
import WebSocket from 'ws';
import { createHttpClient } from '../../shared/http-client';
import type { AxonApi } from '../../shared/api';
import { Engine } from '../engine/engine';
import { LockedError, readAddress, removeAddress, resolveHome, writeAddress } from '../engine/home';
import { serve } from '../server/http';

export interface Connection {
  api: AxonApi;
  /** The in-process engine, when no serving engine was found. */
  engine: Engine | null;
  home: string;
  close(): Promise<void>;
}

/** How long to wait for a short command of another terminal to release the home. */
const LOCK_WAIT_MS = 5000;

export async function connect(opts: { serve?: boolean } = {}): Promise<Connection> {
  const home = resolveHome();
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const addr = readAddress(home);
    if (addr) {
      const client = createHttpClient(addr.url, addr.token, WebSocket as never);
      return { api: client, engine: null, home, close: async () => client.close() };
    }
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
    if (!opts.serve) return { api: engine, engine, home, close: () => engine.close() };
    const server = await serve(engine);
    engine.apiUrl = server.url;
    writeAddress(home, { pid: process.pid, url: server.url, token: server.token });
    return {
      api: engine,
      engine,
      home,
      close: async () => {
        removeAddress(home);
        await server.close();
        await engine.close();
      },
    };
  }
}
