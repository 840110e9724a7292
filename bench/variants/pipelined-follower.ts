// A candidate change to main/engine/tracking/follower.ts, measured by the ingest benchmark: read and parse the
// next chunk of the log while SQLite (on libuv's thread pool) commits the previous one, instead of parsing and
// committing one after the other. Batches still commit in log order, each with its own offset, so a crash
// loses nothing acknowledged and counts nothing twice. Only the whole-log path (start → finish) is modelled;
// the engine's poke/watch/partial-line handling would stay as it is.
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { MetricPoint } from '../../shared/domain';
import type { IngestBatch } from '../../main/engine/store/metrics';
import { parseLine } from '../../main/engine/tracking/protocol';
import type { Fixture, FollowerLike } from '../ingest-setup';

const READ_CHUNK = 4 * 1024 * 1024;

export class PipelinedFollower implements FollowerLike {
  private consumed = 0;
  private maxStep = new Map<string, number>();

  constructor(
    private fx: Fixture,
    private ingest: (b: IngestBatch) => Promise<void> = (b) => fx.store.metrics.ingest(b),
  ) {}

  async start(): Promise<void> {
    this.consumed = (await this.fx.store.metrics.offset(this.fx.jobId)).consumed;
    this.maxStep = await this.fx.store.metrics.maxSteps(this.fx.experimentId);
  }

  async finish(): Promise<void> {
    const fh = await fs.promises.open(this.fx.logPath, 'r');
    let pending: Promise<void> = Promise.resolve();
    try {
      const size = (await fh.stat()).size;
      let readPos = this.consumed;
      while (readPos < size) {
        const len = Math.min(READ_CHUNK, size - readPos);
        const buf = Buffer.allocUnsafe(len);
        const { bytesRead } = await fh.read(buf, 0, len, readPos);
        if (bytesRead === 0) break;
        const lastNl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
        const take = lastNl >= 0 && readPos + bytesRead < size ? lastNl + 1 : bytesRead;
        const batch = this.parse(buf.subarray(0, take), readPos + take);
        readPos += take;
        // The previous batch must be committed before this one starts (order of offsets); the parse above
        // already overlapped with it.
        await pending;
        pending = this.ingest(batch).then(() => {
          this.consumed = batch.consumed;
        });
      }
      await pending;
    } finally {
      await fh.close();
    }
  }

  private parse(data: Buffer, next: number): IngestBatch {
    const text = new StringDecoder('utf8').end(data);
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
      const r = parseLine(line);
      if (r.kind === 'plain') continue;
      if (r.kind === 'malformed') {
        malformed++;
        continue;
      }
      if (r.metrics)
        for (const [key, value] of Object.entries(r.metrics.values)) {
          const step = r.metrics.step ?? (this.maxStep.get(key) ?? -1) + 1;
          if (step > (this.maxStep.get(key) ?? -1)) this.maxStep.set(key, step);
          points.push({ key, step, value, ts: r.metrics.ts ?? now });
        }
      if (r.params) Object.assign(params, r.params);
      if (r.tags) tags.push(...r.tags);
    }
    return {
      experimentId: this.fx.experimentId,
      jobId: this.fx.jobId,
      points,
      params,
      tags,
      consumed: next,
      malformed,
    };
  }
}
