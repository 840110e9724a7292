import type { Db } from './db';
import type { CodeRef } from '../../../shared/domain';

interface CodeRefRow {
  kind: 'git' | 'hash';
  commit_sha: string | null;
  branch: string | null;
  remote: string | null;
  dirty: number;
  diff: string | null;
  diff_truncated: number;
  content_hash: string | null;
  file_count: number | null;
}

export class CodeRefs {
  constructor(private db: Db) {}

  /** Call inside a transaction (with the experiment's insert). */
  async insert(experimentId: number, c: CodeRef): Promise<void> {
    await this.db.write(
      `INSERT INTO code_refs (experiment_id, kind, commit_sha, branch, remote, dirty, diff, diff_truncated, content_hash, file_count)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        experimentId,
        c.kind,
        c.commit,
        c.branch,
        c.remote,
        c.dirty ? 1 : 0,
        c.diff,
        c.diffTruncated ? 1 : 0,
        c.contentHash,
        c.fileCount,
      ],
    );
  }

  /** The code version the run really started with, in place of the one read when it was created. */
  async replace(experimentId: number, c: CodeRef): Promise<void> {
    await this.db.transaction(async () => {
      await this.db.write('DELETE FROM code_refs WHERE experiment_id = ?', [experimentId]);
      await this.insert(experimentId, c);
    });
  }

  async get(experimentId: number): Promise<CodeRef | null> {
    const r = await this.db.get<CodeRefRow>('SELECT * FROM code_refs WHERE experiment_id = ?', [
      experimentId,
    ]);
    if (!r) return null;
    return {
      kind: r.kind,
      commit: r.commit_sha,
      branch: r.branch,
      remote: r.remote,
      dirty: !!r.dirty,
      diff: r.diff,
      diffTruncated: !!r.diff_truncated,
      contentHash: r.content_hash,
      fileCount: r.file_count,
    };
  }
}
