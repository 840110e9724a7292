// A group's progress: a stacked bar (succeeded / failed / stopped / running / pending) and the counts.
// `progress.total` counts the experiments made so far; a search that makes them round by round (hyperband)
// has more to come, so the bar and the count are out of its plan (`planned`), and a search that goes on
// without a plan says "so far". Between two rounds nothing runs: said, not shown as finished.
import type { GroupProgress } from '../../../shared/domain';

export function Progress({
  progress: p,
  planned = null,
  searching = false,
}: {
  progress: GroupProgress;
  /** The experiments the search will make in all, when it says in advance. */
  planned?: number | null;
  /** The search will still propose experiments. */
  searching?: boolean;
}) {
  const of = Math.max(p.total, planned ?? 0);
  const total = Math.max(1, of);
  const pct = (n: number) => `${(100 * n) / total}%`;
  const other = Math.max(0, p.done - p.succeeded - p.failed - p.stopped);
  const more = searching && planned === null;
  const between = searching && p.running === 0 && p.pending === 0;
  const counts = `${p.succeeded} succeeded, ${p.failed} failed, ${p.stopped} stopped, ${p.running} running, ${p.pending} pending`;
  const label = `${p.done} of ${of}${planned !== null ? ' planned' : ''}${more ? ' so far' : ''} done: ${counts}${between ? '; the search is proposing the next experiments' : ''}`;
  return (
    <div className="progress" title={label}>
      <div
        className="progress-bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={of}
        aria-valuenow={p.done}
        aria-label={label}
      >
        <span className="seg seg-success" style={{ width: pct(p.succeeded) }} />
        <span className="seg seg-danger" style={{ width: pct(p.failed) }} />
        <span className="seg seg-muted" style={{ width: pct(p.stopped + other) }} />
        <span className="seg seg-info" style={{ width: pct(p.running) }} />
      </div>
      <span className="small" data-progress>
        {p.done}/{of}
        {planned !== null && planned > p.total ? ' planned' : ''}
        {more ? ' so far' : ''}
        {p.running ? ` · ${p.running} running` : ''}
        {between ? ' · next round being proposed' : ''}
      </span>
    </div>
  );
}
