// A container's log (stdout and stderr, multiplexed with 8-byte frame headers) as the timestamped lines the
// shared log copier takes, from the copier's cursor on.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { LogCopier } from '../log-copier';

export async function copyContainerLog(
  copier: LogCopier,
  container: Docker.Container,
  modem: { demuxStream: Docker['modem']['demuxStream'] },
  follow: boolean,
): Promise<void> {
  const since = copier.sinceSeconds();
  const opts = { follow, stdout: true, stderr: true, timestamps: true, ...(since ? { since } : {}) };
  const raw = (await container.logs(opts as never)) as unknown;
  // Not following, Docker answers with the whole (multiplexed) log as one buffer.
  const stream = Buffer.isBuffer(raw) ? bufferStream(raw) : (raw as NodeJS.ReadableStream);
  const out = new PassThrough();
  modem.demuxStream(stream, out, out);
  const end = () => out.end();
  stream.on('end', end);
  stream.on('close', end);
  stream.on('error', end);
  // The copier destroys `out` when detached: the container's stream goes with it.
  out.on('close', () => (stream as unknown as { destroy?(): void }).destroy?.());
  await copier.copyFrom(out);
}

function bufferStream(buf: Buffer): NodeJS.ReadableStream {
  const p = new PassThrough();
  p.end(buf);
  return p;
}
