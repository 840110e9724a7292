// The TypeScript client of the Axon API, for scripts: connects to the engine that `axon serve` runs for an
// AXON_HOME (its address and token are in AXON_HOME/engine.json, readable only by the user).
//
//   import { connectToEngine } from 'axon/sdk/typescript';
//   const axon = await connectToEngine();
//   const runs = await axon.call('experiments.list', { project: 'branin' });
//   axon.on('metrics.appended', ({ experimentId, points }) => ...);
import WebSocket from 'ws';
import { createHttpClient, type HttpClient } from '../../shared/http-client';
import { ApiError } from '../../shared/api';
import { readAddress, resolveHome } from '../../main/engine/home';

export type { HttpClient } from '../../shared/http-client';
export type { AxonApi, MethodName, Input, Results, Events } from '../../shared/api';
export { ApiError } from '../../shared/api';

export async function connectToEngine(home = resolveHome()): Promise<HttpClient> {
  const addr = readAddress(home);
  if (!addr)
    throw new ApiError('unavailable', `no Axon engine is serving ${home}: start one with \`axon serve\``);
  return createHttpClient(addr.url, addr.token, WebSocket as never);
}

/** A client for an engine at a known address (e.g. another user's `axon serve` you were given a token for). */
export function connectTo(url: string, token: string): HttpClient {
  return createHttpClient(url, token, WebSocket as never);
}
