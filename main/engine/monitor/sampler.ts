// Samples the resources of every running job into the store at a bounded rate: every second while someone
// watches (a subscriber to `resources.sampled`) or while a job is in its first YOUNG_MS (a run of a few seconds
// would otherwise end before its first figures: CPU needs two samples), every 10 s otherwise, and not at all
// when nothing runs.
// GPUs come from nvidia-smi when this machine has it (machine-wide: per-process attribution needs more).
import type { Store } from '../store';
import type { EventBus } from '../events';
import type { Backend } from '../backends/backend';
import type { Runner } from '../scheduler/runner';
import type { GpuUse, ResourceSample } from '../../../shared/domain';
import { sampleGpus } from './nvidia-smi';
import { log } from '../log';

export const WATCHED_INTERVAL_MS = 1000;
export const IDLE_INTERVAL_MS = 10_000;
export const YOUNG_MS = 10_000;

export class ResourceMonitor {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastAt = 0;
  private noGpu = false;
  /** When each running job was first seen (pruned as jobs end). */
  private firstSeen = new Map<number, number>();

  constructor(
    private store: Store,
    private events: EventBus,
    private runner: Runner,
    private backends: Record<string, Backend>,
  ) {}

  start(): void {
    const loop = () => {
      this.timer = setTimeout(async () => {
        const watched = this.events.listenerCount('resources.sampled') > 0 || this.anyYoung();
        const interval = watched ? WATCHED_INTERVAL_MS : IDLE_INTERVAL_MS;
        if (Date.now() - this.lastAt >= interval - 50) await this.tick();
        if (this.timer) loop();
      }, WATCHED_INTERVAL_MS);
      this.timer.unref();
    };
    loop();
  }

  /** A running job seen for the first time less than YOUNG_MS ago. */
  private anyYoung(): boolean {
    const now = Date.now();
    const seen = new Map<number, number>();
    let young = false;
    for (const j of this.runner.runningJobs()) {
      const at = this.firstSeen.get(j.jobId) ?? now;
      seen.set(j.jobId, at);
      if (now - at < YOUNG_MS) young = true;
    }
    this.firstSeen = seen;
    return young;
  }

  /** One round over the running jobs (also called by tests). */
  tick(): Promise<void> {
    this.running ??= this.round().finally(() => (this.running = null));
    return this.running;
  }

  private async round(): Promise<void> {
    this.lastAt = Date.now();
    const jobs = this.runner.runningJobs();
    if (!jobs.length) return;
    const gpus = await this.gpus();
    const samples: ResourceSample[] = [];
    await Promise.all(
      jobs.map(async (j) => {
        const r = await this.backends[j.backend]?.sample?.(j.handle).catch(() => null);
        if (r)
          samples.push({ experimentId: j.experimentId, jobId: j.jobId, ts: Date.now() / 1000, ...r, gpus });
      }),
    );
    if (!samples.length) return;
    try {
      await this.store.resources.insert(samples);
    } catch (e) {
      log.debug(`resources: ${(e as Error).message}`);
      return;
    }
    this.events.emit('resources.sampled', { samples });
  }

  private async gpus(): Promise<GpuUse[] | null> {
    if (this.noGpu) return null;
    try {
      const g = await sampleGpus();
      if (g === null) this.noGpu = true; // no nvidia-smi here: don't look again
      return (
        g?.map((x) => ({
          index: x.index,
          name: x.name,
          utilizationPercent: x.utilizationPercent,
          memoryUsedBytes: x.memoryUsedBytes,
          memoryTotalBytes: x.memoryTotalBytes,
        })) ?? null
      );
    } catch {
      return null;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
