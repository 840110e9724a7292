// The code version an experiment ran: commit, branch, remote, dirty flag, and the uncommitted diff.
import type { CodeRef } from '../../../shared/domain';
import { DiffViewer } from '../components/DiffViewer';
import { Empty } from '../components/States';

export function CodeVersion({ code }: { code: CodeRef | null }) {
  if (!code)
    return (
      <Empty title="No code version recorded">
        Axon records the git commit (or a content hash) of the code folder when a run starts.
      </Empty>
    );
  return (
    <section aria-label="Code version" className="code-version">
      <dl className="props card">
        <dt>Kind</dt>
        <dd>{code.kind === 'git' ? 'git repository' : 'folder (no git): content hash'}</dd>
        {code.kind === 'git' ? (
          <>
            <dt>Commit</dt>
            <dd className="mono">{code.commit ?? 'no commit yet'}</dd>
            <dt>Branch</dt>
            <dd>{code.branch ?? <span className="muted">detached</span>}</dd>
            <dt>Remote</dt>
            <dd className="mono small">{code.remote ?? <span className="muted">none</span>}</dd>
            <dt>Working tree</dt>
            <dd>{code.dirty ? <span className="badge badge-warning">uncommitted changes</span> : 'clean'}</dd>
          </>
        ) : (
          <>
            <dt>Content hash</dt>
            <dd className="mono">{code.contentHash}</dd>
            <dt>Files</dt>
            <dd>{code.fileCount ?? '—'}</dd>
          </>
        )}
      </dl>
      {code.diff ? (
        <>
          <h2>Uncommitted changes</h2>
          {code.diffTruncated && <p className="muted small">The diff was cut at 1 MiB.</p>}
          <DiffViewer diff={code.diff} />
        </>
      ) : code.kind === 'git' && code.dirty ? (
        <p className="muted">The working tree had changes, but no diff was stored (untracked files only).</p>
      ) : null}
    </section>
  );
}
