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
  exit_code: number | null;
  log_path: string;
  started_at: string | null;
  finished_at: string | null;
}

export class Jobs {
  constructor(private db: Db) {}

  async insert(experimentId: number, role: string, index: number, logPath: string): Promise<number> {
    const { lastID } = await this.db.run(
      `INSERT INTO jobs (experiment_id, role, replica_index, status, log_path) VALUES (?, ?, ?, 'created', ?)`,
      [experimentId, role, index, logPath],
    );
    await this.db.run(`INSERT INTO status_history (entity, entity_id, status) VALUES ('job', ?, 'created')`, [
      lastID,
    ]);
    return lastID;
  }

  forExperiment(experimentId: number): Promise<JobRow[]> {
    return this.db.all<JobRow>('SELECT * FROM jobs WHERE experiment_id = ? ORDER BY id', [experimentId]);
  }

  async get(id: number): Promise<JobRow | undefined> {
    return this.db.get<JobRow>('SELECT * FROM jobs WHERE id = ?', [id]);
  }

  async setProcess(id: number, pid: number, pidStart: string): Promise<void> {
    await this.db.transaction(() =>
      this.db.run('UPDATE jobs SET pid = ?, pid_start = ? WHERE id = ?', [pid, pidStart, id]),
    );
  }
}
