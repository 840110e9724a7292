// The Events tab of a Kubernetes run: what the cluster recorded about its pods (experiments.events: scheduling,
// image pulls, starts, kills, back-offs), oldest first. Read again when the experiment changes (its status or
// reason, from engine events through the store) and on demand; nothing polls.
import { useMemo, useState } from 'react';
import type { Experiment, JobInfo } from '../../../shared/domain';
import { isDone } from '../../../shared/statuses';
import { call } from '../api';
import { useAsync } from '../lib/useAsync';
import { formatShortTime, formatTime } from '../lib/format';
import { Empty, ErrorState, Loading } from '../components/States';

export function ExperimentEvents({ experiment: x, jobs }: { experiment: Experiment; jobs: JobInfo[] }) {
  // Changes of the experiment that come with new events: its status, reason and message, its start and end.
  const version = [x.status, x.statusReason, x.statusMessage, x.startedAt, x.finishedAt].join('|');
  const events = useAsync(() => call('experiments.events', { id: x.id }), [x.id, version], [x.id]);
  const [replica, setReplica] = useState('');
  const replicas = useMemo(() => [...new Set(events.data?.map((e) => e.job) ?? [])].sort(), [events.data]);
  const shown = useMemo(
    () => (events.data ?? []).filter((e) => !replica || e.job === replica),
    [events.data, replica],
  );
  const warnings = shown.filter((e) => e.type === 'Warning').length;
  const hasPods = jobs.some((j) => j.pod);

  return (
    <section className="card" aria-labelledby="events-title">
      <div className="section-head">
        <h2 id="events-title">Pod events</h2>
        <div className="actions">
          {replicas.length > 1 && (
            <label className="check">
              Replica
              <select value={replica} onChange={(e) => setReplica(e.target.value)}>
                <option value="">all</option>
                {replicas.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button type="button" onClick={events.reload} disabled={events.loading}>
            {events.loading && events.data ? 'Reading…' : 'Refresh'}
          </button>
        </div>
      </div>
      <p className="muted small">
        What Kubernetes recorded about this experiment’s pods: scheduling, image pulls, starts, kills. The
        cluster keeps events for about an hour.
      </p>
      {events.error ? (
        <ErrorState error={`The events could not be read: ${events.error}`} onRetry={events.reload} />
      ) : !events.data ? (
        <Loading what="pod events" />
      ) : !events.data.length ? (
        <Empty
          title={
            hasPods
              ? 'No events recorded for these pods'
              : isDone(x.status)
                ? 'No pod was created for this run'
                : 'No pod yet'
          }
        >
          {hasPods
            ? 'Kubernetes keeps events for about an hour; older ones are gone.'
            : isDone(x.status)
              ? 'It ended before Axon created a pod; the status line says why.'
              : 'Events appear once Axon has created the pod (after the image is built and there is room).'}
        </Empty>
      ) : (
        <>
          <p className="small" role="status">
            {shown.length} event{shown.length === 1 ? '' : 's'}
            {warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}
          </p>
          <div className="table-scroll">
            <table className="table compact events-table" aria-labelledby="events-title">
              <thead>
                <tr>
                  <th scope="col">Last seen</th>
                  <th scope="col">Replica</th>
                  <th scope="col">Type</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Message</th>
                  <th scope="col" className="num">
                    Count
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((e, i) => (
                  <tr key={i}>
                    <td className="nowrap">
                      {e.lastSeen ? (
                        <time dateTime={e.lastSeen} title={formatTime(e.lastSeen)}>
                          {formatShortTime(e.lastSeen)}
                        </time>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td className="mono small" title={e.pod}>
                      {e.job}
                    </td>
                    <td>
                      <span className={`badge badge-${e.type === 'Warning' ? 'warning' : 'neutral'}`}>
                        {e.type || '—'}
                      </span>
                    </td>
                    <th scope="row">{e.reason || '—'}</th>
                    <td className="event-message">{e.message}</td>
                    <td className="num">{e.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
