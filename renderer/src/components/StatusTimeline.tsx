// The status history of an experiment (experiments.statuses), re-read whenever its status changes.
import { call } from '../api';
import { useAsync } from '../lib/useAsync';
import { StatusBadge } from './StatusBadge';
import { ErrorState, Loading } from './States';
import { formatDuration, formatTime } from '../lib/format';

export function StatusTimeline({ experimentId, status }: { experimentId: number; status: string }) {
  const h = useAsync(
    () => call('experiments.statuses', { id: experimentId }),
    [experimentId, status],
    [experimentId],
  );
  if (h.error) return <ErrorState error={`The statuses could not be read: ${h.error}`} onRetry={h.reload} />;
  if (!h.data) return <Loading what="statuses" />;
  return (
    <ol className="timeline" aria-label="Status history">
      {h.data.map((s, i) => {
        const next = h.data![i + 1];
        const took = next ? Date.parse(next.at) - Date.parse(s.at) : null;
        return (
          <li key={i}>
            <StatusBadge status={s.status} />
            <time dateTime={s.at}>{formatTime(s.at)}</time>
            {took != null && <span className="muted small"> · {formatDuration(took)}</span>}
            {(s.reason || s.message) && (
              <div className="small">
                {s.reason && <strong>{s.reason}</strong>}
                {s.reason && s.message ? ': ' : ''}
                {s.message}
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}
