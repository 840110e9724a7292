// A container's log (stdout and stderr, multiplexed with 8-byte frame headers) as the timestamped lines the
// shared log copier takes, from the copier's cursor on; or, for a container attached to before it started (as
// `docker run` does: Docker answers a log request for a container that has just exited only once it has
// finished the exit, 100–250 ms here), its attach stream as "@<stream> text" lines.
import { PassThrough, Transform, type TransformCallback } from 'node:stream';
import type Docker from 'dockerode';
import type { LogCopier } from '../log-copier';

export async function copyContainerLog(
  copier: LogCopier,
  container: Docker.Container,
  follow: boolean,
): Promise<void> {
  const since = copier.sinceSeconds();
  const opts = { follow, stdout: true, stderr: true, timestamps: true, ...(since ? { since } : {}) };
  const raw = (await container.logs(opts as never)) as unknown;
  // Not following, Docker answers with the whole (multiplexed) log as one buffer.
  const stream = Buffer.isBuffer(raw) ? bufferStream(raw) : (raw as NodeJS.ReadableStream);
  await pipeInto(copier, stream, new DockerLogLines({ skip: copier.attachedLines() ?? undefined }));
}

/** Copies an attach stream (opened before the container started, so it holds every byte) until it ends. */
export async function copyAttachedLog(copier: LogCopier, stream: NodeJS.ReadableStream): Promise<void> {
  await pipeInto(copier, stream, new DockerLogLines({ attached: true }));
}

async function pipeInto(copier: LogCopier, stream: NodeJS.ReadableStream, out: DockerLogLines) {
  stream.pipe(out);
  // Closed without its end (the connection cut): a cut, not the log's end (no unfinished line is completed).
  const cut = () => {
    if (!(stream as { readableEnded?: boolean }).readableEnded) out.destroy();
  };
  stream.on('close', cut);
  stream.on('error', cut);
  // The copier destroys `out` when detached: the container's stream goes with it.
  out.on('close', () => (stream as unknown as { destroy?(): void }).destroy?.());
  await copier.copyFrom(out);
}

/**
 * Docker's multiplexed log stream (8-byte frame headers: stream type, size) as whole "TIMESTAMP text" lines.
 * Docker cuts a line longer than 16 KiB into several messages, each a frame with its own timestamp and only the
 * last ending with a newline: the pieces are joined (the later pieces' timestamps dropped), per stream, so
 * stdout and stderr never mix inside a line. When the log ends (the container stopped), a last line without a
 * newline is completed; a stream that is cut (destroyed) completes nothing.
 */
export class DockerLogLines extends Transform {
  private buf: Buffer = Buffer.alloc(0);
  private readonly partial = new Map<number, Buffer[]>();
  private readonly attached: boolean;
  private readonly skip: Record<string, number>;
  /** The lines of one chunk, pushed as one: a line a push would cost the copier a write per line. */
  private out: Buffer[] = [];

  /**
   * `attached`: the frames are an attach stream's raw output (no timestamps, cut anywhere): lines are split at
   * newlines and given as "@<stream> text". `skip`: lines of each stream an attached copy already took.
   */
  constructor(opts: { attached?: boolean; skip?: Record<string, number> } = {}) {
    super();
    this.attached = opts.attached ?? false;
    this.skip = { ...opts.skip };
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let at = 0;
    while (this.buf.length - at >= 8) {
      const size = this.buf.readUInt32BE(at + 4);
      if (this.buf.length - at - 8 < size) break;
      this.frame(this.buf[at], this.buf.subarray(at + 8, at + 8 + size));
      at += 8 + size;
    }
    this.buf = this.buf.subarray(at);
    this.pushLines();
    done();
  }

  private pushLines(): void {
    if (this.out.length) this.push(this.out.length === 1 ? this.out[0] : Buffer.concat(this.out));
    this.out = [];
  }

  override _flush(done: TransformCallback): void {
    for (const [stream, pieces] of this.partial) this.line(stream, Buffer.concat([...pieces, NL]));
    this.partial.clear();
    this.pushLines();
    done();
  }

  private line(stream: number, line: Buffer): void {
    if (this.skip[stream] > 0) this.skip[stream]--;
    else if (this.attached) this.out.push(Buffer.from(`@${stream} `), line);
    else this.out.push(line);
  }

  private frame(stream: number, payload: Buffer): void {
    if (this.attached) return this.rawFrame(stream, payload);
    const pieces = this.partial.get(stream);
    // A continuation: its own timestamp (up to the first space) goes, the text joins the line begun before.
    const text = pieces ? payload.subarray(payload.indexOf(SPACE) + 1) : payload;
    if (text[text.length - 1] === NL[0]) {
      this.line(stream, pieces ? Buffer.concat([...pieces, text]) : text);
      this.partial.delete(stream);
    } else if (pieces) pieces.push(Buffer.from(text));
    else this.partial.set(stream, [Buffer.from(text)]);
  }

  /** Raw output of one stream: whole lines out, the unfinished rest kept for the next frame. */
  private rawFrame(stream: number, payload: Buffer): void {
    let from = 0;
    for (let nl = payload.indexOf(NL[0]); nl >= 0; nl = payload.indexOf(NL[0], from)) {
      const pieces = this.partial.get(stream);
      const head = payload.subarray(from, nl + 1);
      this.line(stream, pieces ? Buffer.concat([...pieces, head]) : Buffer.from(head));
      this.partial.delete(stream);
      from = nl + 1;
    }
    if (from < payload.length) {
      const rest = Buffer.from(payload.subarray(from));
      const pieces = this.partial.get(stream);
      if (pieces) pieces.push(rest);
      else this.partial.set(stream, [rest]);
    }
  }
}

const NL = Buffer.from('\n');
const SPACE = 0x20;

function bufferStream(buf: Buffer): NodeJS.ReadableStream {
  const p = new PassThrough();
  p.end(buf);
  return p;
}
