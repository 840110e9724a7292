import type { RunSpec } from '../backends/backend';
import type { Db } from './db';
import type { Experiment } from '../../../shared/domain';
import type { ExperimentStatus } from '../../../shared/statuses';
import { ApiError } from '../../../shared/api';
import type { ExperimentSort } from '../../../shared/experiment-page';
import { where } from './where';
import { nextId } from './migrations';
import { PROJECT_FULL_NAME } from './projects';

export interface ExperimentRow {
  id: number;
  project_id: number;
  project_name: string;
  group_id: number | null;
  name: string | null;
  status: ExperimentStatus;
  status_reason: string | null;
  status_message: string | null;
  backend: string;
  cmd: string | null;
  spec_json: string;
  code_path: string;
  run_dir: string;
  outputs_dir: string | null;
  sweep_json: string | null;
  run_json: string | null;
  image: string | null;
  original_id: number | null;
  cloning_strategy: Experiment['cloningStrategy'];
  exit_code: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface NewExperiment {
  projectId: number;
  groupId: number | null;
  name: string | null;
  backend: string;
  cmd: string | null;
  spec: unknown;
  params: Record<string, unknown>;
  tags: string[];
  codePath: string;
  originalId?: number | null;
  cloningStrategy?: Experiment['cloningStrategy'];
  /** What the experiment is to its group's searcher (config, bracket, round, resource). */
  sweep?: unknown;
  /** Reuse this outputs folder (resume). */
  outputsDir?: string | null;
  /** What the backend needs beyond the command: the rendered build, environment, framework. */
  run?: unknown;
}

const SELECT = `SELECT e.*, ${PROJECT_FULL_NAME} AS project_name FROM experiments e JOIN projects p ON p.id = e.project_id`;

/** What a list needs of a row: not the spec, sweep or run JSON (the bulk of a row, read per experiment). */
type ListRow = Omit<ExperimentRow, 'spec_json' | 'sweep_json' | 'run_json' | 'outputs_dir'>;
const LIST_SELECT = `SELECT e.id, e.project_id, ${PROJECT_FULL_NAME} AS project_name, e.group_id, e.name, e.status, e.status_reason,
  e.status_message, e.backend, e.cmd, e.code_path, e.run_dir, e.image, e.original_id, e.cloning_strategy,
  e.exit_code, e.created_at, e.started_at, e.finished_at
  FROM experiments e JOIN projects p ON p.id = e.project_id`;

const SORT_COLUMNS = {
  id: 'e.id',
  name: 'e.name',
  status: 'e.status',
  backend: 'e.backend',
  createdAt: 'e.created_at',
  startedAt: 'e.started_at',
  finishedAt: 'e.finished_at',
} as const;
const METRIC_STAT = { last: 'value', min: 'min_value', max: 'max_value' } as const;

export interface ListFilter {
  projectId?: number;
  groupId?: number;
  status?: string;
  belowId?: number;
}

export class Experiments {
  constructor(private db: Db) {}

  /** Inserts one experiment with its params, tags and `created` status. Call inside a transaction. */
  async insert(x: NewExperiment): Promise<number> {
    const { lastID } = await this.db.run(
      `INSERT INTO experiments (id, project_id, group_id, name, status, backend, cmd, spec_json, code_path, original_id, cloning_strategy, sweep_json, outputs_dir, run_json)
       VALUES (${nextId('experiments')}, ?, ?, ?, 'created', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        x.projectId,
        x.groupId,
        x.name,
        x.backend,
        x.cmd,
        JSON.stringify(x.spec),
        x.codePath,
        x.originalId ?? null,
        x.cloningStrategy ?? null,
        x.sweep === undefined ? null : JSON.stringify(x.sweep),
        x.outputsDir ?? null,
        x.run === undefined ? null : JSON.stringify(x.run),
      ],
    );
    // Sent with the next statement (in a sweep's creation, the next experiment's insert).
    for (const [k, v] of Object.entries(x.params))
      await this.db.write('INSERT INTO params (experiment_id, key, value_json) VALUES (?, ?, ?)', [
        lastID,
        k,
        JSON.stringify(v),
      ]);
    for (const t of new Set(x.tags))
      await this.db.write('INSERT INTO experiment_tags (experiment_id, tag) VALUES (?, ?)', [lastID, t]);
    await this.db.write(
      `INSERT INTO status_history (entity, entity_id, status, reason) VALUES ('experiment', ?, 'created', NULL)`,
      [lastID],
    );
    return lastID;
  }

  async row(id: number): Promise<ExperimentRow> {
    const r = await this.db.get<ExperimentRow>(`${SELECT} WHERE e.id = ?`, [id]);
    if (!r) throw new ApiError('not_found', `no experiment with id ${id} (see \`axon ps\`)`);
    return r;
  }

  async get(id: number): Promise<Experiment> {
    return (await this.hydrate([await this.row(id)]))[0];
  }

  /** An experiment's params alone (what a launch needs; get() also reads metrics and tags). */
  async params(id: number): Promise<Record<string, unknown>> {
    const rows = await this.db.all<{ key: string; value_json: string }>(
      'SELECT key, value_json FROM params WHERE experiment_id = ? ORDER BY source DESC',
      [id],
    );
    const out: Record<string, unknown> = {};
    for (const p of rows) out[p.key] = JSON.parse(p.value_json);
    return out;
  }

  async list(filter: ListFilter & { limit?: number }): Promise<Experiment[]> {
    const w = listWhere(filter);
    const sql = `${LIST_SELECT} ${w.sql} ORDER BY e.id DESC LIMIT ?`;
    const rows = await this.db.all<ListRow>(sql, [...w.args, filter.limit ?? 1000]);
    return this.hydrate(rows);
  }

  /**
   * One page in the order asked for, sorted in SQL (a metric's last, min or max, a param, or a column), and
   * how many the filters select in all.
   */
  async page(
    filter: ListFilter & { sort: ExperimentSort; offset: number; limit: number },
  ): Promise<{ items: Experiment[]; total: number; offset: number }> {
    const w = listWhere(filter);
    const { sort } = filter;
    const dir = sort.dir === 'asc' ? 'ASC' : 'DESC';
    let join = '';
    const joinArgs: unknown[] = [];
    let value: string;
    if (sort.by === 'metric') {
      join = 'LEFT JOIN last_metrics s ON s.experiment_id = e.id AND s.key = ?';
      joinArgs.push(sort.key);
      value = sort.stat === 'last' ? 's.value' : `COALESCE(s.${METRIC_STAT[sort.stat]}, s.value)`;
    } else if (sort.by === 'param') {
      join = 'LEFT JOIN params s ON s.experiment_id = e.id AND s.key = ?';
      joinArgs.push(sort.key);
      // Numbers as numbers (before text, as SQLite orders them), strings as their text.
      value = `(s.value_json ->> '$')`;
    } else value = SORT_COLUMNS[sort.by];
    const order = sort.by === 'id' ? `e.id ${dir}` : `${value} IS NULL, ${value} ${dir}, e.id ${dir}`;
    const [rows, count] = await Promise.all([
      this.db.all<ListRow>(`${LIST_SELECT} ${join} ${w.sql} ORDER BY ${order} LIMIT ? OFFSET ?`, [
        ...joinArgs,
        ...w.args,
        filter.limit,
        filter.offset,
      ]),
      this.db.get<{ n: number }>(`SELECT count(*) AS n FROM experiments e ${w.sql}`, w.args),
    ]);
    return { items: await this.hydrate(rows), total: count?.n ?? 0, offset: filter.offset };
  }

  async rowsWithStatus(statuses: readonly string[]): Promise<ExperimentRow[]> {
    return this.db.all<ExperimentRow>(
      `${SELECT} WHERE e.status IN (${statuses.map(() => '?').join(',')}) ORDER BY e.id`,
      [...statuses],
    );
  }

  /** The next `limit` experiments waiting to start, oldest first: of one group, or outside any group (null). */
  async pendingIn(groupId: number | null, limit: number): Promise<ExperimentRow[]> {
    return this.db.all<ExperimentRow>(
      `${SELECT} WHERE e.status = 'created' AND ${groupId === null ? 'e.group_id IS NULL' : 'e.group_id = ?'}
       ORDER BY e.id LIMIT ?`,
      groupId === null ? [limit] : [groupId, limit],
    );
  }

  async update(
    id: number,
    fields: Partial<Pick<ExperimentRow, 'run_dir' | 'outputs_dir' | 'exit_code' | 'cmd' | 'image'>>,
  ) {
    const keys = Object.keys(fields);
    if (!keys.length) return;
    await this.db.write(`UPDATE experiments SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE id = ?`, [
      ...keys.map((k) => (fields as Record<string, unknown>)[k]),
      id,
    ]);
  }

  /** The reason an experiment is still in `status` (a `created` one waits for capacity, a `starting` pod gets
   *  a resume's outputs); true when it changed. */
  async setWaiting(id: number, reason: string | null, status = 'created'): Promise<boolean> {
    const r = await this.db.run(
      `UPDATE experiments SET status_reason = ? WHERE id = ? AND status = ? AND status_reason IS NOT ?`,
      [reason, id, status, reason],
    );
    return r.changes > 0;
  }

  async delete(id: number): Promise<void> {
    await this.db.transaction(async () => {
      await this.db.run(`DELETE FROM status_history WHERE entity IN ('experiment') AND entity_id = ?`, [id]);
      await this.db.run(
        `DELETE FROM status_history WHERE entity = 'job' AND entity_id IN (SELECT id FROM jobs WHERE experiment_id = ?)`,
        [id],
      );
      await this.db.run('DELETE FROM experiments WHERE id = ?', [id]);
    });
  }

  /** Adds params, last (and min, max) metrics and tags to rows, with one query each for the whole list. */
  async hydrate(rows: ListRow[]): Promise<Experiment[]> {
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id);
    const inList = ids.map(() => '?').join(',');
    const params = await this.db.all<{ experiment_id: number; key: string; value_json: string }>(
      `SELECT experiment_id, key, value_json FROM params WHERE experiment_id IN (${inList}) ORDER BY source DESC`,
      ids,
    );
    const metrics = await this.db.all<{
      experiment_id: number;
      key: string;
      value: number;
      min_value: number | null;
      max_value: number | null;
    }>(
      `SELECT experiment_id, key, value, min_value, max_value FROM last_metrics WHERE experiment_id IN (${inList})`,
      ids,
    );
    const tags = await this.db.all<{ experiment_id: number; tag: string }>(
      `SELECT experiment_id, tag FROM experiment_tags WHERE experiment_id IN (${inList})`,
      ids,
    );
    const by = new Map<number, Experiment>();
    const out = rows.map((r) => {
      const x: Experiment = {
        id: r.id,
        projectId: r.project_id,
        projectName: r.project_name,
        groupId: r.group_id,
        name: r.name,
        status: r.status,
        statusReason: r.status_reason,
        statusMessage: r.status_message,
        backend: r.backend,
        image: r.image,
        cmd: r.cmd,
        params: {},
        tags: [],
        runDir: r.run_dir,
        codePath: r.code_path,
        originalId: r.original_id,
        cloningStrategy: r.cloning_strategy,
        exitCode: r.exit_code,
        createdAt: r.created_at,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        lastMetrics: {},
        minMetrics: {},
        maxMetrics: {},
      };
      by.set(r.id, x);
      return x;
    });
    for (const p of params) by.get(p.experiment_id)!.params[p.key] = JSON.parse(p.value_json);
    for (const m of metrics) {
      const x = by.get(m.experiment_id)!;
      x.lastMetrics[m.key] = m.value;
      x.minMetrics[m.key] = m.min_value ?? m.value;
      x.maxMetrics[m.key] = m.max_value ?? m.value;
    }
    for (const t of tags) by.get(t.experiment_id)!.tags.push(t.tag);
    return out;
  }
}

function listWhere(filter: ListFilter) {
  return where([
    filter.projectId !== undefined && ['e.project_id = ?', filter.projectId],
    filter.groupId !== undefined && ['e.group_id = ?', filter.groupId],
    filter.status !== undefined && ['e.status = ?', filter.status],
    filter.belowId !== undefined && ['e.id < ?', filter.belowId],
  ]);
}

/** The run an experiment row recorded (build, environment, framework, kube target); `{}` for none. */
export function runSpec(x: Pick<ExperimentRow, 'run_json'>): RunSpec {
  return x.run_json ? (JSON.parse(x.run_json) as RunSpec) : {};
}
