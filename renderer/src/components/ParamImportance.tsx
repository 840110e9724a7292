// The sweep page's parameter importance: `groups.importance` (computed in the engine: the out-of-bag
// permutation importance of a random forest fitted on params → the objective) as bars, most important
// first, with the number of finished trials it used and how well the forest predicts the objective at all.
// Below ten finished trials it says so instead of drawing noise. Re-read when the finished count changes
// (throttled by the page).
import type { GroupImportance } from '../../../shared/api';
import type { Objective } from '../lib/objective';
import { call } from '../api';
import { useAsync, type AsyncState } from '../lib/useAsync';
import { formatNumber } from '../lib/format';
import '../styles/sweep.css';

const pct = (v: number) => `${Math.round(v * 100)}%`;

/** `groups.importance` for the objective, asked again when `finished` (the number of finished experiments)
 *  changes; the page holds it, as the scatter plot opens on the most important param. */
export function useParamImportance(
  groupId: number,
  objective: Objective | null,
  finished: number,
): AsyncState<GroupImportance | null> {
  return useAsync(
    async () => (objective ? call('groups.importance', { id: groupId, metric: objective.name }) : null),
    [groupId, objective?.name, finished],
    [groupId, objective?.name],
  );
}

export function ParamImportance({
  objective,
  importance: imp,
}: {
  objective: Objective;
  importance: AsyncState<GroupImportance | null>;
}) {
  const r = imp.data;
  return (
    <section className="card section param-importance" aria-labelledby="importance-title">
      <h2 id="importance-title">Parameter importance for {objective.name}</h2>
      {imp.error && !r ? (
        <p className="form-error">The importance could not be computed: {imp.error}</p>
      ) : !r ? (
        <p className="muted">Computing…</p>
      ) : !r.enough ? (
        <p className="muted importance-few" data-trials={r.trials}>
          Too few finished trials: parameter importance needs at least {r.minTrials} finished experiments with{' '}
          {objective.name}; {r.trials === 0 ? 'none yet' : `${r.trials} so far`}.
        </p>
      ) : (
        <>
          <ol className="importance-bars" aria-label={`Importance of each param for ${objective.name}`}>
            {r.params.map((p) => (
              <li key={p.name} data-param={p.name} data-importance={p.importance.toFixed(4)}>
                <span className="importance-name" title={p.kind === 'log' ? 'split on a log scale' : p.kind}>
                  {p.name}
                  {p.kind === 'log' ? <span className="muted"> (log)</span> : null}
                </span>
                <span className="importance-track" aria-hidden="true">
                  <span className="importance-bar" style={{ width: pct(p.importance) }} />
                </span>
                <span className="importance-value">{p.constant ? 'constant' : pct(p.importance)}</span>
              </li>
            ))}
          </ol>
          <p className="small muted importance-basis" data-trials={r.used}>
            From {r.used === r.trials ? r.trials : `${r.used} sampled of ${r.trials}`} finished trials:{' '}
            {r.method}
            {r.objectiveScale === 'log' ? ` (log ${objective.name}, which spans decades)` : ''}. Shares of the
            total; a param the objective ignores scores about 0.
            {r.fit !== null &&
              ` The forest explains ${pct(Math.max(0, r.fit))} of ${objective.name}'s variance (out-of-bag R² ${formatNumber(Number(r.fit.toFixed(3)))}).`}
          </p>
          {r.fit !== null && r.fit < 0.2 && (
            <p className="small importance-warning">
              The params predict little of {objective.name}: with this few trials, or this much noise, these
              bars are mostly chance.
            </p>
          )}
          {r.fit === null && (
            <p className="small muted">
              Every finished trial has the same {objective.name}: nothing to explain.
            </p>
          )}
        </>
      )}
    </section>
  );
}
