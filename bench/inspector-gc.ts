// Forces a full garbage collection in another Node process and reads its JS heap, through the inspector that
// SIGUSR1 opens (Node's documented way to attach a debugger to a running process). Used by the memory
// benchmark to tell memory the engine keeps from garbage V8 has not collected yet.
import WebSocket from 'ws';
import { sleep } from './lib';

const PORT = 9229;

interface Target {
  webSocketDebuggerUrl: string;
}

export interface HeapAfterGc {
  usedBytes: number;
  totalBytes: number;
}

async function target(pid: number): Promise<string> {
  process.kill(pid, 'SIGUSR1');
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const list = (await (await fetch(`http://127.0.0.1:${PORT}/json/list`)).json()) as Target[];
      if (list[0]?.webSocketDebuggerUrl) return list[0].webSocketDebuggerUrl;
    } catch {
      /* not open yet */
    }
    if (Date.now() > deadline) throw new Error(`the inspector of pid ${pid} did not open on port ${PORT}`);
    await sleep(100);
  }
}

/** Collects garbage in `pid` and returns its JS heap usage afterwards; checks it talked to that very process. */
export async function collectGarbage(pid: number): Promise<HeapAfterGc> {
  const ws = new WebSocket(await target(pid));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let next = 1;
  const pending = new Map<number, (v: { result?: unknown; error?: { message: string } }) => void>();
  ws.on('message', (raw) => {
    const msg = JSON.parse(String(raw)) as { id?: number; result?: unknown; error?: { message: string } };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg);
  });
  const call = async <T>(method: string, params: object = {}): Promise<T> => {
    const id = next++;
    const reply = await new Promise<{ result?: unknown; error?: { message: string } }>((resolve) => {
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
    if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
    return reply.result as T;
  };
  try {
    const who = await call<{ result: { value: number } }>('Runtime.evaluate', { expression: 'process.pid' });
    if (who.result.value !== pid)
      throw new Error(`port ${PORT} belongs to pid ${who.result.value}, not ${pid}`);
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const heap = await call<{ usedSize: number; totalSize: number }>('Runtime.getHeapUsage');
    return { usedBytes: heap.usedSize, totalBytes: heap.totalSize };
  } finally {
    ws.close();
  }
}
