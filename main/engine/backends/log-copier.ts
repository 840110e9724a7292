// Copies a job's log from where it lives (a Docker container, a Kubernetes pod) into the run's log file, so the
// same follower and metric parser serve every backend. The source is a stream of "TIMESTAMP text" lines (both
// Docker and the kubelet prefix RFC3339Nano timestamps on request). A cursor file beside the log records the
// last timestamp copied, how many lines carried exactly it, and the log size they belong to; a copy resumes
// there (a source asked `since` a time may repeat lines at or before it: they are skipped), and a tail written
// after the last cursor (torn by a crash) is cut before it is fetched again: no line lost or doubled.
// A source attached before its process started (Docker's attach, which has no timestamps) gives "@<stream> text"
// lines instead: the cursor then counts the lines copied per stream, and a later copy from the timestamped log
// skips that many lines of each stream from its start (each stream's order is the same in both).
import fs from 'node:fs';
import { PassThrough } from 'node:stream';

interface Cursor {
  ts: string | null; // Docker's RFC3339Nano timestamp of the last line copied
  n: number; // lines copied with exactly that timestamp
  size: number; // the log size once they were written
  /** Lines copied per stream from an attached source (no timestamps), while `ts` is still null. */
  streams?: Record<string, number>;
}

/** [seconds, nanoseconds] of an RFC3339Nano timestamp (Docker trims trailing zeros, so strings don't compare). */
export function tsKey(ts: string): [number, number] {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(ts);
  if (!m) return [0, 0];
  return [Date.parse(`${m[1]}Z`) / 1000, Number((m[2] ?? '').padEnd(9, '0').slice(0, 9))];
}

const cmp = (a: [number, number], b: [number, number]) => a[0] - b[0] || a[1] - b[1];

const CURSOR_EVERY_MS = 200;

const RECORD = '@@axon {';
/** A metrics record (docs/metrics-protocol.md) without its own `ts` gets the time the line was written, as the
 *  source stamped it: read later (an engine that was down, a copy tried again), its points are still dated when
 *  they happened, not when they were read. Anything else is left exactly as it was. */
function stamped(text: string, [s, ns]: [number, number]): string {
  if (!text.startsWith(RECORD) || !s) return text;
  let record: unknown;
  try {
    record = JSON.parse(text.slice(RECORD.length - 1));
  } catch {
    return text; // malformed: kept as written, and counted as such by the follower
  }
  if (!record || typeof record !== 'object' || !('metrics' in record) || 'ts' in record) return text;
  return `${RECORD.slice(0, -1)}${JSON.stringify({ ...record, ts: Math.round((s + ns / 1e9) * 1000) / 1000 })}`;
}

export class LogCopier {
  private cursor: Cursor;
  private stream: NodeJS.ReadableStream | null = null;
  private detached = false;
  private cut = false;
  private readonly cursorPath: string;
  /** When the cursor file was last written; it is written at most every CURSOR_EVERY_MS while lines pour in
   *  (a file replaced per chunk cost a chatty job most of its copy time), and always when a copy ends. A crash
   *  in between costs nothing: the log's tail past the cursor on disk is cut and copied again. */
  private cursorSavedAt = 0;

  constructor(readonly logPath: string) {
    this.cursorPath = `${logPath}.cursor`;
    this.cursor = this.load();
  }

  private load(): Cursor {
    let c: Cursor = { ts: null, n: 0, size: 0 };
    try {
      c = JSON.parse(fs.readFileSync(this.cursorPath, 'utf8')) as Cursor;
    } catch {
      // No cursor yet: whatever the log holds (build output) is confirmed as it is.
      c.size = fs.existsSync(this.logPath) ? fs.statSync(this.logPath).size : 0;
    }
    if (fs.existsSync(this.logPath) && fs.statSync(this.logPath).size > c.size)
      fs.truncateSync(this.logPath, c.size);
    return c;
  }

  /** Stops copying (the engine is closing); what was written stays confirmed by the cursor. */
  detach(): void {
    this.detached = true;
    (this.stream as unknown as { destroy?(): void } | null)?.destroy?.();
  }

  /** The log size the follower may read up to. */
  confirmedSize(): number {
    return this.cursor.size;
  }

  /** The cursor's time as seconds.nanoseconds (Docker's `since`), or null before the first line. */
  sinceSeconds(): string | null {
    if (!this.cursor.ts) return null;
    const [s, ns] = tsKey(this.cursor.ts);
    return `${s}.${String(ns).padStart(9, '0')}`;
  }

  /** The cursor's time cut to whole seconds as RFC3339 (Kubernetes' `sinceTime`), or null. */
  sinceRfc3339(): string | null {
    if (!this.cursor.ts) return null;
    return new Date(tsKey(this.cursor.ts)[0] * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  get isDetached(): boolean {
    return this.detached;
  }

  /** Nothing copied from the source yet: it may still be attached from its first byte. */
  get isFresh(): boolean {
    return !this.cursor.ts && !this.cursor.streams;
  }

  /** Lines of each stream an attached copy took, to skip from the start of the timestamped log; null if none. */
  attachedLines(): Record<string, number> | null {
    return !this.cursor.ts && this.cursor.streams ? { ...this.cursor.streams } : null;
  }

  /** The last copy ran to the source's end (not cut off or detached). */
  get completed(): boolean {
    return !this.cut && !this.detached;
  }

  /** Copies timestamped lines from `stream` until it ends (or the copier is detached). */
  async copyFrom(stream: NodeJS.ReadableStream): Promise<void> {
    this.stream = stream;
    this.cut = true; // until the source ends cleanly: a cut stream's unfinished last line is not taken
    if (this.detached) (stream as unknown as { destroy(): void }).destroy();
    const fd = fs.openSync(this.logPath, 'a');
    try {
      const out = new PassThrough();
      const done = this.consume(out, fd);
      stream.pipe(out);
      await new Promise<void>((resolve) => {
        stream.on('end', () => {
          this.cut = false;
          resolve();
        });
        stream.on('close', resolve);
        stream.on('error', () => resolve());
      });
      out.end();
      await done;
    } finally {
      fs.closeSync(fd);
      this.saveCursor();
    }
  }

  private consume(stream: PassThrough, fd: number): Promise<void> {
    let carry = '';
    const from = this.cursor.ts ? tsKey(this.cursor.ts) : null;
    let skipAtTs = this.cursor.n;
    const skipSame = () => (skipAtTs > 0 ? (skipAtTs--, true) : false);
    const writeLines = (text: string) => {
      const lines = (carry + text).split('\n');
      carry = lines.pop() ?? '';
      const out: string[] = [];
      for (const line of lines) this.take(line, from, out, skipSame);
      this.write(fd, out);
    };
    return new Promise((resolve) => {
      stream.on('data', (d: Buffer) => writeLines(d.toString('utf8')));
      stream.on('end', () => {
        if (carry && !this.cut) {
          const out: string[] = [];
          // A last line without a newline may be one a previous copy already took (a pod's final read asks
          // again from the same second): it is skipped like any other.
          this.take(carry, from, out, skipSame);
          this.write(fd, out);
        }
        resolve();
      });
    });
  }

  /** One "TIMESTAMP text" line: skipped if already copied, else queued with its cursor update. */
  private take(line: string, from: [number, number] | null, out: string[], skipSame: () => boolean): void {
    const sp = line.indexOf(' ');
    const ts = sp > 0 ? line.slice(0, sp) : line;
    const text = sp > 0 ? line.slice(sp + 1) : '';
    if (ts.startsWith('@')) {
      // An attached source's line: counted per stream (see the top of this file).
      out.push(text + '\n');
      const streams = (this.cursor.streams ??= {});
      streams[ts.slice(1)] = (streams[ts.slice(1)] ?? 0) + 1;
      return;
    }
    const key = tsKey(ts);
    if (from) {
      const c = cmp(key, from);
      if (c < 0) return;
      if (c === 0 && skipSame()) return;
    }
    out.push(stamped(text, key) + '\n');
    if (this.cursor.ts && cmp(tsKey(this.cursor.ts), key) === 0) this.cursor.n++;
    else {
      this.cursor.ts = ts;
      this.cursor.n = 1;
    }
  }

  private write(fd: number, lines: string[]): void {
    if (!lines.length || this.detached) return;
    const buf = Buffer.from(lines.join(''), 'utf8');
    fs.writeSync(fd, buf);
    this.cursor.size += buf.length;
    if (Date.now() - this.cursorSavedAt >= CURSOR_EVERY_MS) this.saveCursor();
  }

  private saveCursor(): void {
    const tmp = `${this.cursorPath}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.cursor));
    fs.renameSync(tmp, this.cursorPath);
    this.cursorSavedAt = Date.now();
  }
}
