// `axon run`'s log printing against the orders a loaded server can deliver things in. The API here is an
// in-memory stand-in (the log is a string, events are sent by hand) because those orders cannot be forced on a
// real engine; test/cli runs the same code against real ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachExperiment, logPrinter } from '../../main/cli/commands/run';
import type { AxonApi } from '../../shared/api';
import type { LogChunk } from '../../shared/domain';

const JOB = 7;
const WORKER = 8;

/** A two-replica run whose logs are strings (grown by `write`), with events sent only when the test says. */
function fakeRun() {
  const logs = new Map<number, string>([
    [JOB, ''],
    [WORKER, ''],
  ]);
  let status = 'running';
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const emit = (event: string, payload: unknown) => {
    for (const l of listeners.get(event) ?? []) l(payload);
  };
  const experiment = () => ({
    id: 1,
    status,
    jobs: [
      { id: JOB, role: 'master', index: 0 },
      { id: WORKER, role: 'worker', index: 0 },
    ],
  });
  const api = {
    on(event: string, listener: (p: unknown) => void) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
    async call(method: string, input: { offset?: number; job?: number }) {
      if (method === 'experiments.get') return experiment();
      if (method === 'experiments.logs') {
        const jobId = input.job ?? JOB;
        const log = logs.get(jobId)!;
        const from = Math.min(input.offset ?? 0, Buffer.byteLength(log));
        const text = Buffer.from(log).subarray(from).toString();
        return {
          experimentId: 1,
          jobId,
          offset: from,
          nextOffset: from + Buffer.byteLength(text),
          text,
        };
      }
      throw new Error(`not in this stand-in: ${method}`);
    },
  } as unknown as AxonApi;
  return {
    api,
    /** Appends to the log file; returns the chunk its event would carry. */
    write(text: string, jobId = JOB): LogChunk {
      const offset = Buffer.byteLength(logs.get(jobId)!);
      logs.set(jobId, logs.get(jobId)! + text);
      return { experimentId: 1, jobId, offset, nextOffset: offset + Buffer.byteLength(text), text };
    },
    announce: (c: LogChunk) => emit('logs.appended', c),
    end() {
      status = 'succeeded';
      emit('experiments.changed', { experiment: experiment() });
    },
  };
}

const attach = (api: AxonApi, printed: string[], master?: number) =>
  attachExperiment(api, 1, {
    json: false,
    quiet: true,
    state: { printer: logPrinter(false, (lines) => printed.push(...lines)), printed: 0, master },
  });

test('a live chunk that arrives before the log history read is not printed ahead of the lines before it (API stand-in)', async () => {
  const run = fakeRun();
  run.write('sent from the laptop\n/srv/uploads/1\n');
  const late = run.write('msg.txt\npolyaxonfile.yml\n');
  const printed: string[] = [];
  const attached = attach(run.api, printed);
  // The listener is in place before the history read's answer: the third line's event comes first.
  run.announce(late);
  await new Promise((r) => setTimeout(r, 10));
  run.end();
  await attached;
  assert.deepEqual(printed, ['sent from the laptop', '/srv/uploads/1', 'msg.txt', 'polyaxonfile.yml']);
});

test('lines written just before the end whose events never come are still printed, once (API stand-in)', async () => {
  const run = fakeRun();
  const printed: string[] = [];
  const attached = attach(run.api, printed);
  await new Promise((r) => setTimeout(r, 10));
  run.announce(run.write('epoch 1\n'));
  run.announce(run.write('epoch 2\n'));
  run.write('done\n'); // its event is lost, or comes after the end
  run.end();
  await attached;
  assert.deepEqual(printed, ['epoch 1', 'epoch 2', 'done']);
});

test('following one replica (logs -f --replica worker-0) prints the log of that replica, history and live (API stand-in)', async () => {
  const run = fakeRun();
  run.write('master says hi\n');
  run.write('worker 0 starts\n', WORKER);
  const printed: string[] = [];
  const attached = attach(run.api, printed, WORKER);
  await new Promise((r) => setTimeout(r, 10));
  run.announce(run.write('master step\n'));
  run.announce(run.write('worker 0 step\n', WORKER));
  run.end();
  await attached;
  assert.deepEqual(printed, ['worker 0 starts', 'worker 0 step']);
});
