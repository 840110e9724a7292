// The groups (sweeps) of a project, with their progress; live from groups.changed.
import { useEffect, useMemo } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { useGroups } from '../stores/groups';
import { StatusBadge } from '../components/StatusBadge';
import { ErrorState } from '../components/States';
import { Progress } from '../components/Progress';
import { formatShortTime } from '../lib/format';

const ITERATIVE = new Set(['hyperband', 'bo', 'tpe', 'asha']);

export function GroupsList({ project }: { project: string }) {
  const byId = useGroups((s) => s.byId);
  const state = useGroups((s) => s.projects[project]);
  const load = useGroups((s) => s.loadProject);
  const navigate = useNavigate();
  useEffect(() => {
    void load(project);
  }, [project, load]);
  const groups = useMemo(
    () =>
      Object.values(byId)
        .filter((g) => g.projectName === project)
        .sort((a, b) => b.id - a.id),
    [byId, project],
  );

  if (state?.status === 'error')
    return (
      <ErrorState error={`The groups could not be read: ${state.error}`} onRetry={() => load(project)} />
    );
  if (!groups.length) return null;
  return (
    <section aria-labelledby="groups-title" className="section">
      <h2 id="groups-title">Groups</h2>
      <div className="table-scroll">
        <table className="table" aria-label="Groups">
          <thead>
            <tr>
              <th scope="col" className="num">
                ID
              </th>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Search</th>
              <th scope="col">Progress</th>
              <th scope="col">Objective</th>
              <th scope="col" className="num">
                Best
              </th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr
                key={g.id}
                className="clickable"
                onClick={(e) => !(e.target as HTMLElement).closest('a,button') && navigate(`/groups/${g.id}`)}
              >
                <td className="num">
                  <Link to={`/groups/${g.id}`} aria-label={`Group ${g.id}`}>
                    {g.id}
                  </Link>
                </td>
                <td>{g.name ?? <span className="muted">—</span>}</td>
                <td>
                  <StatusBadge status={g.status} />
                </td>
                <td>
                  {g.algorithm}, concurrency {g.concurrency}
                </td>
                <td style={{ minWidth: 180 }}>
                  {/* Searches that make experiments as they go: the count is "so far" while they run. */}
                  <Progress
                    progress={g.progress}
                    searching={
                      ITERATIVE.has(g.algorithm) && ['created', 'running', 'stopping'].includes(g.status)
                    }
                  />
                </td>
                <td>
                  {g.metric ? (
                    `${g.metric.optimization} ${g.metric.name}`
                  ) : (
                    <span className="muted">none</span>
                  )}
                </td>
                <td className="num">
                  {g.bestExperimentId ? (
                    <Link to={`/experiments/${g.bestExperimentId}`}>#{g.bestExperimentId}</Link>
                  ) : (
                    '—'
                  )}
                </td>
                <td>{formatShortTime(g.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
