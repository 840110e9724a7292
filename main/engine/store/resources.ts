import type { Db } from './db';
import type { ResourceSample } from '../../../shared/domain';

interface Row {
  job_id: number;
  experiment_id: number;
  ts: number;
  cpu_percent: number | null;
  memory_bytes: number | null;
  memory_limit_bytes: number | null;
  net_rx_bytes: number | null;
  net_tx_bytes: number | null;
  block_read_bytes: number | null;
  block_write_bytes: number | null;
  gpus_json: string | null;
}

export class Resources {
  constructor(private db: Db) {}

  async insert(samples: ResourceSample[]): Promise<void> {
    if (!samples.length) return;
    await this.db.transaction(async () => {
      for (const s of samples)
        await this.db.run(`INSERT OR REPLACE INTO resources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
          s.jobId,
          s.experimentId,
          s.ts,
          s.cpuPercent,
          s.memoryBytes,
          s.memoryLimitBytes,
          s.netRxBytes,
          s.netTxBytes,
          s.blockReadBytes,
          s.blockWriteBytes,
          s.gpus ? JSON.stringify(s.gpus) : null,
        ]);
    });
  }

  async list(experimentId: number, since = 0): Promise<ResourceSample[]> {
    const rows = await this.db.all<Row>(
      'SELECT * FROM resources WHERE experiment_id = ? AND ts > ? ORDER BY ts, job_id',
      [experimentId, since],
    );
    return rows.map((r) => ({
      experimentId: r.experiment_id,
      jobId: r.job_id,
      ts: r.ts,
      cpuPercent: r.cpu_percent,
      memoryBytes: r.memory_bytes,
      memoryLimitBytes: r.memory_limit_bytes,
      netRxBytes: r.net_rx_bytes,
      netTxBytes: r.net_tx_bytes,
      blockReadBytes: r.block_read_bytes,
      blockWriteBytes: r.block_write_bytes,
      gpus: r.gpus_json ? JSON.parse(r.gpus_json) : null,
    }));
  }
}
