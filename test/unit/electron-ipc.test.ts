// The IPC transport (main/electron/ipc.ts) with a fake ipcMain and fake webContents/frames, and a REAL engine
// in-process on a temporary AXON_HOME: sender checks, input validation, error shapes, events to subscribed
// webContents and their cleanup, sessions across reloads, and the bounds when a renderer falls behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../main/engine/engine';
import {
  ACK_CHANNEL,
  CALL_CHANNEL,
  CHOOSE_FOLDER_CHANNEL,
  EVENT_CHANNEL,
  SUBSCRIBE_CHANNEL,
  UNSUBSCRIBE_CHANNEL,
  type EventBatch,
} from '../../main/electron/channels';
import {
  registerIpc,
  trustedFrame,
  type FrameLike,
  type IpcEventLike,
  type IpcMainLike,
  type IpcReply,
} from '../../main/electron/ipc';
import { APP_ORIGIN } from '../../main/electron/security';
import type { AxonApi, EventName, Events } from '../../shared/api';
import { isDone } from '../../shared/statuses';

type Listener = (event: IpcEventLike, ...args: unknown[]) => unknown;

/** Records handlers like Electron's ipcMain; replies go through structuredClone as they would over IPC. */
class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, Listener>();
  listeners = new Map<string, Set<Listener>>();
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  on(channel: string, listener: Listener): this {
    if (!this.listeners.has(channel)) this.listeners.set(channel, new Set());
    this.listeners.get(channel)!.add(listener);
    return this;
  }
  removeListener(channel: string, listener: Listener): this {
    this.listeners.get(channel)?.delete(listener);
    return this;
  }
  async invoke(channel: string, event: IpcEventLike, arg: unknown): Promise<IpcReply> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    return structuredClone((await h(event, structuredClone(arg))) as IpcReply);
  }
  send(channel: string, event: IpcEventLike, arg: unknown): void {
    for (const l of this.listeners.get(channel) ?? []) l(event, structuredClone(arg));
  }
}

const frame = (url: string, parent: FrameLike | null = null): FrameLike => ({ url, parent });
const APP_FRAME = frame('app://axon/index.html');

let nextId = 1;
/** A webContents whose page acknowledges every batch (like the preload does) unless told not to. */
class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  destroyed = false;
  batches: EventBatch[] = [];
  autoAck = true;
  constructor(
    private ipc: FakeIpcMain,
    public frame: FrameLike = APP_FRAME,
  ) {
    super();
  }
  event(f: FrameLike | null = this.frame): IpcEventLike {
    return { sender: this, senderFrame: f };
  }
  send(channel: string, batch: EventBatch): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    assert.equal(channel, EVENT_CHANNEL);
    const copy = structuredClone(batch);
    this.batches.push(copy);
    if (this.autoAck) queueMicrotask(() => this.ack(copy));
  }
  ack(b: EventBatch): void {
    this.ipc.send(ACK_CHANNEL, this.event(), { session: b.session, seq: b.seq });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }
  events(name?: string) {
    return this.batches.flatMap((b) => b.events).filter((e) => !name || e.event === name);
  }
}

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor<T>(fn: () => T | undefined | null | false, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function withEngine(fn: (engine: Engine, ipc: FakeIpcMain) => Promise<void>): Promise<void> {
  const engine = await Engine.start({ home: tmp('axon-ipc-home-'), stopGraceMs: 500 });
  const ipc = new FakeIpcMain();
  const reg = registerIpc(ipc, engine, trustedFrame(APP_ORIGIN), { flushDelayMs: 5 });
  try {
    await fn(engine, ipc);
  } finally {
    reg.dispose();
    await engine.idle().catch(() => undefined);
    await engine.close();
  }
}

const experimentFile = 'version: 1\nkind: experiment\nrun:\n  cmd: echo hi\n';

test('registers one handler per channel on the contract, and dispose removes them', async () => {
  const ipc = new FakeIpcMain();
  const fakeApi = { call: async () => [], on: () => () => undefined } as unknown as AxonApi;
  const reg = registerIpc(ipc, fakeApi, () => true);
  assert.deepEqual(
    [...ipc.handlers.keys()].sort(),
    [CALL_CHANNEL, SUBSCRIBE_CHANNEL, UNSUBSCRIBE_CHANNEL, CHOOSE_FOLDER_CHANNEL].sort(),
  );
  assert.equal(ipc.listeners.get(ACK_CHANNEL)?.size, 1);
  reg.dispose();
  assert.equal(ipc.handlers.size, 0);
  assert.equal(ipc.listeners.get(ACK_CHANNEL)?.size, 0);
});

test('the native folder dialog answers the app frame only, with the sender it was asked from', async () => {
  const ipc = new FakeIpcMain();
  const fakeApi = { call: async () => [], on: () => () => undefined } as unknown as AxonApi;
  const asked: number[] = [];
  const reg = registerIpc(ipc, fakeApi, trustedFrame(APP_ORIGIN), {
    chooseFolder: async (sender) => (asked.push(sender.id), '/home/me/code/branin'),
  });
  const wc = new FakeWebContents(ipc);
  assert.deepEqual(await ipc.invoke(CHOOSE_FOLDER_CHANNEL, wc.event(), {}), {
    ok: true,
    result: '/home/me/code/branin',
  });
  assert.deepEqual(asked, [wc.id]);
  const evil = await ipc.invoke(CHOOSE_FOLDER_CHANNEL, wc.event(frame('https://evil.example/')), {});
  assert.equal(evil.ok, false);
  assert.deepEqual(asked, [wc.id], 'an untrusted frame never opens the dialog');
  reg.dispose();
  const none = new FakeIpcMain();
  const reg2 = registerIpc(none, fakeApi, () => true);
  assert.deepEqual(await none.invoke(CHOOSE_FOLDER_CHANNEL, wc.event(), {}), { ok: true, result: null });
  reg2.dispose();
});

test('a call from the app frame returns the result of the real engine', async () => {
  await withEngine(async (engine, ipc) => {
    const wc = new FakeWebContents(ipc);
    assert.deepEqual(await ipc.invoke(CALL_CHANNEL, wc.event(), { method: 'projects.list', input: {} }), {
      ok: true,
      result: [],
    });
    const made = await ipc.invoke(CALL_CHANNEL, wc.event(), {
      method: 'projects.create',
      input: { name: 'mnist', description: 'digits' },
    });
    assert.equal(made.ok, true);
    const list = await ipc.invoke(CALL_CHANNEL, wc.event(), { method: 'projects.list' });
    assert.ok(list.ok, 'list.ok');
    assert.deepEqual(
      (list.result as Array<{ name: string; description: string }>).map((p) => [p.name, p.description]),
      [['mnist', 'digits']],
    );
    const info = await ipc.invoke(CALL_CHANNEL, wc.event(), { method: 'system.info', input: {} });
    assert.ok(info.ok, 'info.ok');
    assert.equal((info.result as { home: string }).home, engine.home);
  });
});

test('calls from untrusted frames are refused with an error object, and the engine is not reached', async () => {
  const calls: string[] = [];
  const api = {
    call: async (m: string) => {
      calls.push(m);
      return [];
    },
    on: () => () => undefined,
  } as unknown as AxonApi;
  const ipc = new FakeIpcMain();
  registerIpc(ipc, api, trustedFrame(APP_ORIGIN));
  const wc = new FakeWebContents(ipc);
  for (const f of [
    frame('https://evil.example/'),
    frame('http://localhost:5173/'),
    frame('app://axon.evil/index.html'),
    frame('file:///etc/passwd'),
    frame('app://axon/index.html', APP_FRAME), // an iframe, even of the app
    null, // the frame is gone
  ]) {
    const r = await ipc.invoke(CALL_CHANNEL, wc.event(f), { method: 'projects.list', input: {} });
    assert.deepEqual(r, {
      ok: false,
      error: { code: 'unauthorized', message: 'this frame may not use the Axon API' },
    });
    const s = await ipc.invoke(SUBSCRIBE_CHANNEL, wc.event(f), {
      session: 's',
      event: 'experiments.changed',
    });
    assert.equal(s.ok, false);
  }
  const throwing = () => {
    throw new Error('Render frame was disposed');
  };
  const ipc2 = new FakeIpcMain();
  registerIpc(ipc2, api, throwing);
  assert.equal((await ipc2.invoke(CALL_CHANNEL, wc.event(), { method: 'projects.list' })).ok, false);
  assert.deepEqual(calls, []);
});

test('invalid input gives invalid_input with the zod issues and no stack; unknown methods not_found', async () => {
  await withEngine(async (_engine, ipc) => {
    const wc = new FakeWebContents(ipc);
    const bad = await ipc.invoke(CALL_CHANNEL, wc.event(), {
      method: 'projects.create',
      input: { name: '../etc' },
    });
    assert.equal(bad.ok, false);
    if (bad.ok) return;
    assert.equal(bad.error.code, 'invalid_input');
    assert.match(bad.error.message, /^name: /);
    assert.ok(
      Array.isArray((bad.error as { details?: unknown }).details),
      'Array.isArray((bad.error as { details?: unknown }).details)',
    );
    const text = JSON.stringify(bad);
    assert.ok(!/stack|\bat .*\.ts:\d+/.test(text), text);
    assert.deepEqual(Object.keys(bad.error).sort(), ['code', 'details', 'message']);

    const wrongType = await ipc.invoke(CALL_CHANNEL, wc.event(), {
      method: 'experiments.get',
      input: { id: 'x' },
    });
    assert.equal(!wrongType.ok && wrongType.error.code, 'invalid_input');

    for (const method of ['projects.nope', 'constructor', '__proto__', 'toString', 42, undefined]) {
      const r = await ipc.invoke(CALL_CHANNEL, wc.event(), { method, input: {} });
      assert.equal(!r.ok && r.error.code, 'not_found', String(method));
    }
    for (const msg of [null, 'projects.list', ['projects.list'], 7]) {
      const r = await ipc.invoke(CALL_CHANNEL, wc.event(), msg);
      assert.equal(!r.ok && r.error.code, 'invalid_input', JSON.stringify(msg));
    }
    const missing = await ipc.invoke(CALL_CHANNEL, wc.event(), {
      method: 'projects.get',
      input: { name: 'none' },
    });
    assert.equal(!missing.ok && missing.error.code, 'not_found');
    assert.ok(!JSON.stringify(missing).includes('stack'), "!JSON.stringify(missing).includes('stack')");

    const spec = await ipc.invoke(CALL_CHANNEL, wc.event(), {
      method: 'runs.create',
      input: {
        files: [{ name: 'polyaxonfile.yml', text: 'version: 1\nkind: nonsense\n' }],
        codePath: tmp('axon-p-'),
      },
    });
    assert.equal(!spec.ok && spec.error.code, 'invalid_spec');
  });
});

test('events reach a subscribed webContents after runs.create, and stop once it is destroyed', async () => {
  await withEngine(async (engine, ipc) => {
    const wc = new FakeWebContents(ipc);
    const other = new FakeWebContents(ipc); // subscribed to nothing: gets nothing
    const base = engine.events.listenerCount('experiments.changed');
    for (const event of ['experiments.changed', 'logs.appended'])
      assert.deepEqual(await ipc.invoke(SUBSCRIBE_CHANNEL, wc.event(), { session: 'page-1', event }), {
        ok: true,
        result: null,
      });
    // Subscribing twice does not double the events.
    await ipc.invoke(SUBSCRIBE_CHANNEL, wc.event(), { session: 'page-1', event: 'logs.appended' });
    assert.equal(engine.events.listenerCount('experiments.changed'), base + 1);
    const bad = await ipc.invoke(SUBSCRIBE_CHANNEL, wc.event(), { session: 'page-1', event: 'nope' });
    assert.equal(!bad.ok && bad.error.code, 'not_found');

    const codePath = tmp('axon-code-');
    const created = await ipc.invoke(CALL_CHANNEL, wc.event(), {
      method: 'runs.create',
      input: { files: [{ name: 'polyaxonfile.yml', text: experimentFile }], codePath },
    });
    assert.ok(created.ok, JSON.stringify(created));
    const id = (created.result as { experiment: { id: number } }).experiment.id;
    await waitFor(
      () =>
        wc
          .events('experiments.changed')
          .some((e) => (e.payload as Events['experiments.changed']).experiment.status === 'succeeded'),
      'the succeeded event',
    );
    await waitFor(
      () =>
        wc.events('logs.appended').some((e) => (e.payload as Events['logs.appended']).text.includes('hi')),
      'the log line',
    );
    const statuses = wc
      .events('experiments.changed')
      .map((e) => (e.payload as Events['experiments.changed']).experiment)
      .filter((x) => x.id === id)
      .map((x) => x.status);
    assert.ok(statuses.includes('running'), statuses.join());
    assert.ok(isDone(statuses[statuses.length - 1]), 'isDone(statuses[statuses.length - 1])');
    assert.ok(
      wc.batches.every((b, i) => b.session === 'page-1' && b.seq === i + 1 && !b.dropped),
      "wc.batches.every((b, i) => b.session === 'page-1' && b.seq === i + 1 && !b.dropped)",
    );
    assert.equal(other.batches.length, 0);

    // Unsubscribe stops one event; destroying the webContents stops the rest and frees the engine listeners.
    await ipc.invoke(UNSUBSCRIBE_CHANNEL, wc.event(), { session: 'page-1', event: 'logs.appended' });
    wc.destroy();
    assert.equal(engine.events.listenerCount('experiments.changed'), base);
    assert.equal(engine.events.listenerCount('logs.appended'), 0);
    const before = wc.batches.length;
    const again = await engine.call('runs.create', {
      files: [{ name: 'polyaxonfile.yml', text: experimentFile }],
      params: {},
      codePath,
    });
    assert.equal(again.kind, 'experiment');
    await engine.idle();
    await sleep(50);
    assert.equal(wc.batches.length, before, 'nothing sent to a destroyed webContents');
  });
});

test('a reload (new page session) drops the old page subscriptions; a dead renderer drops them too', async () => {
  const bus = new EventEmitter();
  const api = {
    call: async () => null,
    on: (e: string, l: (p: unknown) => void) => {
      bus.on(e, l);
      return () => bus.off(e, l);
    },
  } as unknown as AxonApi;
  const ipc = new FakeIpcMain();
  const reg = registerIpc(ipc, api, trustedFrame(APP_ORIGIN), { flushDelayMs: 1 });
  const wc = new FakeWebContents(ipc);
  await ipc.invoke(SUBSCRIBE_CHANNEL, wc.event(), { session: 'a', event: 'groups.changed' });
  await ipc.invoke(SUBSCRIBE_CHANNEL, wc.event(), { session: 'a', event: 'experiments.changed' });
  assert.equal(bus.listenerCount('groups.changed') + bus.listenerCount('experiments.changed'), 2);
  await ipc.invoke(SUBSCRIBE_CHANNEL, wc.event(), { session: 'b', event: 'groups.changed' });
  assert.equal(bus.listenerCount('experiments.changed'), 0);
  assert.equal(bus.listenerCount('groups.changed'), 1);
  bus.emit('groups.changed', { group: { id: 1 } });
  await waitFor(() => wc.batches.length === 1, 'one batch');
  assert.equal(wc.batches[0].session, 'b');
  assert.equal(wc.batches[0].seq, 1);
  // An unsubscribe from the old session is ignored.
  await ipc.invoke(UNSUBSCRIBE_CHANNEL, wc.event(), { session: 'a', event: 'groups.changed' });
  assert.equal(bus.listenerCount('groups.changed'), 1);
  assert.equal(reg.connections, 1);
  wc.emit('render-process-gone');
  assert.equal(bus.listenerCount('groups.changed'), 0);
  assert.equal(reg.connections, 0);
  // The same webContents loads again: subscribes afresh, with one 'destroyed' listener still.
  await ipc.invoke(SUBSCRIBE_CHANNEL, wc.event(), { session: 'c', event: 'groups.changed' });
  assert.equal(wc.listenerCount('destroyed'), 1);
  wc.destroy();
  assert.equal(bus.listenerCount('groups.changed'), 0);
  assert.equal(reg.connections, 0);
});

test('a renderer that stops acknowledging: two batches in flight, a bounded queue, drops counted', async () => {
  const bus = new EventEmitter();
  const api = {
    call: async () => null,
    on: (e: string, l: (p: unknown) => void) => {
      bus.on(e, l);
      return () => bus.off(e, l);
    },
  } as unknown as AxonApi;
  const ipc = new FakeIpcMain();
  registerIpc(ipc, api, trustedFrame(APP_ORIGIN), {
    flushDelayMs: 1,
    maxInFlight: 2,
    batchMaxEvents: 10,
    limits: { maxEvents: 100, maxBytes: 1 << 20 },
  });
  const wc = new FakeWebContents(ipc);
  wc.autoAck = false;
  for (const event of ['logs.appended', 'experiments.changed'] satisfies EventName[])
    await ipc.invoke(SUBSCRIBE_CHANNEL, wc.event(), { session: 's', event });
  const emit = <E extends EventName>(e: E, p: Events[E]) => bus.emit(e, p);
  // 5,000 log chunks of 50 experiments, none continuing another (gaps), and 5,000 status changes of 10.
  for (let i = 0; i < 5000; i++) {
    emit('logs.appended', {
      experimentId: i % 50,
      jobId: i % 50,
      offset: i * 10,
      nextOffset: i * 10 + 5,
      text: `line ${i}`,
    });
    emit('experiments.changed', {
      experiment: { id: i % 10, status: i < 4990 ? 'running' : 'succeeded' } as never,
      previous: i < 10 ? 'created' : 'running',
    });
  }
  await sleep(30);
  assert.equal(wc.batches.length, 2, 'at most two unacknowledged batches');
  assert.ok(
    wc.batches.every((b) => b.events.length <= 10),
    'wc.batches.every((b) => b.events.length <= 10)',
  );
  // Acknowledge until the queue is empty.
  for (let i = 0; i < 100 && wc.batches.length > 0; i++) {
    const n: number = wc.batches.length;
    wc.ack(wc.batches[n - 1]);
    await sleep(5);
    if (wc.batches.length === n) break;
  }
  const all = wc.events();
  assert.ok(all.length <= 120, `${all.length} events delivered, bounded by the queue`);
  const dropped = wc.batches.reduce((n, b) => n + (b.dropped?.['logs.appended'] ?? 0), 0);
  assert.ok(dropped > 4000, `dropped ${dropped}`);
  assert.equal(wc.events('logs.appended').length + dropped, 5000, 'every log chunk delivered or counted');
  // Status changes are coalesced, never dropped: each experiment's last state arrives.
  const last = new Map<number, string>();
  for (const e of wc.events('experiments.changed')) {
    const p = e.payload as Events['experiments.changed'];
    last.set(p.experiment.id, p.experiment.status);
  }
  assert.deepEqual(
    [...last.keys()].sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.ok(
    [...last.values()].every((s) => s === 'succeeded'),
    "[...last.values()].every((s) => s === 'succeeded')",
  );
  const seqs = wc.batches.map((b) => b.seq);
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => i + 1),
  );
});
