// Applies status changes through the store (which checks the transition table) and announces them.
// A refused transition is logged and changes nothing.
import type { Store } from '../store';
import type { EventBus } from '../events';
import type { ExperimentStatus, GroupStatus } from '../../../shared/statuses';
import { log } from '../log';

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
  ) {
    const t = await this.store.statuses.experiment(id, to, reason, message);
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

  async job(id: number, to: ExperimentStatus, reason: string | null = null, exitCode: number | null = null) {
    const t = await this.store.statuses.job(id, to, reason, { exitCode });
    if (!t.applied) log.warn(`refused status change of job ${id}: ${t.from ?? 'none'} → ${to}`);
    return t.applied;
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

  async announceGroup(id: number) {
    if (this.events.listenerCount('groups.changed') === 0) return;
    this.events.emit('groups.changed', {
      group: await this.store.groups.toGroup(await this.store.groups.row(id)),
    });
  }
}
