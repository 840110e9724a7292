import type { Db } from './db';

export interface OutputFile {
  path: string; // relative to the run's outputs folder
  size: number;
}

export class Outputs {
  constructor(private db: Db) {}

  /** Replaces the recorded list of a run's output files. */
  async record(experimentId: number, files: OutputFile[]): Promise<void> {
    await this.db.transaction(() => this.recordIn(experimentId, files));
  }

  /** The same inside the caller's transaction. */
  async recordIn(experimentId: number, files: OutputFile[]): Promise<void> {
    await this.db.write('DELETE FROM outputs WHERE experiment_id = ?', [experimentId]);
    for (const f of files)
      await this.db.write('INSERT INTO outputs (experiment_id, path, size) VALUES (?, ?, ?)', [
        experimentId,
        f.path,
        f.size,
      ]);
  }

  list(experimentId: number): Promise<OutputFile[]> {
    return this.db.all<OutputFile>('SELECT path, size FROM outputs WHERE experiment_id = ? ORDER BY path', [
      experimentId,
    ]);
  }
}
