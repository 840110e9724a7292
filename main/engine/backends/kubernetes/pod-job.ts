// One job running as a pod: its statuses come from the namespace's pod watch (never from polling), its log is
// streamed into the run's log file through the shared cursor copier, and when `main` has ended the outputs are
// copied out of the side container and only then is the pod deleted: a pod goes only once its log is complete
// and its outputs are home.
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import type { BackendStatus, JobOutcome, RunningJob } from '../backend';
import { LogCopier } from '../log-copier';
import type { Cluster } from './cluster';
import { copyOutputs, execIn } from './pod-exec';
import { podState } from './pod-status';
import { MAIN } from './pod-spec';

export interface PodJobOptions {
  cluster: Cluster;
  pod: string;
  logPath: string;
  outputsDir: string;
  /** A pod still waiting after this long fails with its last reason. */
  pendingTimeoutMs: number;
  /** Leave finished pods in place (debugging): AXON_K8S_KEEP_PODS=1. */
  keepPods?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A request to a cluster that went away without closing the connection (a laptop's network changed) may
 *  never answer: an ending waits this long for each one, then goes on. */
const ENDING_REQUEST_MS = 30_000;
const within = (p: Promise<unknown>, ms: number) => Promise.race([p, sleep(ms)]);

/** How long a stop waits past its grace period for the pod to go before it deletes it outright, then again
 *  before it records the job stopped anyway. */
const STOP_BACKSTOP_MS = 20_000;

export class PodJob implements RunningJob {
  readonly handle;
  readonly done: Promise<JobOutcome>;
  private resolveDone!: (o: JobOutcome) => void;
  private copier: LogCopier;
  private copying: Promise<void> | null = null;
  private logRequest: AbortController | null = null;
  /** The stream being copied: destroyed when the cluster goes away (a cut connection may never end it). */
  private logStream: PassThrough | null = null;
  private ended = false;
  private stopping = false;
  private detached = false;
  private last: BackendStatus | null = null;
  private listener: ((s: BackendStatus) => void) | null = null;
  private pendingTimer: NodeJS.Timeout | null = null;
  private unsubscribe: Array<() => void> = [];
  private node: string | null = null;

  constructor(private o: PodJobOptions) {
    const c = o.cluster;
    this.handle = { pod: o.pod, namespace: c.namespace, context: c.context };
    this.copier = new LogCopier(o.logPath);
    this.done = new Promise((r) => (this.resolveDone = r));
    this.unsubscribe.push(c.watchPod(o.pod, (p) => this.onPod(p)));
    this.unsubscribe.push(
      c.onReachability((since, why) => {
        if (since)
          this.emit({
            status: 'unknown',
            reason: `cluster unreachable since ${since.toISOString()}`,
            message: why,
          });
      }),
    );
    this.pendingTimer = setTimeout(() => void this.pendingTooLong(), o.pendingTimeoutMs);
    this.pendingTimer.unref?.();
    const now = c.pod(o.pod);
    if (now) this.onPod(now);
    if (c.unreachableSince)
      this.emit({
        status: 'unknown',
        reason: `cluster unreachable since ${c.unreachableSince.toISOString()}`,
      });
  }

  onStatus(listener: (s: BackendStatus) => void): void {
    this.listener = listener;
    if (this.last && !this.ended) listener(this.last);
  }

  placement(): Record<string, string> {
    return {
      context: this.o.cluster.context,
      namespace: this.o.cluster.namespace,
      pod: this.o.pod,
      ...(this.node ? { node: this.node } : {}),
    };
  }

  private emit(s: BackendStatus): void {
    if (this.ended || (this.last?.status === s.status && this.last.reason === s.reason)) return;
    this.last = s;
    this.listener?.(s);
  }

  /** Set when Axon deletes the pod itself to end the job: the ending it records. */
  private deletedFor: JobOutcome | null = null;

  private onPod(p: V1Pod | null): void {
    if (this.ended || this.detached) return;
    if (!p) {
      // Deleted by Axon itself for a reason (pending too long): the watch may say so before the delete returns.
      if (this.deletedFor) return void this.finish(this.deletedFor, null, false);
      const reason = this.stopping ? 'stopped' : 'lost: the pod was deleted outside Axon';
      void this.finish({ exitCode: null, signal: null, lost: !this.stopping, reason }, null, false);
      return;
    }
    this.node = p.spec?.nodeName ?? this.node;
    const s = podState(p);
    if (s.kind === 'waiting') this.emit(s.status);
    else if (s.kind === 'running') {
      this.clearPending();
      this.emit({ status: 'running', reason: null });
      this.copying ??= this.copyLoop();
    } else void this.finish(s.outcome, s.finishedAt, true);
  }

  private clearPending(): void {
    if (this.pendingTimer) clearTimeout(this.pendingTimer);
    this.pendingTimer = null;
  }

  private async pendingTooLong(): Promise<void> {
    this.pendingTimer = null;
    if (this.ended || this.detached || this.last?.status === 'running') return;
    if (this.o.cluster.unreachableSince) {
      // Nothing can be known of a pod while its cluster is away: ask again later, never fail it for that.
      this.pendingTimer = setTimeout(() => void this.pendingTooLong(), 60_000);
      this.pendingTimer.unref?.();
      return;
    }
    const mins = Math.round(this.o.pendingTimeoutMs / 6000) / 10;
    const why = this.last?.reason ? `: ${this.last.reason}` : '';
    const outcome = { exitCode: null, signal: null, lost: false, reason: `pending for ${mins} min${why}` };
    this.deletedFor = outcome;
    await this.deletePod(0);
    await this.finish(outcome, null, false);
  }

  /** Streams the log while `main` runs; a stream the server closes early is opened again from the cursor. */
  private async copyLoop(): Promise<void> {
    while (!this.detached && !this.ended) {
      await this.copyOnce(true);
      if (this.ended || this.detached) break;
      await sleep(1000);
    }
  }

  private async copyOnce(follow: boolean): Promise<void> {
    const c = this.o.cluster;
    const stream = new PassThrough();
    this.logStream = stream;
    const since = this.copier.sinceRfc3339();
    c.counter.requests++;
    try {
      this.logRequest = await c.logs.log(c.namespace, this.o.pod, MAIN, stream, {
        follow,
        timestamps: true,
        ...(since ? { sinceTime: since } : {}),
      });
      await this.copier.copyFrom(stream);
    } catch {
      stream.end();
      if (follow) await sleep(1000); // not started yet, or the cluster is away: the watch will tell
    } finally {
      this.logRequest = null;
      this.logStream = null;
    }
  }

  /** The follow stream ends when `main` exits; then one plain read takes whatever is left. */
  private async drainLog(): Promise<void> {
    if (this.copying) {
      const t = sleep(15_000).then(() => {
        this.logRequest?.abort();
        this.logStream?.destroy();
      });
      await Promise.race([this.copying, t]);
      await this.copying;
    }
    if (!this.detached) await within(this.copyOnce(false), ENDING_REQUEST_MS);
  }

  private async finish(outcome: JobOutcome, finishedAt: string | null, podExists: boolean): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.clearPending();
    await this.drainLog();
    if (podExists && !this.detached) {
      const r = await copyOutputs(this.o.cluster, this.o.pod, this.o.outputsDir);
      if (r.problem) fs.appendFileSync(this.o.logPath, `[axon] outputs: ${r.problem}\n`);
      if (this.detached) return; // the engine closed meanwhile: the next one takes it from here
      if (!this.o.keepPods) await this.deletePod(0);
    }
    for (const u of this.unsubscribe) u();
    this.resolveDone({ ...outcome, ...(finishedAt ? { finishedAt } : {}) });
  }

  private async deletePod(graceSeconds: number): Promise<void> {
    const c = this.o.cluster;
    c.counter.requests++;
    await within(
      c.core
        .deleteNamespacedPod({ name: this.o.pod, namespace: c.namespace, gracePeriodSeconds: graceSeconds })
        .catch(() => undefined),
      ENDING_REQUEST_MS,
    );
  }

  /** SIGTERM to the command (through the wrapper), SIGKILL after the grace period; a pod that has not started
   *  yet is deleted. If exec is not possible, the pod is deleted with the grace period. */
  async stop(graceMs: number): Promise<void> {
    if (this.ended) return;
    this.stopping = true;
    this.stopBackstop(graceMs);
    if (this.last?.status !== 'running') {
      await this.deletePod(0);
      return;
    }
    const c = this.o.cluster;
    const term = await execIn(c, this.o.pod, MAIN, ['/bin/sh', '-c', 'kill -TERM 1'], null, 10_000);
    if (!term.ok) {
      await this.deletePod(Math.max(1, Math.ceil(graceMs / 1000)));
      return;
    }
    const t = setTimeout(() => {
      if (this.ended || this.detached) return;
      void execIn(c, this.o.pod, MAIN, ['/bin/sh', '-c', 'kill -KILL -1'], null, 10_000).then(async (r) => {
        if (!r.ok && !this.ended) await this.deletePod(0);
      });
    }, graceMs);
    t.unref?.();
  }

  /**
   * A stop always ends. If the pod has not gone STOP_BACKSTOP_MS after the grace period (an exec or a delete
   * that never answered, a watch that missed the deletion), it is deleted at once; if the cluster still says
   * nothing as long again, the job is recorded stopped (a pod left behind is reported at the next start).
   */
  private stopBackstop(graceMs: number): void {
    const later = (ms: number, fn: () => void) => setTimeout(fn, ms).unref?.();
    later(graceMs + STOP_BACKSTOP_MS, () => {
      if (this.ended || this.detached) return;
      void this.deletePod(0);
      later(STOP_BACKSTOP_MS, () => {
        if (this.ended || this.detached) return;
        void this.finish({ exitCode: null, signal: null, lost: false, reason: 'stopped' }, null, false);
      });
    });
  }

  detach(): void {
    this.detached = true;
    this.clearPending();
    this.copier.detach();
    this.logRequest?.abort();
    this.logStream?.destroy();
    for (const u of this.unsubscribe) u();
  }
}
