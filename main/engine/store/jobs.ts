import type { Db } from './db';
import type { JobStatus } from '../../../shared/statuses';
import path from 'node:path';
import type { JobHandle, RecordedJob } from '../backends/backend';
import { runSpec, type ExperimentRow } from './experiments';
import { nextId } from './migrations';

/** The handle stored in a job row: a pid, a container id, or (Kubernetes) the pod with its context and
 *  namespace as JSON in `external_id`. */
export function jobHandle(j: Pick<JobRow, 'pid' | 'pid_start' | 'external_id'>): JobHandle {
  const h: JobHandle = { pid: j.pid ?? undefined, startTime: j.pid_start ?? undefined };
  if (j.external_id?.startsWith('{')) {
    const k = JSON.parse(j.external_id) as { pod: string; namespace: string; context: string; node?: string };
    return {
      ...h,
      pod: k.pod,
      namespace: k.namespace,
      context: k.context,
      ...(k.node ? { node: k.node } : {}),
    };
  }
  return { ...h, container: j.external_id ?? undefined };
}

/** A job row of experiment `x`, as a backend needs it to find the job again. */
export function recordedJob(
  x: Pick<ExperimentRow, 'id' | 'run_dir' | 'outputs_dir' | 'run_json'>,
  j: JobRow,
): RecordedJob {
  return {
    handle: jobHandle(j),
    runDir: x.run_dir,
    jobId: j.id,
    experimentId: x.id,
    role: j.role,
    index: j.replica_index,
    logPath: j.log_path,
    outputsDir: x.outputs_dir || path.join(x.run_dir, 'outputs'),
    run: runSpec(x),
  };
}

function externalId(h: JobHandle): string | null {
  if (h.pod) return JSON.stringify({ pod: h.pod, namespace: h.namespace, context: h.context, node: h.node });
  return h.container ?? null;
}

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
      `INSERT INTO jobs (id, experiment_id, role, replica_index, status, log_path) VALUES (${nextId('jobs')}, ?, ?, ?, 'created', ?)
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

  /** Jobs whose reason holds `words` (the engine's own, e.g. the backend's OUTPUTS_KEPT). */
  withReason(words: string): Promise<JobRow[]> {
    return this.db.all<JobRow>('SELECT * FROM jobs WHERE instr(status_reason, ?) > 0 ORDER BY id', [words]);
  }

  async ids(): Promise<number[]> {
    return (await this.db.all<{ id: number }>('SELECT id FROM jobs')).map((r) => r.id);
  }

  async get(id: number): Promise<JobRow | undefined> {
    return this.db.get<JobRow>('SELECT * FROM jobs WHERE id = ?', [id]);
  }

  /** Records how to find the job again: a process (pid + start time) or a container id. Call inside a
   *  transaction (the runner stores it with the job's `running`). */
  async setHandle(id: number, h: JobHandle): Promise<void> {
    await this.db.write('UPDATE jobs SET pid = ?, pid_start = ?, external_id = ? WHERE id = ?', [
      h.pid ?? null,
      h.startTime ?? null,
      externalId(h),
      id,
    ]);
  }
}
