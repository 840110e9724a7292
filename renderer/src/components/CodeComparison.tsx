// Compare's code section: the first experiment is the base; choose another to see the diff between their
// commits and each one's uncommitted changes as recorded when it ran.
import { useState } from 'react';
import { call } from '../api';
import { useAsync } from '../lib/useAsync';
import { DiffViewer } from './DiffViewer';
import { ErrorState, Loading } from './States';

export function CodeComparison({ ids }: { ids: number[] }) {
  const [base, ...others] = ids;
  const [picked, setPicked] = useState(others[0]);
  const other = others.includes(picked) ? picked : others[0];
  const d = useAsync(() => call('experiments.codeDiff', { base, other }), [base, other]);

  return (
    <section className="card section" aria-labelledby="code-diff-title">
      <div className="section-head">
        <h2 id="code-diff-title">
          Code: #{base} → #{other}
        </h2>
        {others.length > 1 && (
          <label>
            Compare #{base} with{' '}
            <select value={other} onChange={(e) => setPicked(Number(e.target.value))}>
              {others.map((o) => (
                <option key={o} value={o}>
                  #{o}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {d.error ? (
        <ErrorState error={`The code could not be compared: ${d.error}`} onRetry={d.reload} />
      ) : !d.data ? (
        <Loading what="the code difference" />
      ) : (
        <>
          <p className="muted">
            {d.data.same ? 'The same code. ' : ''}
            {d.data.note ?? ''}
            {d.data.truncated ? ' The commit diff is cut at 1 MiB.' : ''}
          </p>
          {d.data.commitDiff ? (
            <>
              <h3>Between the commits</h3>
              <DiffViewer diff={d.data.commitDiff} />
            </>
          ) : null}
          {d.data.baseUncommitted ? (
            <>
              <h3>Uncommitted in #{base}</h3>
              <DiffViewer diff={d.data.baseUncommitted} />
            </>
          ) : null}
          {d.data.otherUncommitted ? (
            <>
              <h3>Uncommitted in #{other}</h3>
              <DiffViewer diff={d.data.otherUncommitted} />
            </>
          ) : null}
        </>
      )}
    </section>
  );
}
