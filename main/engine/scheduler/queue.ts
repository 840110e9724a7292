// Starts pending experiments as capacity allows: a group's concurrency is honoured at every moment (counted
// from the experiments' real statuses, not a counter), and can change while the group runs.
import type { Store } from '../store';
import type { Runner } from './runner';
import type { Lifecycle } from './lifecycle';
import { log } from '../log';

export class Queue {
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(
    private store: Store,
    private runner: Runner,
    private lifecycle: Lifecycle,
  ) {}

  /** Schedules a pass; passes never overlap, so a slot is never handed out twice. */
  tick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.pass();
        } catch (e) {
          log.warn(`scheduler: ${e instanceof Error ? e.stack : e}`);
        }
      } while (this.again && !this.closed);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  close(): void {
    this.closed = true;
  }

  private async pass(): Promise<void> {
    const pending = await this.store.experiments.rowsWithStatus(['created']);
    const activeByGroup = new Map<number, number>();
    const groupRows = await this.store.groups.rows({ status: ['created', 'running'] });
    const groups = new Map(groupRows.map((g) => [g.id, g]));
    for (const g of groupRows) {
      const p = await this.store.groups.progress(g.id);
      activeByGroup.set(g.id, p.running);
    }
    for (const x of pending) {
      if (this.closed) return;
      if (x.group_id !== null) {
        const g = groups.get(x.group_id);
        if (!g) continue; // stopping or finished group: its pending experiments are handled by the stop
        const n = activeByGroup.get(g.id) ?? 0;
        if (n >= g.concurrency) continue;
        activeByGroup.set(g.id, n + 1);
        if (g.status === 'created') await this.lifecycle.group(g.id, 'running');
      }
      await this.runner.launch(x);
    }
  }

  /** After an experiment of a group ends: the group is done when every experiment is. */
  async settleGroup(groupId: number): Promise<void> {
    let g = await this.store.groups.row(groupId);
    const p = await this.store.groups.progress(groupId);
    if (p.pending + p.running > 0) {
      await this.lifecycle.announceGroup(groupId);
      return;
    }
    if (g.status === 'created') {
      await this.lifecycle.group(groupId, 'running');
      g = await this.store.groups.row(groupId);
    }
    if (g.status === 'stopping') await this.lifecycle.group(groupId, 'stopped', 'stopped by user');
    else if (g.status === 'running') {
      if (p.succeeded > 0 || p.total === 0) await this.lifecycle.group(groupId, 'done');
      else await this.lifecycle.group(groupId, 'failed', 'every experiment failed');
    }
  }
}
