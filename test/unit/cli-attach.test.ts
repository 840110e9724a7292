// `axon run`'s log printing and a group's progress lines against the orders a loaded server can deliver things in. The API here is an
// in-memory stand-in (the log is a string, events are sent by hand) because those orders cannot be forced on a
// real engine; test/cli runs the same code against real ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachExperiment, attachGroup, logPrinter } from '../../main/cli/commands/run';
import { waitingNotes } from '../../main/cli/format';
import type { AxonApi } from '../../shared/api';
import type { Experiment, Group, LogChunk } from '../../shared/domain';

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

/** A group of experiments whose statuses are set by hand; events are sent only when the test says. */
function fakeGroup(n: number) {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const emit = (event: string, payload: unknown) => {
    for (const l of listeners.get(event) ?? []) l(payload);
  };
  let groupStatus = 'running';
  const exps = Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    groupId: 1,
    status: 'running',
    statusReason: null as string | null,
    finishedAt: null as string | null,
    lastMetrics: {} as Record<string, number>,
  }));
  const group = () => ({ id: 1, status: groupStatus, progress: {}, planned: null }) as unknown as Group;
  let onListRead = () => {};
  const api = {
    on(event: string, listener: (p: unknown) => void) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
    async call(method: string) {
      if (method === 'groups.get') return group();
      if (method === 'groups.experiments') {
        onListRead();
        return exps.map((e) => ({ ...e }));
      }
      throw new Error(`not in this stand-in: ${method}`);
    },
  } as unknown as AxonApi;
  let clock = 0;
  return {
    api,
    /** Ends experiment `id` (in the store); its event is sent only if `announce`. */
    end(id: number, status: string, announce: boolean, extra: Partial<(typeof exps)[0]> = {}) {
      const e = exps[id - 1];
      Object.assign(
        e,
        { status, finishedAt: new Date(Date.UTC(2024, 0, 1, 0, 0, ++clock)).toISOString() },
        extra,
      );
      if (announce)
        emit('experiments.changed', { experiment: { ...e } as unknown as Experiment, previous: 'running' });
    },
    endGroup() {
      groupStatus = 'done';
      emit('groups.changed', { group: group() });
    },
    /** Runs `f` when the attach reads the group's experiments (before the answer). */
    whileListRead(f: () => void) {
      onListRead = () => {
        onListRead = () => {};
        f();
      };
    },
  };
}

/** What attachGroup writes to stderr, line by line. */
async function groupLines(attached: () => Promise<unknown>): Promise<string[]> {
  const out: string[] = [];
  const write = process.stderr.write;
  const tty = process.stdout.isTTY;
  process.stdout.isTTY = false; // the lines are for output that is not a terminal
  process.stderr.write = ((s: string) => out.push(s) > 0) as typeof process.stderr.write;
  try {
    await attached();
  } finally {
    process.stderr.write = write;
    process.stdout.isTTY = tty;
  }
  return out.join('').split('\n').slice(0, -1);
}

test('every experiment of an attached group gets its line once: ended before the attach listened, during its first read, after the group ended (API stand-in)', async () => {
  const grp = fakeGroup(4);
  grp.end(1, 'succeeded', false); // ended before the subscription: its event is never seen
  grp.end(2, 'succeeded', false, { lastMetrics: { loss: 0.5 } });
  // Ends while the attach reads the group's list: it is in the answer and its event comes too.
  grp.whileListRead(() => grp.end(3, 'stopped', true, { statusReason: 'early stopping' }));
  const lines = await groupLines(async () => {
    const attached = attachGroup(grp.api, 1, { json: false });
    await new Promise((r) => setTimeout(r, 10));
    grp.end(4, 'failed', false, { statusReason: 'exit code 3' }); // its event comes after the group's end
    grp.endGroup();
    await attached;
  });
  assert.deepEqual(lines, [
    '[axon] experiment 1 succeeded',
    '[axon] experiment 2 succeeded loss=0.5',
    '[axon] experiment 3 stopped (early stopping)',
    '[axon] experiment 4 failed (exit code 3)',
  ]);
});

test('live group lines keep the order the experiments ended in, and an event sent twice prints one line (API stand-in)', async () => {
  const grp = fakeGroup(3);
  const lines = await groupLines(async () => {
    const attached = attachGroup(grp.api, 1, { json: false });
    await new Promise((r) => setTimeout(r, 10));
    grp.end(2, 'succeeded', true);
    grp.end(1, 'succeeded', true);
    grp.end(3, 'succeeded', true);
    grp.end(3, 'succeeded', true); // sent twice (a reconnect, a status rewrite)
    grp.endGroup();
    await attached;
  });
  assert.deepEqual(lines, [
    '[axon] experiment 2 succeeded',
    '[axon] experiment 1 succeeded',
    '[axon] experiment 3 succeeded',
  ]);
});

test('group get -w prints only the experiments that end while it watches, the last ones included (API stand-in)', async () => {
  const grp = fakeGroup(3);
  grp.end(1, 'succeeded', false); // ended before the watch began: already in the table printed after
  const lines = await groupLines(async () => {
    const attached = attachGroup(grp.api, 1, { json: false, history: false });
    await new Promise((r) => setTimeout(r, 10));
    grp.end(2, 'succeeded', true);
    grp.end(3, 'failed', false); // its event comes after the group's end
    grp.endGroup();
    await attached;
  });
  assert.deepEqual(lines, ['[axon] experiment 2 succeeded', '[axon] experiment 3 failed']);
});

test('an attached group says once why a trial waits (capacity), however often its free capacity changes (API stand-in)', async () => {
  const grp = fakeGroup(2);
  const lines = await groupLines(async () => {
    const attached = attachGroup(grp.api, 1, { json: false });
    await new Promise((r) => setTimeout(r, 10));
    const why = (free: number) => `waiting for capacity on axon: needs cpu 1 (free ${free})`;
    grp.end(2, 'created', true, { statusReason: why(0.5), finishedAt: null });
    grp.end(2, 'created', true, { statusReason: why(0.2), finishedAt: null });
    grp.end(1, 'succeeded', true);
    grp.end(2, 'succeeded', true, { statusReason: null });
    grp.endGroup();
    await attached;
  });
  assert.deepEqual(lines, [
    '[axon] experiment 2 created: waiting for capacity on axon: needs cpu 1 (free 0.5)',
    '[axon] experiment 1 succeeded',
    '[axon] experiment 2 succeeded',
  ]);
});

test('under a table of experiments, why those not started wait, one line per reason', () => {
  const out: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => out.push(s) > 0) as typeof process.stdout.write;
  try {
    const cap = 'waiting for capacity on axon: needs cpu 0.81 (free 0.39)';
    waitingNotes([
      { id: 1, status: 'running', statusReason: null },
      { id: 2, status: 'created', statusReason: cap },
      { id: 3, status: 'created', statusReason: cap },
      { id: 4, status: 'unschedulable', statusReason: '0/1 nodes are available: 1 Insufficient cpu.' },
      { id: 5, status: 'failed', statusReason: 'exit code 1' },
      { id: 6, status: 'created', statusReason: null },
    ]);
  } finally {
    process.stdout.write = write;
  }
  assert.deepEqual(out.join('').split('\n').slice(0, -1), [
    'experiments 2, 3 created: waiting for capacity on axon: needs cpu 0.81 (free 0.39)',
    'experiment 4 unschedulable: 0/1 nodes are available: 1 Insufficient cpu.',
  ]);
});
