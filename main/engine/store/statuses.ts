// Status changes: checked against the transition table inside the same transaction that applies them,
// recorded in status_history with time, reason and message. A refused transition changes nothing.
import type { Db } from './db';
import {
  canTransition,
  canTransitionGroup,
  isDone,
  isGroupDone,
  type ExperimentStatus,
  type GroupStatus,
} from '../../../shared/statuses';
import type { StatusRecord } from '../../../shared/domain';

/** A status record's time: when the backend says it happened (a pod's container start or end, for a run that
 *  changed while no engine watched), else now; never before the entity's previous record, so the timeline
 *  stays in order (a run seen `unknown` first, then found ended earlier, shows its end at the `unknown`). */
/** Why a group whose experiments all ended without one success failed (queue.ts settles it so). */
export const EVERY_EXPERIMENT_FAILED = 'every experiment failed';

const AT = `CASE WHEN ? IS NULL THEN strftime('%Y-%m-%dT%H:%M:%fZ','now')
  ELSE MAX(?, COALESCE((SELECT MAX(at) FROM status_history WHERE entity = ? AND entity_id = ?), '')) END`;
function atParams(
  entity: 'experiment' | 'job',
  id: number,
  to: ExperimentStatus,
  startedAt: string | null | undefined,
  finishedAt: string | null | undefined,
): unknown[] {
  const t = to === 'running' ? startedAt : isDone(to) ? finishedAt : null;
  // The same format as strftime's (milliseconds, Z), so that the times compare as text.
  const iso = t && !Number.isNaN(Date.parse(t)) ? new Date(t).toISOString() : null;
  return [iso, iso, entity, id];
}

export interface Transition<S> {
  applied: boolean;
  from: S | null;
  to: S;
}

export class Statuses {
  constructor(private db: Db) {}

  async experiment(
    id: number,
    to: ExperimentStatus,
    reason: string | null = null,
    message: string | null = null,
    startedAt: string | null = null,
  ): Promise<Transition<ExperimentStatus>> {
    return this.db.transaction(() => this.experimentIn(id, to, reason, message, null, startedAt));
  }

  /** The same inside the caller's transaction (several changes committed together). */
  async experimentIn(
    id: number,
    to: ExperimentStatus,
    reason: string | null = null,
    message: string | null = null,
    /** When it really ended, if the backend knows (a pod's or container's state); else now. */
    finishedAt: string | null = null,
    /** When it really started, if the backend knows; else now on `running` (kept once set). */
    startedAt: string | null = null,
  ): Promise<Transition<ExperimentStatus>> {
    if (await this.ranUnseen('experiments', id, to, startedAt))
      await this.experimentIn(id, 'running', null, null, null, startedAt);
    const r = await this.current<ExperimentStatus>('experiments', id);
    if (!r) return { applied: false, from: null, to };
    if (!canTransition(r.status, to)) return { applied: false, from: r.status, to };
    this.db.memo()?.set(`experiments:${id}`, to);
    await this.db.write(
      `UPDATE experiments SET status = ?, status_reason = ?, status_message = ?,
         started_at = CASE WHEN started_at IS NOT NULL THEN started_at WHEN ? = 'running' THEN COALESCE(?, strftime('%Y-%m-%dT%H:%M:%fZ','now')) ELSE ? END,
         finished_at = CASE WHEN ? THEN COALESCE(?, strftime('%Y-%m-%dT%H:%M:%fZ','now')) ELSE finished_at END
       WHERE id = ?`,
      [to, reason, message, to, startedAt, startedAt, isDone(to) ? 1 : 0, finishedAt, id],
    );
    await this.db.write(
      `INSERT INTO status_history (entity, entity_id, status, reason, message, at) VALUES ('experiment', ?, ?, ?, ?, ${AT})`,
      [id, to, reason, message, ...atParams('experiment', id, to, startedAt, finishedAt)],
    );
    return { applied: true, from: r.status, to };
  }

  async job(
    id: number,
    to: ExperimentStatus,
    reason: string | null = null,
    fields: { exitCode?: number | null; finishedAt?: string | null; startedAt?: string | null } = {},
  ): Promise<Transition<ExperimentStatus>> {
    return this.db.transaction(() => this.jobIn(id, to, reason, fields));
  }

  /** The same inside the caller's transaction. */
  async jobIn(
    id: number,
    to: ExperimentStatus,
    reason: string | null = null,
    fields: { exitCode?: number | null; finishedAt?: string | null; startedAt?: string | null } = {},
  ): Promise<Transition<ExperimentStatus>> {
    if (await this.ranUnseen('jobs', id, to, fields.startedAt))
      await this.jobIn(id, 'running', null, { startedAt: fields.startedAt });
    const r = await this.current<ExperimentStatus>('jobs', id);
    if (!r) return { applied: false, from: null, to };
    if (!canTransition(r.status, to)) return { applied: false, from: r.status, to };
    this.db.memo()?.set(`jobs:${id}`, to);
    await this.db.write(
      `UPDATE jobs SET status = ?, status_reason = ?, exit_code = COALESCE(?, exit_code),
         started_at = CASE WHEN started_at IS NOT NULL THEN started_at WHEN ? = 'running' THEN COALESCE(?, strftime('%Y-%m-%dT%H:%M:%fZ','now')) ELSE ? END,
         finished_at = CASE WHEN ? THEN COALESCE(?, strftime('%Y-%m-%dT%H:%M:%fZ','now')) ELSE finished_at END
       WHERE id = ?`,
      [
        to,
        reason,
        fields.exitCode ?? null,
        to,
        fields.startedAt ?? null,
        fields.startedAt ?? null,
        isDone(to) ? 1 : 0,
        fields.finishedAt ?? null,
        id,
      ],
    );
    await this.db.write(
      `INSERT INTO status_history (entity, entity_id, status, reason, at) VALUES ('job', ?, ?, ?, ${AT})`,
      [id, to, reason, ...atParams('job', id, to, fields.startedAt, fields.finishedAt)],
    );
    return { applied: true, from: r.status, to };
  }

  async group(id: number, to: GroupStatus, message: string | null = null): Promise<Transition<GroupStatus>> {
    return this.db.transaction(async () => {
      const r = await this.db.get<{ status: GroupStatus }>(
        'SELECT status FROM experiment_groups WHERE id = ?',
        [id],
      );
      if (!r) return { applied: false, from: null, to };
      if (!canTransitionGroup(r.status, to)) return { applied: false, from: r.status, to };
      await this.db.run(
        `UPDATE experiment_groups SET status = ?, status_message = ?,
           started_at = CASE WHEN started_at IS NULL AND ? = 'running' THEN strftime('%Y-%m-%dT%H:%M:%fZ','now') ELSE started_at END,
           finished_at = CASE WHEN ? THEN strftime('%Y-%m-%dT%H:%M:%fZ','now') ELSE finished_at END
         WHERE id = ?`,
        [to, message, to, isGroupDone(to) ? 1 : 0, id],
      );
      await this.db.run(
        `INSERT INTO status_history (entity, entity_id, status, message) VALUES ('group', ?, ?, ?)`,
        [id, to, message],
      );
      return { applied: true, from: r.status, to };
    });
  }

  /**
   * A job whose outputs were kept where it ran (its reason ends with `kept`'s words, the backend's
   * OUTPUTS_KEPT…) has them home now, or (not `copied`) they are gone: its reason says `home` instead, and,
   * copied, a job that failed only for them succeeds after all, its experiment too once every job has succeeded. That is the one change out of a final
   * status (the transition table has none), recorded in the history like the others. Returns the experiment and
   * its status before and after, or null when the job's reason no longer holds `kept`. A group that had failed
   * for want of a single success is done once one of its experiments succeeds so.
   */
  async outputsHome(
    jobId: number,
    kept: string,
    home: string,
    copied: boolean,
  ): Promise<{ experimentId: number; from: ExperimentStatus; to: ExperimentStatus } | null> {
    return this.db.transaction(async () => {
      const j = await this.db.get<{
        experiment_id: number;
        status: ExperimentStatus;
        status_reason: string | null;
      }>('SELECT experiment_id, status, status_reason FROM jobs WHERE id = ?', [jobId]);
      const at = j?.status_reason?.indexOf(kept) ?? -1;
      if (!j || at < 0) return null;
      const before = j.status_reason!.slice(0, at);
      const succeeds = copied && !before && j.status === 'failed';
      await this.db.write('UPDATE jobs SET status = ?, status_reason = ? WHERE id = ?', [
        succeeds ? 'succeeded' : j.status,
        before + home,
        jobId,
      ]);
      this.db.memo()?.set(`jobs:${jobId}`, succeeds ? 'succeeded' : j.status);
      // In the history even when the status stays: the timeline says when the outputs came (or were lost).
      await this.db.write(
        `INSERT INTO status_history (entity, entity_id, status, reason) VALUES ('job', ?, ?, ?)`,
        [jobId, succeeds ? 'succeeded' : j.status, before + home],
      );
      const x = (await this.db.get<{ status: ExperimentStatus; status_reason: string | null }>(
        'SELECT status, status_reason FROM experiments WHERE id = ?',
        [j.experiment_id],
      ))!;
      const others = await this.db.all<{ status: ExperimentStatus }>(
        'SELECT status FROM jobs WHERE experiment_id = ? AND id != ?',
        [j.experiment_id, jobId],
      );
      const to =
        succeeds && x.status === 'failed' && others.every((o) => o.status === 'succeeded')
          ? 'succeeded'
          : x.status;
      const reason =
        to === 'succeeded'
          ? home
          : x.status_reason?.includes(kept)
            ? x.status_reason.replace(kept, home)
            : x.status_reason;
      await this.db.write('UPDATE experiments SET status = ?, status_reason = ? WHERE id = ?', [
        to,
        reason,
        j.experiment_id,
      ]);
      this.db.memo()?.set(`experiments:${j.experiment_id}`, to);
      if (to !== x.status || reason !== x.status_reason)
        await this.db.write(
          `INSERT INTO status_history (entity, entity_id, status, reason) VALUES ('experiment', ?, ?, ?)`,
          [j.experiment_id, to, reason],
        );
      // A group that failed because every experiment had has one that succeeded now: it is done.
      if (to === 'succeeded' && to !== x.status) {
        const g = await this.db.get<{ id: number; status: string; status_message: string | null }>(
          `SELECT g.id, g.status, g.status_message FROM experiment_groups g
             JOIN experiments e ON e.group_id = g.id WHERE e.id = ?`,
          [j.experiment_id],
        );
        if (g?.status === 'failed' && g.status_message === EVERY_EXPERIMENT_FAILED) {
          await this.db.write(
            `UPDATE experiment_groups SET status = 'done', status_message = NULL WHERE id = ?`,
            [g.id],
          );
          await this.db.write(
            `INSERT INTO status_history (entity, entity_id, status, message) VALUES ('group', ?, 'done', ?)`,
            [g.id, `experiment ${j.experiment_id} succeeded once its outputs were copied`],
          );
        }
      }
      return { experimentId: j.experiment_id, from: x.status, to };
    });
  }

  /** Whether an ending that comes with a start time was never seen running (a pod that ran and ended between
   *  two looks, or while no engine watched): its `running` goes into the history first, at that time. */
  private async ranUnseen(
    table: 'experiments' | 'jobs',
    id: number,
    to: ExperimentStatus,
    startedAt: string | null | undefined,
  ): Promise<boolean> {
    if (!startedAt || !isDone(to)) return false;
    const r = await this.current<ExperimentStatus>(table, id);
    return (
      !!r &&
      r.status !== 'running' &&
      r.status !== 'unknown' &&
      canTransition(r.status, 'running') &&
      canTransition('running', to)
    );
  }

  /**
   * An experiment's or job's status as this transaction knows it: read once, then what it wrote (nothing else
   * writes while it holds the lock), which saves a round trip per further change of the same row.
   */
  private async current<S>(table: 'experiments' | 'jobs', id: number): Promise<{ status: S } | undefined> {
    const memo = this.db.memo();
    const known = memo?.get(`${table}:${id}`) as S | undefined;
    if (known !== undefined) return { status: known };
    const r = await this.db.get<{ status: S }>(`SELECT status FROM ${table} WHERE id = ?`, [id]);
    if (r) memo?.set(`${table}:${id}`, r.status);
    return r;
  }

  history(entity: 'experiment' | 'job' | 'group', id: number): Promise<StatusRecord[]> {
    return this.db.all<StatusRecord>(
      'SELECT status, reason, message, at FROM status_history WHERE entity = ? AND entity_id = ? ORDER BY id',
      [entity, id],
    );
  }
}
