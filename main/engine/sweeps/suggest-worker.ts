// The suggestion worker (node:worker_threads): runs a searcher's step off the engine's thread. Started by
// searcher-thread.ts; one message in ({id, search, seed, state, trials, free}), one out ({id, step} or
// {id, error}). Loads only the search code (make-searcher.ts), never the store.
import { parentPort } from 'node:worker_threads';
import { runStep } from './make-searcher';
import type { StepRequest, StepReply } from './searcher-thread';

parentPort?.on('message', (req: StepRequest) => {
  let reply: StepReply;
  try {
    reply = { id: req.id, step: runStep(req.search, req.seed, req.state, req.trials, req.free) };
  } catch (e) {
    reply = { id: req.id, error: e instanceof Error ? e.message : String(e) };
  }
  parentPort!.postMessage(reply);
});
