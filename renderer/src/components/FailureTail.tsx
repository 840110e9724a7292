// A failed run's overview starts with the end of its log: the traceback, usually, without opening the Logs
// tab. It says what it is: Axon's run logs hold stdout and stderr as one stream (the order the job wrote
// them in), so this is the end of the log, with a Python traceback marked where one is found.
import { Link } from 'react-router-dom';
import { call } from '../api';
import { useAsync } from '../lib/useAsync';
import { stripAnsi } from '../lib/ansi';
import type { Experiment } from '../../../shared/domain';
import { ErrorState, Loading } from './States';
import '../styles/runviews.css';

export const TAIL_LINES = 40;

export function FailureTail({ experiment: x }: { experiment: Experiment }) {
  // Read again when the run's ending is recorded (the log is drained by then).
  const tail = useAsync(
    () => call('experiments.logTail', { id: x.id, lines: TAIL_LINES }),
    [x.id, x.status, x.finishedAt],
  );
  const t = tail.data;
  return (
    <section className="card failure-tail" aria-labelledby="failure-title">
      <h2 id="failure-title">Why it failed</h2>
      <p>
        <strong>{x.statusReason ?? 'failed'}</strong>
        {x.statusMessage && x.statusMessage !== x.statusReason ? ` · ${x.statusMessage}` : ''}
      </p>
      {tail.error ? (
        <ErrorState error={`The end of the log could not be read: ${tail.error}`} onRetry={tail.reload} />
      ) : !t ? (
        <Loading what="the end of the log" />
      ) : !t.lines.length ? (
        <p className="muted">The job wrote nothing to its log.</p>
      ) : (
        <>
          <p className="muted small">
            The end of the log{t.replica && t.replica !== 'master-0' ? ` of ${t.replica}` : ''}
            {t.tracebackAt !== null ? ', from the traceback' : ''}: stdout and stderr together, as the job
            wrote them (Axon’s run logs keep both in one stream), metric lines left out.
            {t.omittedBefore ? ' Earlier lines are in the Logs tab.' : ''}
          </p>
          <pre className="tail-text" aria-label="The end of the log" tabIndex={0}>
            {t.lines.map((line, i) => (
              <span
                key={i}
                className={t.tracebackAt !== null && i >= t.tracebackAt ? 'tail-line traceback' : 'tail-line'}
              >
                {stripAnsi(line) || ' '}
              </span>
            ))}
          </pre>
        </>
      )}
      <p>
        <Link to={`/experiments/${x.id}?tab=logs`}>Open the whole log</Link>
      </p>
    </section>
  );
}
