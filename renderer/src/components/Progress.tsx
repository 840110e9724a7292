// A group's progress: a stacked bar (succeeded / failed / stopped / running / pending) and the counts.
import type { GroupProgress } from '../../../shared/domain';

export function Progress({ progress: p }: { progress: GroupProgress }) {
  const total = Math.max(1, p.total);
  const pct = (n: number) => `${(100 * n) / total}%`;
  const other = Math.max(0, p.done - p.succeeded - p.failed - p.stopped);
  const label = `${p.done} of ${p.total} done: ${p.succeeded} succeeded, ${p.failed} failed, ${p.stopped} stopped, ${p.running} running, ${p.pending} pending`;
  return (
    <div className="progress" title={label}>
      <div
        className="progress-bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={p.total}
        aria-valuenow={p.done}
        aria-label={label}
      >
        <span className="seg seg-success" style={{ width: pct(p.succeeded) }} />
        <span className="seg seg-danger" style={{ width: pct(p.failed) }} />
        <span className="seg seg-muted" style={{ width: pct(p.stopped + other) }} />
        <span className="seg seg-info" style={{ width: pct(p.running) }} />
      </div>
      <span className="small">
        {p.done}/{p.total}
        {p.running ? ` · ${p.running} running` : ''}
      </span>
    </div>
  );
}
