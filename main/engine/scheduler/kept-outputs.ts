// Outputs a backend could not copy home when their job ended stay where the job ran (a pod: pod-outputs.ts),
// and the job's reason says so. While an engine runs they are tried again: 5 s after it starts, within a
// minute of a job's end, then after 1, 2, 4… minutes per job (at most 30), until they are home or nothing
// holds them. Home, the run's outputs are listed again, and a run that failed only for them has succeeded
// after all (Statuses.outputsHome).
import { OUTPUTS_KEPT, type Backend } from '../backends/backend';
import type { Store } from '../store';
import { jobHandle, recordedJob, type JobRow } from '../store/jobs';
import { log } from '../log';
import type { Lifecycle } from './lifecycle';
import { listFiles } from './outputs';

/** What a run's reason says once the pod that kept its outputs has gone before they were copied. */
export const KEPT_POD_GONE = 'the pod they were kept in is gone';

/** The longest wait between two tries of one job, in units of the first. */
const MAX_STEPS = 30;
/** The first pass after an engine starts. */
const FIRST_PASS_MS = 5000;

export class KeptOutputs {
  /** Job → when it is tried next and how many tries failed. */
  private due = new Map<number, { at: number; failed: number }>();
  private timer: NodeJS.Timeout | null = null;
  private waits = new Set<NodeJS.Timeout>();
  private pass: Promise<void> | null = null;
  private closed = false;

  constructor(
    private store: Store,
    private lifecycle: Lifecycle,
    private backends: Record<string, Backend>,
    /** The first wait after a failed try; default a minute. */
    private stepMs = 60_000,
  ) {}

  /** Tries every kept job soon, then each again when its wait is over. Not at once: an engine started for
   *  one short command (`axon ls`) is closed before, and does not wait for a copy. */
  start(): void {
    const first = setTimeout(() => void this.tick(), Math.min(this.stepMs, FIRST_PASS_MS));
    first.unref?.();
    this.timer = setInterval(() => void this.tick(), this.stepMs);
    this.timer.unref?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const t of this.waits) clearTimeout(t);
    this.waits.clear();
    await this.pass;
  }

  /** One pass over the jobs whose wait is over (none while the previous pass still runs). */
  tick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.pass ??= this.tryAll()
      .catch((e) => log.warn(`kept outputs: ${(e as Error).message}`))
      .finally(() => (this.pass = null));
    return this.pass;
  }

  /**
   * Tries one experiment's kept outputs now, whatever their waits (someone asked: `experiments.fetchOutputs`),
   * after the pass in progress, never beside it. The problems that remain, one per job still not home; null
   * when the experiment has no outputs kept.
   */
  async now(experimentId: number): Promise<string[] | null> {
    while (this.pass) await this.pass;
    // (Taken at once, before any await: a pass that starts meanwhile waits for this one.)
    let problems: string[] | null = null;
    this.pass = (async () => {
      const jobs = (await this.store.jobs.withReason(OUTPUTS_KEPT)).filter(
        (j) => j.experiment_id === experimentId,
      );
      if (!jobs.length) return;
      problems = [];
      for (const j of jobs) {
        const p = await this.tryOne(j, this.due.get(j.id)?.failed ?? 0).catch((e: Error) => e.message);
        if (p) problems.push(`${j.role}-${j.replica_index}: ${p}`);
      }
    })().finally(() => (this.pass = null));
    await this.pass;
    return problems;
  }

  /** The experiments with outputs kept elsewhere that belong in `outputsDir` (a run and its resumes share it). */
  async keptFor(outputsDir: string): Promise<number[]> {
    const ids = new Set<number>();
    for (const j of await this.store.jobs.withReason(OUTPUTS_KEPT)) {
      const x = await this.store.experiments.row(j.experiment_id);
      if (recordedJob(x, j).outputsDir === outputsDir) ids.add(x.id);
    }
    return [...ids];
  }

  private async tryAll(): Promise<void> {
    for (const j of await this.store.jobs.withReason(OUTPUTS_KEPT)) {
      const d = this.due.get(j.id);
      if (d && d.at > Date.now()) continue;
      if (this.closed) return;
      // One job's trouble (its run deleted meanwhile) does not hold back the others.
      await this.tryOne(j, d?.failed ?? 0).catch((e) =>
        log.warn(`job ${j.id}: kept outputs: ${(e as Error).message}`),
      );
    }
  }

  /** One try at a job's kept outputs: the problem if they are still not home. */
  private async tryOne(j: JobRow, failed: number): Promise<string | null> {
    const x = await this.store.experiments.row(j.experiment_id);
    const backend = this.backends[x.backend];
    if (!backend?.fetchKept) return `the ${x.backend} backend cannot fetch kept outputs`;
    const kept = j.status_reason!.slice(j.status_reason!.indexOf(OUTPUTS_KEPT));
    const job = recordedJob(x, j);
    const r = await backend
      .fetchKept(job)
      .catch((e: unknown) => ({ problem: e instanceof Error ? e.message : String(e) }));
    if ('problem' in r) {
      const wait = this.stepMs * Math.min(2 ** failed, MAX_STEPS);
      this.due.set(j.id, { at: Date.now() + wait, failed: failed + 1 });
      // Its own pass when the wait is over, not the next of the minute's passes after it.
      const t = setTimeout(() => {
        this.waits.delete(t);
        void this.tick();
      }, wait + 10);
      t.unref?.();
      this.waits.add(t);
      log.debug(`job ${j.id}: kept outputs still not copied (${r.problem}); next try in ${wait / 1000} s`);
      return r.problem;
    }
    this.due.delete(j.id);
    const pod = jobHandle(j).pod ?? '?';
    if ('gone' in r) {
      // Nothing holds them any more (deleted by hand, perhaps after a `kubectl cp`): not tried again.
      const why = `outputs not copied; ${KEPT_POD_GONE} (${r.gone})`;
      await this.lifecycle.outputsHome(j.id, kept, why, false);
      return why;
    }
    await this.store.outputs.record(x.id, await listFiles(job.outputsDir));
    const home = `outputs copied later from the pod they were kept in, ${pod}`;
    const t = await this.lifecycle.outputsHome(j.id, kept, home, true);
    log.debug(
      `experiment ${x.id}: outputs kept in pod ${pod} copied home${t && t.to !== t.from ? `; ${t.to}` : ''}`,
    );
    return null;
  }
}
