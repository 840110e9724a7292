// One job running as a pod: its statuses come from the namespace's pod watch (never from polling), its log is
// streamed into the run's log file through the shared cursor copier, and when `main` has ended the outputs are
// copied out of the side container and only then is the pod deleted: a pod goes only once its log is complete
// and its outputs are home.
import { PassThrough } from 'node:stream';
import type { V1Pod } from '@kubernetes/client-node';
import { OUTPUTS_KEPT, type BackendStatus, type JobOutcome, type RunningJob } from '../backend';
import { LogCopier } from '../log-copier';
import { log } from '../../log';
import { statusOf, type Cluster } from './cluster';
import { execIn } from './pod-exec';
import { copyOnce, loadSent, sendIn, takeHome, type PodOutputs } from './pod-outputs';
import { podState } from './pod-status';
import { MAIN, RESTORE } from './pod-spec';
import type { OutputsMerge } from './outputs-merge';
import { saveEnding, savedEnding } from './pod-ending';

export interface PodJobOptions {
  cluster: Cluster;
  pod: string;
  logPath: string;
  outputsDir: string;
  /** A pod still waiting after this long fails with its last reason. */
  pendingTimeoutMs: number;
  /** Leave finished pods in place (debugging): AXON_K8S_KEEP_PODS=1. */
  keepPods?: boolean;
  /** How long a stop waits past its grace period before it deletes the pod outright (default 20 s). */
  stopBackstopMs?: number;
  /** A distributed run's replica: its outputs are merged with the others' (outputs-merge.ts). */
  merge?: { replica: string; outputs: OutputsMerge };
  /** Where a resume's restore records what it sent, for the copy home (pod-outputs.ts). */
  sentFile?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A request to a cluster that went away without closing the connection (a laptop's network changed) may
 *  never answer: an ending waits this long for each one, then goes on. */
const ENDING_REQUEST_MS = 30_000;
const within = (p: Promise<unknown>, ms: number) => Promise.race([p, sleep(ms)]);

/** How long a stop waits past its grace period for the pod to go before it deletes it outright, then again
 *  before it records the job stopped anyway. */
const STOP_BACKSTOP_MS = 20_000;
type Cancel = () => void;

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
  private stopGraceMs = 0;
  /** `main` was seen running: a stop signals it rather than deleting the pod. */
  private seenRunning = false;
  /** Ends the log read in progress (its request may not have answered yet). */
  private cancelRead: Cancel | null = null;
  /** The outputs copied as soon as a deletion by someone else was seen. */
  private rescue: ReturnType<typeof copyOnce> | null = null;
  private readonly outputs: PodOutputs;
  /** A resume's previous outputs being sent into the pod, and whether they are there. */
  private restoring: Promise<void> | null = null;
  private restored = false;
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
    this.outputs = {
      cluster: c,
      pod: o.pod,
      outputsDir: o.outputsDir,
      logPath: o.logPath,
      merge: o.merge,
      sentFile: o.sentFile,
    };
    loadSent(this.outputs);
    this.done = new Promise((r) => (this.resolveDone = r));
    this.unsubscribe.push(c.watchPod(o.pod, (p) => this.onPod(p)));
    this.unsubscribe.push(
      c.onReachability((since, why) => {
        if (since) {
          // A read on a connection that went away may never end: it is read again from the cursor once back.
          this.cancelRead?.();
          this.emit({
            status: 'unknown',
            reason: `cluster unreachable since ${since.toISOString()}`,
            message: why,
          });
        } else if (this.stopping && !this.ended && !this.detached) {
          // A stop asked for while the cluster was away is made now (the pod may have ended meanwhile: then
          // nothing is sent, and its ending copies its outputs).
          void this.stop(this.stopGraceMs);
        }
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
      // Deleted by an earlier engine once it had ended (re-attached before the cluster had answered): its
      // ending was saved first.
      const saved = this.stopping ? null : savedEnding(this.o.logPath);
      if (saved) return void this.finish(saved, saved.finishedAt ?? null, false);
      const reason = this.stopping ? 'stopped' : 'lost: the pod was deleted outside Axon';
      void this.finish({ exitCode: null, signal: null, lost: !this.stopping, reason }, null, false);
      return;
    }
    this.node = p.spec?.nodeName ?? this.node;
    const s = podState(p);
    // Being deleted while it runs (by someone else, or by a stop whose exec failed): the kubelet reports
    // `main`'s end only once the whole pod has gone, side container included, so the outputs are copied now,
    // while the side container still waits out the grace period.
    if (p.metadata?.deletionTimestamp && s.kind === 'running' && !this.rescue)
      this.rescue = copyOnce(this.outputs);
    if (s.kind === 'waiting') {
      // A resume's pod: its init container waits for the previous outputs (pod-spec.ts RESTORE).
      const init = p.status?.initContainerStatuses?.find((x) => x.name === RESTORE);
      if (init?.state?.running && !this.restoring && !p.metadata?.deletionTimestamp && !this.stopping)
        this.restoring = this.restore();
      this.emit(
        this.restoring && !this.restored
          ? { status: 'starting', reason: 'restoring the previous outputs into the pod' }
          : s.status,
      );
    } else if (s.kind === 'running') {
      this.seenRunning = true;
      this.clearPending();
      // Deleted by someone else: it runs on through its grace period (30 s by default), which is said meanwhile.
      const deleting = !!p.metadata?.deletionTimestamp && !this.stopping && !this.deletedFor;
      this.emit({
        status: 'running',
        reason: deleting
          ? `pod ${this.o.pod} is being deleted outside Axon (kubectl, a drain): it ends within its grace period`
          : null,
        startedAt: s.startedAt,
      });
      this.copying ??= this.copyLoop();
    } else {
      // Deleted by someone else (kubectl, a drain): `main` got SIGTERM; its outputs are still copied (the side
      // container outlives the grace period's start), and the reason says what happened.
      const outside = !!p.metadata?.deletionTimestamp && !this.stopping && !this.deletedFor;
      const outcome = outside
        ? { ...s.outcome, lost: true, reason: 'lost: the pod was deleted outside Axon' }
        : s.outcome;
      // A `main` that never started (its image could not be pulled) wrote nothing: there is nothing to copy.
      const ran =
        this.seenRunning || !!p.status?.containerStatuses?.find((x) => x.name === MAIN)?.state?.terminated;
      void this.finish(outcome, s.finishedAt, true, ran);
    }
  }

  /** Sends the previous outputs into a resumed run's pod; the run fails if they cannot go. */
  private async restore(): Promise<void> {
    this.clearPending(); // a large restore is not a pod pending too long
    const gone = () => this.ended || this.detached || this.stopping;
    const problem = await sendIn(this.outputs, gone);
    if (gone()) return;
    if (problem) {
      const outcome = {
        exitCode: null,
        signal: null,
        lost: false,
        reason: `the previous outputs could not be restored into the pod: ${problem}`,
      };
      this.deletedFor = outcome;
      await this.deletePod(0);
      return this.finish(outcome, null, false);
    }
    this.restored = true;
    this.pendingTimer = setTimeout(() => void this.pendingTooLong(), this.o.pendingTimeoutMs);
    this.pendingTimer.unref?.();
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
    const ms = this.o.pendingTimeoutMs;
    const span = ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 6000) / 10} min`;
    const why = this.last?.reason ? `: ${this.last.reason}` : '';
    const outcome = { exitCode: null, signal: null, lost: false, reason: `pending for ${span}${why}` };
    this.deletedFor = outcome;
    await this.deletePod(0);
    await this.finish(outcome, null, false);
  }

  /** Streams the log while `main` runs; a stream the server closes early is opened again from the cursor. */
  private async copyLoop(): Promise<void> {
    while (!this.detached && !this.ended) {
      if (this.o.cluster.unreachableSince) {
        await sleep(1000);
        continue;
      }
      await this.copyOnce(true);
      if (this.ended || this.detached) break;
      await sleep(1000);
    }
  }

  private async copyOnce(follow: boolean): Promise<void> {
    const c = this.o.cluster;
    const stream = new PassThrough();
    this.logStream = stream;
    let cancelled = false;
    let request: Promise<AbortController> | null = null;
    const gaveUp = new Promise<null>((r) => {
      this.cancelRead = () => {
        cancelled = true;
        this.logRequest?.abort();
        stream.destroy();
        r(null);
      };
    });
    const since = this.copier.sinceRfc3339();
    c.counter.requests++;
    try {
      request = c.logs.log(c.namespace, this.o.pod, MAIN, stream, {
        follow,
        timestamps: true,
        ...(since ? { sinceTime: since } : {}),
      });
      // A server that hangs never answers the request: a cancel does not wait for it.
      const answered = await Promise.race([request, gaveUp]);
      if (!answered) return;
      this.logRequest = answered;
      if (cancelled) answered.abort();
      await this.copier.copyFrom(stream);
    } catch {
      stream.end();
      if (follow && !cancelled) await sleep(1000); // not started yet, or the cluster is away: the watch will tell
    } finally {
      // An answer that comes after the cancel is closed at once.
      if (cancelled) void request?.then((a) => a.abort()).catch(() => undefined);
      this.cancelRead = null;
      this.logRequest = null;
      this.logStream = null;
    }
  }

  /** The follow stream ends when `main` exits; then one plain read takes whatever is left. */
  private async drainLog(): Promise<void> {
    if (this.copying) {
      const t = sleep(15_000).then(() => this.cancelRead?.());
      await Promise.race([this.copying, t]);
      await this.copying;
    }
    if (this.detached) return;
    const last = this.copyOnce(false);
    await within(last, ENDING_REQUEST_MS);
    this.cancelRead?.();
    await last;
  }

  private async finish(
    outcome: JobOutcome,
    finishedAt: string | null,
    podExists: boolean,
    ran = true,
  ): Promise<void> {
    if (this.ended) return;
    log.debug(`pod ${this.o.pod}: finish ${JSON.stringify(outcome)} podExists=${podExists}`);
    this.ended = true;
    this.clearPending();
    await this.drainLog();
    const final = { ...outcome, ...(finishedAt ? { finishedAt } : {}) };
    if (podExists && !ran && !this.detached) {
      if (!this.o.keepPods) await this.deleteEnded(final);
    } else if (podExists && !this.detached) {
      const early = this.rescue && (await this.rescue);
      // (Past `ended`, so told to the listener directly: the run is still `running` until its outputs are home.)
      const r = await takeHome(
        this.outputs,
        early,
        () => this.detached,
        (reason) => this.seenRunning && !this.detached && this.listener?.({ status: 'running', reason }),
      );
      if (this.detached) return; // the engine closed meanwhile: the next one takes it from here
      if (r.keep) outcome = { ...outcome, outputsKept: `${OUTPUTS_KEPT} ${this.o.pod}: ${r.problem}` };
      if (!r.keep && !this.o.keepPods) await this.deleteEnded(final);
    }
    for (const u of this.unsubscribe) u();
    this.resolveDone({ ...outcome, ...(finishedAt ? { finishedAt } : {}) });
  }

  /** Deletes an ended pod, its ending saved first (pod-ending.ts): the pod was the only record of it. */
  private async deleteEnded(outcome: JobOutcome): Promise<void> {
    try {
      saveEnding(this.o.logPath, outcome);
    } catch (e) {
      // Without the record the pod must stay: the next engine reads the ending from it.
      log.warn(`pod ${this.o.pod}: its ending could not be saved (${(e as Error).message}); the pod is kept`);
      return;
    }
    await this.deletePod(0, true);
  }

  /**
   * Deletes the pod. Unless `evenEnded`, a pod that has ended is left for its ending, which copies its outputs
   * first; the delete carries the resourceVersion it was read at, so one that reaches a server late (it hung,
   * and answers the requests it held when it resumes) is refused if the pod has changed since.
   */
  private async deletePod(graceSeconds: number, evenEnded = false): Promise<void> {
    const c = this.o.cluster;
    const ref = { name: this.o.pod, namespace: c.namespace };
    const attempt = async () => {
      for (let i = 0; i < 3; i++) {
        let resourceVersion: string | undefined;
        if (!evenEnded) {
          c.counter.requests++;
          const p = await c.core
            .readNamespacedPod(ref)
            .catch((e) => (statusOf(e) === 404 ? null : undefined));
          if (!p || podState(p).kind === 'ended') return; // gone, ended, or no answer: nothing is sent
          resourceVersion = p.metadata?.resourceVersion;
        }
        c.counter.requests++;
        try {
          await c.core.deleteNamespacedPod({
            ...ref,
            gracePeriodSeconds: graceSeconds,
            body: {
              gracePeriodSeconds: graceSeconds,
              ...(resourceVersion ? { preconditions: { resourceVersion } } : {}),
            },
          });
          return;
        } catch (e) {
          if (statusOf(e) !== 409) return; // 409: it changed since it was read; read it again
        }
      }
    };
    await within(attempt(), ENDING_REQUEST_MS);
  }

  /** SIGTERM to the command (through the wrapper), SIGKILL after the grace period; a pod that has not started
   *  yet is deleted. If exec is not possible, the pod is deleted with the grace period. While the cluster does
   *  not answer, nothing is sent (it would arrive late and out of order): the stop is made once it is back. */
  async stop(graceMs: number): Promise<void> {
    if (this.ended || this.detached) return;
    this.stopping = true;
    this.stopGraceMs = graceMs;
    const c = this.o.cluster;
    if (c.unreachableSince) return;
    this.stopBackstop(graceMs);
    if (!this.seenRunning) {
      await this.deletePod(0);
      return;
    }
    const term = await execIn(c, this.o.pod, MAIN, ['/bin/sh', '-c', 'kill -TERM 1'], null, 10_000);
    log.debug(`pod ${this.o.pod}: stop: TERM ${JSON.stringify(term)}`);
    if (!term.ok) {
      // `main` may have just ended (no running container to exec in): the watch says so in a moment, and its
      // ending copies the outputs. Only a pod still running after that is deleted.
      void (async () => {
        await Promise.race([this.done, sleep(5000)]);
        if (this.ended || this.detached || !(await c.answers())) return;
        await this.deletePod(Math.max(1, Math.ceil(graceMs / 1000)));
      })();
      return;
    }
    const t = setTimeout(() => {
      if (this.ended || this.detached) return;
      void execIn(c, this.o.pod, MAIN, ['/bin/sh', '-c', 'kill -KILL -1'], null, 10_000).then(async (r) => {
        if (!r.ok && !this.ended && (await c.answers())) await this.deletePod(0);
      });
    }, graceMs);
    t.unref?.();
  }

  /**
   * A stop always ends while the cluster answers. If the pod has not gone STOP_BACKSTOP_MS after the grace
   * period (an exec or a delete that never answered, a watch that missed the deletion), it is deleted at once;
   * if the cluster still says nothing as long again, the job is recorded stopped (a pod left behind is reported
   * at the next start). A cluster that does not answer is waited for: the pod may still run, or have ended
   * with outputs to copy, and the stop is made again once it is back.
   */
  private stopBackstop(graceMs: number): void {
    const backstop = this.o.stopBackstopMs ?? STOP_BACKSTOP_MS;
    const later = (ms: number, fn: () => Promise<void>) => setTimeout(() => void fn(), ms).unref?.();
    const c = this.o.cluster;
    later(graceMs + backstop, async () => {
      if (this.ended || this.detached || !(await c.answers())) return;
      await this.deletePod(0);
      later(backstop, async () => {
        if (this.ended || this.detached || !(await c.answers())) return;
        await this.finish({ exitCode: null, signal: null, lost: false, reason: 'stopped' }, null, false);
      });
    });
  }

  detach(): void {
    this.detached = true;
    this.clearPending();
    this.copier.detach();
    this.cancelRead?.();
    for (const u of this.unsubscribe) u();
  }
}
