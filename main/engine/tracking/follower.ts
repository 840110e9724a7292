// Tails one job's log file from the offset stored with the last committed batch, turns protocol lines into
// metric points, params and tags, and commits each batch together with the new offset. After a crash the
// next engine resumes at that offset: nothing acknowledged is lost, nothing is counted twice.
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { MetricPoint } from '../../../shared/domain';
import type { Store } from '../store';
import { parseLogLine } from './protocol';
import { log } from '../log';

const READ_CHUNK = 4 * 1024 * 1024;
const POLL_MS = 250;

export interface FollowerEvents {
  onLog(offset: number, nextOffset: number, text: string): void;
  onMetrics(points: MetricPoint[]): void;
  /** Read no further than this (a container log copier may roll back an unconfirmed tail). */
  limit?: () => number;
}

export class LogFollower {
  private consumed = 0;
  private maxStep = new Map<string, number>();
  private watcher: fs.FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private again = false;
  private closed = false;
  /** The job has ended: the next pass reads to the end of the file. */
  private final = false;

  constructor(
    private store: Store,
    readonly experimentId: number,
    readonly jobId: number,
    readonly logPath: string,
    private events: FollowerEvents,
  ) {}

  async start(): Promise<void> {
    ({ consumed: this.consumed, maxSteps: this.maxStep } = await this.store.metrics.resumePoint(
      this.jobId,
      this.experimentId,
    ));
    try {
      this.watcher = fs.watch(this.logPath, () => this.poke());
      this.watcher.on('error', () => undefined);
    } catch {
      // The file may not exist yet on some backends; the poll timer covers it.
    }
    this.timer = setInterval(() => this.poke(), POLL_MS);
    this.timer.unref();
    await this.poke();
  }

  /** Reads whatever is new. Concurrent pokes coalesce into one more pass. */
  poke(final = false): Promise<void> {
    // Remembered for the pass that runs next: a finishing poke that meets a pass in progress must still read
    // the last line without a newline.
    if (final) this.final = true;
    if (this.busy) {
      this.again = true;
      return this.busy;
    }
    this.busy = (async () => {
      do {
        this.again = false;
        try {
          await this.drain(this.final);
        } catch (e) {
          // Kept for the next pass: the offset only moves with a committed batch.
          if (!this.closed)
            log.warn(`log of experiment ${this.experimentId}: ${e instanceof Error ? e.message : e}`);
          return;
        }
      } while (this.again && !this.closed);
    })().finally(() => {
      this.busy = null;
    });
    return this.busy;
  }

  /** The job has ended: read to the end, including a last line without a newline, and stop tailing. */
  async finish(): Promise<void> {
    await this.poke(true);
    await this.busy;
    this.close();
  }

  /** Stops tailing and waits for a read in progress to commit. */
  async stop(): Promise<void> {
    this.close();
    await this.busy;
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
  }

  private async drain(final: boolean): Promise<void> {
    // Nothing new (most pokes; every one for a job that prints nothing): a stat on this thread, a few µs,
    // instead of opening the file through the thread pool (four round trips with the stat, read and close).
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(this.logPath, { throwIfNoEntry: false });
    } catch {
      return;
    }
    if (!st || Math.min(st.size, this.events.limit?.() ?? Infinity) <= this.consumed) return;
    let fh: fs.promises.FileHandle;
    try {
      fh = await fs.promises.open(this.logPath, 'r');
    } catch {
      return;
    }
    try {
      const size = Math.min((await fh.stat()).size, this.events.limit?.() ?? Infinity);
      while (this.consumed < size) {
        const len = Math.min(READ_CHUNK, size - this.consumed);
        const buf = Buffer.allocUnsafe(len);
        const { bytesRead } = await fh.read(buf, 0, len, this.consumed);
        if (bytesRead === 0) break;
        const data = buf.subarray(0, bytesRead);
        const lastNl = data.lastIndexOf(0x0a);
        const atEnd = this.consumed + bytesRead >= size;
        // Only whole lines are consumed; a partial last line waits for its newline unless the job is over.
        const take = lastNl >= 0 ? lastNl + 1 : final && atEnd ? bytesRead : 0;
        if (take === 0) {
          if (bytesRead < READ_CHUNK || final) break;
          // A single line longer than the chunk: take it whole as plain output.
          await this.consume(data, bytesRead);
          continue;
        }
        await this.consume(data.subarray(0, take), take);
      }
    } finally {
      await fh.close();
    }
  }

  private async consume(data: Buffer, take: number): Promise<void> {
    const text = new StringDecoder('utf8').end(data);
    const start = this.consumed;
    const points: MetricPoint[] = [];
    const params: Record<string, unknown> = {};
    const tags: string[] = [];
    let malformed = 0;
    const now = Date.now() / 1000;
    let from = 0;
    while (from < text.length) {
      let nl = text.indexOf('\n', from);
      if (nl < 0) nl = text.length;
      const line = text.charCodeAt(nl - 1) === 13 ? text.slice(from, nl - 1) : text.slice(from, nl);
      from = nl + 1;
      const r = parseLogLine(line);
      if (r.kind === 'plain') continue;
      if (r.kind === 'malformed') {
        malformed++;
        continue;
      }
      const m = r.metrics;
      if (m)
        for (const [key, value] of Object.entries(m.values)) {
          const step = m.step ?? (this.maxStep.get(key) ?? -1) + 1;
          if (step > (this.maxStep.get(key) ?? -1)) this.maxStep.set(key, step);
          points.push({ key, step, value, ts: m.ts ?? now });
        }
      if (r.params) Object.assign(params, r.params);
      if (r.tags) tags.push(...r.tags);
    }
    const next = start + take;
    await this.store.metrics.ingest({
      experimentId: this.experimentId,
      jobId: this.jobId,
      points,
      params,
      tags,
      consumed: next,
      malformed,
    });
    this.consumed = next;
    this.events.onLog(start, next, text);
    if (points.length) this.events.onMetrics(points);
  }
}
