// Runs BO's searcher steps on a worker thread (node:worker_threads), so that fitting a GP and maximising the
// acquisition (tens to hundreds of ms at 100 results) never blocks the engine's event loop: the API, log
// following and the queue go on meanwhile. The worker runs the same code on the same inputs (the saved searcher
// state holds the seeded generator), so its step is the in-process step, value for value.
//
// Where the worker's code is found:
// * the file given to useSuggestWorkerFile: the Electron main process names the suggest-worker.cjs that
//   main/electron/build.mjs bundles beside main.cjs (unpacked from app.asar once packaged);
// * a compiled `suggest-worker.mjs` (or `.cjs`) beside this module's file: a bundle that ships one (the CLI's
//   dist/cli/) — see docs/sweeps.md;
// * else, running from the TypeScript sources (tsx: dev, tests, bin/axon.mjs without a fresh bundle), the
//   worker registers tsx's loader and imports suggest-worker.ts;
// * else the step runs in-process, as before (`AXON_SWEEP_WORKER=0` forces this).
// A worker that cannot start, crashes or exits is replaced once; a second failure makes every later step run
// in-process. An error the searcher itself throws (bad options) is rethrown here with its message.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SearchSpec } from '../../../shared/polyaxonfile';
import { runStep } from './make-searcher';
import type { Proposal, SweepTrial } from './searcher';

type State = { finished: boolean } & Record<string, unknown>;
export interface StepResult {
  state: State;
  proposals: Proposal[];
  finished: boolean;
}
export interface StepRequest {
  id: number;
  search: SearchSpec;
  seed: number;
  state: State | undefined;
  trials: SweepTrial[];
  free: number;
}
export type StepReply = { id: number; step: StepResult } | { id: number; error: string };

/** Algorithms whose steps go to the worker: the others take well under a millisecond. */
const OFF_THREAD: ReadonlySet<string> = new Set(['bo']);

class WorkerFailure extends Error {}

/** The worker file a bundle names for itself (useSuggestWorkerFile), tried first. */
let namedWorkerFile: string | null = null;

/** How to start the worker here, or null when it cannot be (then steps run in-process). */
function workerSpec(): { file: string } | { eval: string; data: Record<string, string> } | null {
  if (namedWorkerFile && fs.existsSync(namedWorkerFile)) return { file: namedWorkerFile };
  let here: string;
  try {
    here = fileURLToPath(import.meta.url);
  } catch {
    return null;
  }
  const dir = path.dirname(here);
  for (const name of ['suggest-worker.mjs', 'suggest-worker.cjs', 'suggest-worker.js']) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return { file };
  }
  const source = path.join(dir, 'suggest-worker.ts');
  if (!here.endsWith('.ts') || !fs.existsSync(source)) return null;
  try {
    const tsxRoot = path.dirname(createRequire(here).resolve('tsx/package.json'));
    const api = path.join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs');
    if (!fs.existsSync(api)) return null;
    return {
      eval:
        "import('node:worker_threads').then(({ workerData: d }) => import(d.tsx)" +
        '.then((m) => { m.register(); return import(d.entry); }))',
      data: { tsx: pathToFileURL(api).href, entry: pathToFileURL(source).href },
    };
  } catch {
    return null;
  }
}

class SearcherThread {
  private worker: Worker | null = null;
  private pending = new Map<number, { resolve: (r: StepResult) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failures = 0;
  private spec: ReturnType<typeof workerSpec> | undefined;

  /** False once the worker cannot be used: the caller runs the step itself. */
  get usable(): boolean {
    if (process.env.AXON_SWEEP_WORKER === '0') return false;
    if (this.spec === undefined) this.spec = workerSpec();
    return this.spec !== null && this.failures < 2;
  }

  private start(): Worker {
    const spec = this.spec!;
    const w =
      'file' in spec ? new Worker(spec.file) : new Worker(spec.eval, { eval: true, workerData: spec.data });
    w.unref();
    w.on('message', (reply: StepReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (!this.pending.size) w.unref();
      if ('error' in reply) p.reject(new Error(reply.error));
      else p.resolve(reply.step);
    });
    const fail = (why: string) => {
      if (this.worker !== w) return;
      this.worker = null;
      this.failures++;
      const all = [...this.pending.values()];
      this.pending.clear();
      for (const p of all) p.reject(new WorkerFailure(why));
    };
    w.on('error', (e) => fail(e.message));
    w.on('exit', (code) => fail(`exited with code ${code}`));
    return w;
  }

  step(req: Omit<StepRequest, 'id'>): Promise<StepResult> {
    if (!this.worker) this.worker = this.start();
    const w = this.worker;
    const id = this.nextId++;
    return new Promise<StepResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.ref();
      w.postMessage({ id, ...req } satisfies StepRequest);
    });
  }

  /** The compiled file the worker starts from, or null (the tsx loader, or no worker). */
  get source(): string | null {
    return this.usable && this.spec && 'file' in this.spec ? this.spec.file : null;
  }

  /** Finds the worker's code again at the next step (after useSuggestWorkerFile). */
  async reset(): Promise<void> {
    await this.close();
    this.spec = undefined;
    this.failures = 0;
  }

  /** Stops the worker (tests; the worker is unref'd and never keeps the process alive). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}

const thread = new SearcherThread();

/** One step of the group's searcher: on the worker thread for BO when it can start, else in-process. Both
 *  give the same result for the same inputs. */
export async function stepSearcher(
  search: SearchSpec,
  seed: number,
  state: State | undefined,
  trials: SweepTrial[],
  free: number,
  opts: { inProcess?: boolean } = {},
): Promise<StepResult> {
  if (!opts.inProcess && OFF_THREAD.has(search.algorithm) && thread.usable) {
    try {
      return await thread.step({ search, seed, state, trials, free });
    } catch (e) {
      if (!(e instanceof WorkerFailure)) throw e;
      process.emitWarning(`axon: the suggestion worker failed (${e.message}); this step runs in-process`);
    }
  }
  return runStep(search, seed, state, trials, free);
}

/** Whether BO steps run on a worker here (for tests and the benchmark). */
export const searcherThreadUsable = () => thread.usable;
export const closeSearcherThread = () => thread.close();

/** Runs the worker from this compiled file when it exists (the Electron bundle's suggest-worker.cjs, which a
 *  bundle cannot find from its own module URL); null: back to finding it as above. Takes effect at the next
 *  step. */
export function useSuggestWorkerFile(file: string | null): Promise<void> {
  namedWorkerFile = file;
  return thread.reset();
}

/** The file the worker runs from, when it runs from one (tests). */
export const suggestWorkerSource = () => thread.source;
