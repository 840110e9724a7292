// Applies status changes through the store (which checks the transition table) and announces them.
// A refused transition is logged and changes nothing.
import type { Store } from '../store';
import type { EventBus } from '../events';
import type { ExperimentStatus, GroupStatus } from '../../../shared/statuses';
import type { GroupProgress } from '../../../shared/domain';
import type { GroupRow } from '../store/groups';
import { log } from '../log';

/** Status changes inside Lifecycle.transaction: true when applied. */
export interface StatusTx {
  experiment(
    id: number,
    to: ExperimentStatus,
    reason?: string | null,
    message?: string | null,
    finishedAt?: string | null,
    startedAt?: string | null,
  ): Promise<boolean>;
  job(
    id: number,
    to: ExperimentStatus,
    reason?: string | null,
    exitCode?: number | null,
    finishedAt?: string | null,
    startedAt?: string | null,
  ): Promise<boolean>;
}

export class Lifecycle {
  constructor(
    private store: Store,
    private events: EventBus,
  ) {}

  async experiment(
    id: number,
    to: ExperimentStatus,
    reason: string | null = null,
    message: string | null = null,
    startedAt: string | null = null,
  ) {
    const t = await this.store.statuses.experiment(id, to, reason, message, startedAt);
    if (!t.applied) {
      log.warn(
        `refused status change of experiment ${id}: ${t.from ?? 'none'} → ${to}${reason ? ` (${reason})` : ''}`,
      );
      return false;
    }
    // The event carries the whole experiment; with nobody listening (a headless sweep) it is not read.
    if (this.events.listenerCount('experiments.changed') > 0)
      this.events.emit('experiments.changed', {
        experiment: await this.store.experiments.get(id),
        previous: t.from,
      });
    return true;
  }

  /** Why an experiment is still `created` (waiting for capacity) or in another status: its reason,
   *  announced when it changed (the status itself, and its history, stay as they are). */
  async waiting(id: number, reason: string | null, status: ExperimentStatus = 'created') {
    if (!(await this.store.experiments.setWaiting(id, reason, status))) return;
    if (this.events.listenerCount('experiments.changed') > 0)
      this.events.emit('experiments.changed', {
        experiment: await this.store.experiments.get(id),
        previous: status,
      });
  }

  /**
   * Several status changes (and whatever else `fn` writes) in one transaction: a launch's or an ending's
   * changes cost one commit and one wait for the write lock instead of one each. Each refused change is logged
   * and skipped (the caller sees false); a change to the status the entity already has is skipped quietly.
   * Events follow the commit, one per experiment status change, in order.
   */
  async transaction<T>(fn: (tx: StatusTx) => Promise<T>): Promise<T> {
    const changes: Array<{
      id: number;
      from: ExperimentStatus | null;
      to: ExperimentStatus;
      reason: string | null;
      message: string | null;
    }> = [];
    const tx: StatusTx = {
      experiment: async (id, to, reason = null, message = null, finishedAt = null, startedAt = null) => {
        const t = await this.store.statuses.experimentIn(id, to, reason, message, finishedAt, startedAt);
        if (!t.applied) {
          if (t.from !== to)
            log.warn(
              `refused status change of experiment ${id}: ${t.from ?? 'none'} → ${to}${reason ? ` (${reason})` : ''}`,
            );
          return false;
        }
        changes.push({ id, from: t.from, to, reason, message });
        return true;
      },
      job: async (id, to, reason = null, exitCode = null, finishedAt = null, startedAt = null) => {
        const t = await this.store.statuses.jobIn(id, to, reason, { exitCode, finishedAt, startedAt });
        if (!t.applied && t.from !== to)
          log.warn(`refused status change of job ${id}: ${t.from ?? 'none'} → ${to}`);
        return t.applied;
      },
    };
    const out = await this.store.db.transaction(() => fn(tx));
    if (changes.length && this.events.listenerCount('experiments.changed') > 0) {
      const now = new Map<number, Awaited<ReturnType<Store['experiments']['get']>>>();
      for (const c of changes) {
        let x = now.get(c.id);
        if (!x) now.set(c.id, (x = await this.store.experiments.get(c.id)));
        // Each change as it was: the experiment with that change's status, reason and message.
        this.events.emit('experiments.changed', {
          experiment: { ...x, status: c.to, statusReason: c.reason, statusMessage: c.message },
          previous: c.from,
        });
      }
    }
    return out;
  }

  async job(
    id: number,
    to: ExperimentStatus,
    reason: string | null = null,
    exitCode: number | null = null,
    finishedAt: string | null = null,
    startedAt: string | null = null,
  ) {
    const t = await this.store.statuses.job(id, to, reason, { exitCode, finishedAt, startedAt });
    if (!t.applied) log.warn(`refused status change of job ${id}: ${t.from ?? 'none'} → ${to}`);
    return t.applied;
  }

  /** A job's kept outputs came home (Statuses.outputsHome): announced like a status change. */
  async outputsHome(jobId: number, kept: string, home: string, copied: boolean) {
    const t = await this.store.statuses.outputsHome(jobId, kept, home, copied);
    if (!t) return t;
    const x = await this.store.experiments.get(t.experimentId);
    if (this.events.listenerCount('experiments.changed') > 0)
      this.events.emit('experiments.changed', { experiment: x, previous: t.from });
    // A sweep's counts of succeeded and failed trials change with it.
    if (t.to !== t.from && x.groupId !== null) await this.announceGroup(x.groupId);
    return t;
  }

  async group(id: number, to: GroupStatus, message: string | null = null) {
    const t = await this.store.statuses.group(id, to, message);
    if (!t.applied) {
      log.debug(`refused status change of group ${id}: ${t.from ?? 'none'} → ${to}`);
      return false;
    }
    await this.announceGroup(id);
    return true;
  }

  /** groups.changed with the group as it is; `known`: its row and progress, read by the caller just now. */
  async announceGroup(id: number, known?: { row: GroupRow; progress: GroupProgress }) {
    if (this.events.listenerCount('groups.changed') === 0) return;
    this.events.emit('groups.changed', {
      group: known
        ? await this.store.groups.toGroup(known.row, known.progress)
        : await this.store.groups.toGroup(await this.store.groups.row(id)),
    });
  }
}
