// Starts pending experiments as capacity allows: a group's concurrency is honoured at every moment (counted
// from the experiments' real statuses, not a counter), and can change while the group runs.
import type { Store } from '../store';
import type { GroupRow } from '../store/groups';
import { EVERY_EXPERIMENT_FAILED } from '../store/statuses';
import type { ExperimentRow } from '../store/experiments';
import type { Runner } from './runner';
import type { Lifecycle } from './lifecycle';
import { log } from '../log';
import { GroupRunner, ITERATIVE, groupState, searchFinished } from '../sweeps/group-runner';

/** How soon the queue looks again when a backend held runs back for capacity. */
const HELD_RECHECK_MS = 2000;

export class Queue {
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  private groupRunner: GroupRunner;
  /** Organization quotas (auth/quota.ts): the experiments that must wait, with the reason. */
  quota: ((launch: ExperimentRow[]) => Promise<Map<number, string>>) | null = null;

  constructor(
    private store: Store,
    private runner: Runner,
    private lifecycle: Lifecycle,
  ) {
    this.groupRunner = new GroupRunner(store);
  }

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

  /** No new pass starts; the one running (if any) ends at its next step. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.running;
  }

  private async pass(): Promise<void> {
    const groups = await this.store.groups.rows({ status: ['created', 'running'] });
    for (const g of groups) {
      if (g.status !== 'running' || !ITERATIVE.has(g.algorithm)) continue;
      try {
        await this.groupRunner.advance(g);
      } catch (e) {
        await this.failGroup(g.id, e instanceof Error ? e.message : String(e));
        continue;
      }
      // A search that has just finished with nothing left running ends its group now.
      if (searchFinished(await this.store.groups.row(g.id))) await this.settleGroup(g.id);
    }
    // Only as many pending rows as there are free slots are read: a 1,000-experiment sweep would otherwise
    // read its whole queue on every pass.
    const launch = await this.store.experiments.pendingIn(null, 1_000_000);
    // The rows read above: a group its searcher settled meanwhile has no pending experiment left.
    for (const g of groups) {
      const p = await this.store.groups.progress(g.id);
      const free = g.concurrency - p.running;
      if (free <= 0 || p.pending === 0) continue;
      const next = await this.store.experiments.pendingIn(g.id, free);
      if (next.length && g.status === 'created') await this.lifecycle.group(g.id, 'running');
      launch.push(...next);
    }
    // A backend that knows its capacity (a cluster) holds back what would not fit: those wait as created with
    // the reason, and the queue looks again when something ends, or in 2 s (capacity freed elsewhere, or the
    // room of a pod that just ended, which a cluster gives back a moment later).
    // An organization over its quota waits first (every backend); what remains is offered to the backends.
    const overQuota = launch.length && this.quota ? await this.quota(launch) : new Map<number, string>();
    for (const [id, why] of overQuota) await this.lifecycle.waiting(id, why);
    const offered = launch.filter((x) => !overQuota.has(x.id));
    const held = offered.length ? await this.runner.admit(offered) : new Map<number, string>();
    for (const [id, why] of held) await this.lifecycle.waiting(id, why);
    if (held.size && !this.retry && !this.closed) {
      this.retry = setTimeout(() => {
        this.retry = null;
        void this.tick();
      }, HELD_RECHECK_MS);
      this.retry.unref?.();
    }
    const go = offered.filter((x) => !held.has(x.id));
    // Slots are counted above and taken here; passes never overlap, so none is handed out twice.
    if (go.length && !this.closed) await this.runner.launchMany(go);
  }

  /** After an experiment of a group ends: the group is done when every experiment is. `row`: just read. */
  async settleGroup(groupId: number, row?: GroupRow): Promise<void> {
    let g = row ?? (await this.store.groups.row(groupId));
    const p = await this.store.groups.progress(groupId);
    // An iterative search may still propose experiments: the next pass asks it.
    if (p.pending + p.running > 0 || (!searchFinished(g) && g.status === 'running')) {
      await this.lifecycle.announceGroup(groupId, { row: g, progress: p });
      return;
    }
    if (g.status === 'created') {
      await this.lifecycle.group(groupId, 'running');
      g = await this.store.groups.row(groupId);
    }
    if (g.status === 'stopping') await this.lifecycle.group(groupId, 'stopped', 'stopped by user');
    else if (g.status === 'running') {
      const st = groupState(g);
      if (p.succeeded > 0 || p.total === 0)
        await this.lifecycle.group(groupId, 'done', st.stoppedEarly ?? null);
      else if (st.stoppedByUser) await this.lifecycle.group(groupId, 'stopped', st.stoppedEarly ?? null);
      else await this.lifecycle.group(groupId, 'failed', EVERY_EXPERIMENT_FAILED);
    }
  }

  /** A group whose search cannot go on: its pending experiments are stopped with the reason. */
  async failGroup(groupId: number, message: string): Promise<void> {
    log.warn(`group ${groupId}: ${message}`);
    for (const x of await this.store.experiments.list({ groupId, status: 'created', limit: 1_000_000 }))
      await this.lifecycle.experiment(x.id, 'stopped', 'group failed', message);
    await this.lifecycle.group(groupId, 'failed', message);
  }
}
