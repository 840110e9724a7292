// Memory limits for local processes. The kernel enforces a limit only in a cgroup, which a desktop user can
// rarely create without privileges; so Axon holds a local job to `environment.resources.memory.limits` itself:
// it sums the resident memory of the job's processes (all that carry its mark, children in their own session
// too) every WATCH_MS and kills the job once the sum passes the limit. The run's log says so at launch. A spike
// shorter than the interval can pass unseen: this is a watchdog, not a hard limit.
import fs from 'node:fs';
import { markedProcesses, signalJob } from './job-processes';

export const WATCH_MS = 250;

/** Resident memory of one process (VmRSS), in bytes; 0 when it is gone. */
function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export class MemoryWatchdog {
  private timer: ReturnType<typeof setInterval> | null = null;
  /** The memory the job held when it was killed for it, once it was. */
  killedAt: number | null = null;

  constructor(
    private readonly pgid: number,
    private readonly mark: string,
    readonly limitBytes: number,
  ) {}

  /** Whether the watchdog can work here (Linux /proc). */
  static supported(): boolean {
    return process.platform === 'linux';
  }

  start(): this {
    this.timer = setInterval(() => this.check(), WATCH_MS);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private check(): void {
    const used = markedProcesses(this.mark).reduce((sum, pid) => sum + rssBytes(pid), 0);
    if (used <= this.limitBytes || this.killedAt !== null) return;
    this.killedAt = used;
    this.stop();
    signalJob(this.pgid, this.mark, 'SIGKILL');
  }

  /** The reason of a job it killed. */
  reason(): string {
    const mib = (b: number) => Math.round(b / 1024 / 1024);
    return `out of memory (limit ${mib(this.limitBytes)} MiB): Axon's watchdog killed it at ${mib(this.killedAt ?? 0)} MiB`;
  }
}
