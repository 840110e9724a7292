// The bounded queue of engine events waiting for one renderer. In normal operation it is a plain FIFO: events
// reach the renderer in the order the engine emitted them. When a renderer falls behind (it stops
// acknowledging batches: busy, hung, or a flood of log output) the queue stays within its limits by, in order:
//
// 1. coalescing — `experiments.changed` and `groups.changed` keep only the latest state per id (with the
//    oldest `previous`), `resources.sampled` keeps the latest sample per job, `logs.appended` chunks of one
//    experiment that continue each other are joined, and `metrics.appended` points of one experiment are
//    merged into one event;
// 2. dropping the oldest delta events (`logs.appended`, `metrics.appended`, `resources.sampled`) down to three
//    quarters of the limits, counted per event name in the next batch's `dropped`.
//
// The limits are on delta events (their count and estimated bytes). State events are never dropped — after
// coalescing there is at most one per experiment and group — and their number triggers coalescing too, at
// doubling thresholds so that a queue of many distinct experiments is not re-coalesced on every push.
//
// Nothing dropped is lost: the engine has stored it. A log gap shows as a chunk whose `offset` is not the
// previous chunk's `nextOffset`, and the renderer re-reads that range with `experiments.logs`; metrics and
// resources are re-read with `experiments.metrics` / `experiments.resources`.
import type { EventName, Events } from '../../shared/api';
import type { EventEnvelope } from './channels';

export interface QueueLimits {
  /** Delta events (logs, metrics, resources) held for one renderer. */
  maxEvents: number;
  /** Their estimated bytes (log text, metric points, samples). */
  maxBytes: number;
}

export const DEFAULT_QUEUE_LIMITS: QueueLimits = { maxEvents: 5000, maxBytes: 16 * 1024 * 1024 };

const DROPPABLE: ReadonlySet<EventName> = new Set(['logs.appended', 'metrics.appended', 'resources.sampled']);

interface Item {
  event: EventName;
  payload: unknown;
  bytes: number;
}

/** A cheap size estimate: what dominates a structured-clone copy of the payload. */
export function estimateBytes(event: EventName, payload: unknown): number {
  switch (event) {
    case 'logs.appended':
      return 64 + (payload as Events['logs.appended']).text.length;
    case 'metrics.appended':
      return 64 + 48 * (payload as Events['metrics.appended']).points.length;
    case 'resources.sampled':
      return 64 + 256 * (payload as Events['resources.sampled']).samples.length;
    default:
      return 1024;
  }
}

export class EventQueue {
  private items: Item[] = [];
  private bytes = 0;
  private deltas = 0;
  private deltaBytes = 0;
  private dropped: Partial<Record<EventName, number>> = {};
  /** Queue length at which state events alone trigger coalescing. */
  private compactAt: number;

  constructor(readonly limits: QueueLimits = DEFAULT_QUEUE_LIMITS) {
    this.compactAt = limits.maxEvents;
  }

  get length(): number {
    return this.items.length;
  }

  get size(): number {
    return this.bytes;
  }

  push<E extends EventName>(event: E, payload: Events[E]): void {
    const bytes = estimateBytes(event, payload);
    this.items.push({ event, payload, bytes });
    this.bytes += bytes;
    if (DROPPABLE.has(event)) {
      this.deltas++;
      this.deltaBytes += bytes;
    }
    if (this.over(1) || this.items.length > this.compactAt) this.relieve();
  }

  /** Takes the oldest events (at least one, if any) up to the batch limits, with the drop counts so far. */
  take(
    maxEvents: number,
    maxBytes: number,
  ): { events: EventEnvelope[]; dropped?: Partial<Record<EventName, number>> } {
    let n = 0;
    let bytes = 0;
    while (n < this.items.length && n < maxEvents && (n === 0 || bytes + this.items[n].bytes <= maxBytes))
      bytes += this.items[n++].bytes;
    const taken = this.items.splice(0, n);
    this.recount();
    const dropped = Object.keys(this.dropped).length ? this.dropped : undefined;
    this.dropped = {};
    return { events: taken.map((i) => ({ event: i.event, payload: i.payload })), dropped };
  }

  clear(): void {
    this.items = [];
    this.dropped = {};
    this.recount();
  }

  private recount(): void {
    this.bytes = this.deltas = this.deltaBytes = 0;
    for (const i of this.items) {
      this.bytes += i.bytes;
      if (DROPPABLE.has(i.event)) {
        this.deltas++;
        this.deltaBytes += i.bytes;
      }
    }
    if (this.items.length <= this.limits.maxEvents) this.compactAt = this.limits.maxEvents;
  }

  private over(fraction: number): boolean {
    return (
      this.deltas > this.limits.maxEvents * fraction || this.deltaBytes > this.limits.maxBytes * fraction
    );
  }

  private relieve(): void {
    this.coalesce();
    if (this.over(1)) {
      // Drop the oldest deltas down to the low-water mark, so that a renderer hovering at the limit does not
      // make every push compact the whole queue.
      const keep: Item[] = [];
      let count = this.deltas;
      let bytes = this.deltaBytes;
      for (const item of this.items) {
        const overNow = count > this.limits.maxEvents * 0.75 || bytes > this.limits.maxBytes * 0.75;
        if (overNow && DROPPABLE.has(item.event)) {
          count--;
          bytes -= item.bytes;
          this.dropped[item.event] = (this.dropped[item.event] ?? 0) + 1;
        } else keep.push(item);
      }
      this.items = keep;
      this.recount();
    }
    this.compactAt = Math.max(this.limits.maxEvents, 2 * this.items.length);
  }

  /** One pass; see the top of the file for what merges with what. */
  private coalesce(): void {
    const out: Array<Item | null> = [];
    const lastState = new Map<string, number>(); // 'x:<id>' | 'g:<id>' | 'r' → index in out
    const lastLog = new Map<string, number>(); // "experiment:job" → index of its latest log item in out
    const lastMetrics = new Map<number, number>();
    const replaceState = (key: string, item: Item, merge: (prev: Item) => Item) => {
      const at = lastState.get(key);
      let next = item;
      if (at !== undefined) {
        next = merge(out[at]!);
        out[at] = null;
      }
      lastState.set(key, out.length);
      out.push(next);
    };
    for (const item of this.items) {
      switch (item.event) {
        case 'experiments.changed': {
          const p = item.payload as Events['experiments.changed'];
          replaceState(`x:${p.experiment.id}`, item, (prev) => ({
            ...item,
            payload: { ...p, previous: (prev.payload as Events['experiments.changed']).previous },
          }));
          break;
        }
        case 'groups.changed': {
          const p = item.payload as Events['groups.changed'];
          replaceState(`g:${p.group.id}`, item, () => item);
          break;
        }
        case 'resources.sampled': {
          const p = item.payload as Events['resources.sampled'];
          replaceState('r', item, (prev) => {
            const byJob = new Map<string, Events['resources.sampled']['samples'][number]>();
            for (const s of [...(prev.payload as Events['resources.sampled']).samples, ...p.samples])
              byJob.set(`${s.experimentId}:${s.jobId}`, s);
            const samples = [...byJob.values()];
            return { event: item.event, payload: { samples }, bytes: estimateBytes(item.event, { samples }) };
          });
          break;
        }
        case 'logs.appended': {
          const p = item.payload as Events['logs.appended'];
          // Each job of a distributed run has its own log and offsets: join within one job only.
          const key = `${p.experimentId}:${p.jobId}`;
          const at = lastLog.get(key);
          const prev = at === undefined ? null : out[at];
          const prevChunk = prev?.payload as Events['logs.appended'] | undefined;
          if (prev && prevChunk && prevChunk.nextOffset === p.offset) {
            const merged = { ...prevChunk, nextOffset: p.nextOffset, text: prevChunk.text + p.text };
            out[at!] = { event: item.event, payload: merged, bytes: prev.bytes + item.bytes - 64 };
          } else {
            lastLog.set(key, out.length);
            out.push(item);
          }
          break;
        }
        case 'metrics.appended': {
          const p = item.payload as Events['metrics.appended'];
          const at = lastMetrics.get(p.experimentId);
          const prev = at === undefined ? null : out[at];
          if (prev) {
            const prevP = prev.payload as Events['metrics.appended'];
            const merged = { experimentId: p.experimentId, points: [...prevP.points, ...p.points] };
            out[at!] = { event: item.event, payload: merged, bytes: prev.bytes + item.bytes - 64 };
          } else {
            lastMetrics.set(p.experimentId, out.length);
            out.push(item);
          }
          break;
        }
        default:
          out.push(item);
      }
    }
    this.items = out.filter((i): i is Item => i !== null);
    this.recount();
  }
}
