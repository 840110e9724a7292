import type { Db } from './db';
import type { Group, GroupProgress } from '../../../shared/domain';
import type { ExperimentStatus, GroupStatus } from '../../../shared/statuses';
import type { SearchSpec } from '../../../shared/polyaxonfile/types';
import { ApiError } from '../../../shared/api';
import { where } from './where';
import { nextId } from './migrations';
import { PROJECT_FULL_NAME } from './projects';
import { plannedExperiments } from '../sweeps/planned';

export interface GroupRow {
  id: number;
  project_id: number;
  project_name: string;
  name: string | null;
  status: GroupStatus;
  status_message: string | null;
  algorithm: SearchSpec['algorithm'];
  concurrency: number;
  search_json: string;
  spec_json: string;
  code_path: string;
  state_json: string | null;
  code_json: string | null;
  backend: string;
  target_json: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const SELECT = `SELECT g.*, ${PROJECT_FULL_NAME} AS project_name FROM experiment_groups g JOIN projects p ON p.id = g.project_id`;

export class Groups {
  constructor(private db: Db) {}

  /** Call inside a transaction. */
  async insert(g: {
    projectId: number;
    name: string | null;
    search: SearchSpec;
    spec: unknown;
    codePath: string;
    code: unknown;
    state: unknown;
    backend: string;
    target?: unknown;
  }) {
    const { lastID } = await this.db.run(
      `INSERT INTO experiment_groups (id, project_id, name, status, algorithm, concurrency, search_json, spec_json, code_path, code_json, state_json, backend, target_json)
       VALUES (${nextId('experiment_groups')}, ?, ?, 'created', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        g.projectId,
        g.name,
        g.search.algorithm,
        g.search.concurrency,
        JSON.stringify(g.search),
        JSON.stringify(g.spec),
        g.codePath,
        JSON.stringify(g.code),
        JSON.stringify(g.state),
        g.backend,
        g.target ? JSON.stringify(g.target) : null,
      ],
    );
    await this.db.run(
      `INSERT INTO status_history (entity, entity_id, status) VALUES ('group', ?, 'created')`,
      [lastID],
    );
    return lastID;
  }

  async row(id: number): Promise<GroupRow> {
    const r = await this.db.get<GroupRow>(`${SELECT} WHERE g.id = ?`, [id]);
    if (!r) throw new ApiError('not_found', `no experiment group with id ${id}`);
    return r;
  }

  rows(filter: { projectId?: number; status?: GroupStatus[] } = {}): Promise<GroupRow[]> {
    const w = where([
      filter.projectId !== undefined && ['g.project_id = ?', filter.projectId],
      !!filter.status && [`g.status IN (${filter.status.map(() => '?').join(',')})`, ...filter.status],
    ]);
    return this.db.all<GroupRow>(`${SELECT} ${w.sql} ORDER BY g.id DESC`, w.args);
  }

  /** Call inside a transaction. */
  /** The group and (by cascade) its experiments, with their jobs, params and metrics. */
  async delete(id: number): Promise<void> {
    await this.db.transaction(async () => {
      const ofGroup = 'SELECT id FROM experiments WHERE group_id = ?';
      await this.db.run(
        `DELETE FROM status_history WHERE entity = 'job' AND entity_id IN (SELECT id FROM jobs WHERE experiment_id IN (${ofGroup}))`,
        [id],
      );
      await this.db.run(
        `DELETE FROM status_history WHERE entity = 'experiment' AND entity_id IN (${ofGroup})`,
        [id],
      );
      await this.db.run(`DELETE FROM status_history WHERE entity = 'group' AND entity_id = ?`, [id]);
      await this.db.run('DELETE FROM experiment_groups WHERE id = ?', [id]);
    });
  }

  async setState(id: number, state: unknown): Promise<void> {
    await this.db.run('UPDATE experiment_groups SET state_json = ? WHERE id = ?', [
      JSON.stringify(state),
      id,
    ]);
  }

  async setConcurrency(id: number, concurrency: number): Promise<void> {
    await this.db.transaction(() =>
      this.db.run('UPDATE experiment_groups SET concurrency = ? WHERE id = ?', [concurrency, id]),
    );
  }

  async progress(id: number): Promise<GroupProgress> {
    const rows = await this.db.all<{ status: string; n: number }>(
      'SELECT status, count(*) AS n FROM experiments WHERE group_id = ? GROUP BY status',
      [id],
    );
    const p: GroupProgress = {
      total: 0,
      pending: 0,
      running: 0,
      succeeded: 0,
      failed: 0,
      stopped: 0,
      done: 0,
    };
    for (const { status, n } of rows) {
      p.total += n;
      if (status === 'created' || status === 'resuming') p.pending += n;
      else if (status === 'succeeded') p.succeeded += n;
      else if (status === 'failed' || status === 'upstream_failed') p.failed += n;
      else if (status === 'stopped' || status === 'skipped') p.stopped += n;
      else p.running += n;
    }
    p.done = p.succeeded + p.failed + p.stopped;
    return p;
  }

  /** The best experiment by the group's metric, of those that succeeded or still run (so far): one that failed
   *  or was stopped is never the best, whatever it reported before; one without the metric is left out. */
  async best(id: number, metric: string, optimization: 'maximize' | 'minimize'): Promise<number | null> {
    const r = await this.db.get<{ id: number }>(
      `SELECT e.id FROM experiments e JOIN last_metrics m ON m.experiment_id = e.id AND m.key = ?
       WHERE e.group_id = ? AND e.status IN ('succeeded', 'running') ORDER BY m.value ${optimization === 'maximize' ? 'DESC' : 'ASC'}, e.id LIMIT 1`,
      [metric, id],
    );
    return r?.id ?? null;
  }

  /** Each experiment of the group with its searcher meta (sweep_json) and the last value of `metric`. */
  sweepRows(
    id: number,
    metric: string,
  ): Promise<
    Array<{ id: number; status: ExperimentStatus; sweep_json: string | null; value: number | null }>
  > {
    return this.db.all(
      `SELECT e.id, e.status, e.sweep_json, m.value FROM experiments e
       LEFT JOIN last_metrics m ON m.experiment_id = e.id AND m.key = ?
       WHERE e.group_id = ? ORDER BY e.id`,
      [metric, id],
    );
  }

  async toGroup(r: GroupRow, progress?: GroupProgress): Promise<Group> {
    const search = JSON.parse(r.search_json) as SearchSpec;
    const metric = groupMetric(search);
    // A search ended early (early stopping, `group stop --pending`) plans nothing more, and says why while
    // its last experiments still run.
    const endedEarly = r.state_json
      ? (JSON.parse(r.state_json) as { stoppedEarly?: string }).stoppedEarly
      : undefined;
    return {
      id: r.id,
      projectId: r.project_id,
      projectName: r.project_name,
      name: r.name,
      status: r.status,
      statusMessage:
        r.status_message ?? (endedEarly && r.status === 'running' ? `search ended: ${endedEarly}` : null),
      algorithm: r.algorithm,
      concurrency: r.concurrency,
      metric,
      progress: progress ?? (await this.progress(r.id)),
      planned: endedEarly ? null : plannedExperiments(search),
      bestExperimentId: metric ? await this.best(r.id, metric.name, metric.optimization) : null,
      createdAt: r.created_at,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    };
  }
}

/** The group's objective: the algorithm's metric, else the first early-stopping metric. */
export function groupMetric(s: SearchSpec): Group['metric'] {
  if (s.metric) return s.metric;
  const es = s.earlyStopping.find((r) => r.metric);
  return es?.metric ? { name: es.metric, optimization: es.optimization ?? 'maximize' } : null;
}
