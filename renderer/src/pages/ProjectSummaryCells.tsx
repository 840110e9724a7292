// The projects table's summary cells (projects.summaries): last activity and runs running now; the best
// result, labelled with its metric, which way is better, and where the metric comes from.
import { Link } from 'react-router-dom';
import type { ProjectSummary } from '../../../shared/api';
import { formatNumber, formatShortTime, formatTime } from '../lib/format';

export function ProjectActivity({ summary: s, createdAt }: { summary?: ProjectSummary; createdAt: string }) {
  return (
    <>
      <td data-cell="last-activity">
        {s?.lastActivityAt ? (
          <span
            title={`The latest start, end or creation of one of its experiments: ${formatTime(s.lastActivityAt)}`}
          >
            {formatShortTime(s.lastActivityAt)}
          </span>
        ) : (
          <span className="muted" title={`Created ${formatTime(createdAt)}`}>
            {s ? 'no runs yet' : '…'}
          </span>
        )}
      </td>
      <td className="num" data-cell="running">
        {s ? (
          <span
            title={`${s.running} running, ${s.active} active (scheduled, building, starting, running or waiting on a cluster)`}
          >
            {s.running}
            {s.active > s.running ? (
              <span className="muted small"> (+{s.active - s.running} starting)</span>
            ) : null}
          </span>
        ) : (
          '—'
        )}
      </td>
    </>
  );
}

export function ProjectBest({ summary: s }: { summary?: ProjectSummary }) {
  const b = s?.best;
  if (!b)
    return (
      <td data-cell="best">
        <span className="muted">{s ? 'no metric yet' : '…'}</span>
      </td>
    );
  const better = b.optimization === 'minimize' ? 'lowest' : 'highest';
  const why =
    b.basis === 'group'
      ? `the objective of group ${b.groupId}, its most recent group with a value`
      : `the metric most of its experiments report; ${b.optimization === 'minimize' ? 'lower' : 'higher'} is better, guessed from the name`;
  return (
    <td data-cell="best" title={`${better} last value of ${b.metric}: ${why}`}>
      <span className="muted small">
        {b.metric} ({better}
        {b.basis === 'group' ? `, group ${b.groupId}` : ''})
      </span>{' '}
      <Link
        to={`/experiments/${b.experimentId}`}
        aria-label={`${formatNumber(b.value)}, experiment ${b.experimentId}`}
      >
        <strong>{formatNumber(b.value)}</strong>
      </Link>
    </td>
  );
}
