import type { Db } from './db';
import type { JobStatus } from '../../../shared/statuses';

export interface JobRow {
  id: number;
  experiment_id: number;
  role: string;
  replica_index: number;
  status: JobStatus;
  status_reason: string | null;
  pid: number | null;
  pid_start: string | null;
  external_id: string | null;
  exit_code: number | null;
  log_path: string;
  started_at: string | null;
  finished_at: string | null;
}

export class Jobs {
  constructor(private db: Db) {}

  async insert(experimentId: number, role: string, index: number, logPath: string): Promise<number> {
    const [{ id }] = await this.db.all<{ id: number }>(
      `INSERT INTO jobs (experiment_id, role, replica_index, status, log_path) VALUES (?, ?, ?, 'created', ?)
       RETURNING id`,
      [experimentId, role, index, logPath],
    );
    this.db.memo()?.set(`jobs:${id}`, 'created');
    await this.db.write(
      `INSERT INTO status_history (entity, entity_id, status) VALUES ('job', ?, 'created')`,
      [id],
    );
    return id;
  }

  forExperiment(experimentId: number): Promise<JobRow[]> {
    return this.db.all<JobRow>('SELECT * FROM jobs WHERE experiment_id = ? ORDER BY id', [experimentId]);
  }

  async get(id: number): Promise<JobRow | undefined> {
    return this.db.get<JobRow>('SELECT * FROM jobs WHERE id = ?', [id]);
  }

  /** Records how to find the job again: a process (pid + start time) or a container id. Call inside a
   *  transaction (the runner stores it with the job's `running`). */
  async setHandle(id: number, h: { pid?: number; startTime?: string; container?: string }): Promise<void> {
    await this.db.write('UPDATE jobs SET pid = ?, pid_start = ?, external_id = ? WHERE id = ?', [
      h.pid ?? null,
      h.startTime ?? null,
      h.container ?? null,
      id,
    ]);
  }
}
