// Live logs of one experiment: follow / pause, search (Enter: next match, Shift+Enter: previous), ANSI
// colours rendered or stripped, metric protocol lines hidden unless asked for, long lines wrapped or not.
// Virtualised, so 100,000+ lines scroll without freezing; as tall as the window allows.
//
// stdout and stderr are not told apart: every backend's run log holds them as one stream (a local job writes
// both to one file, Docker's two streams and a pod's log are joined line by line), so there is no stderr
// line to mark; the toolbar says so.
import { useEffect, useMemo, useState } from 'react';
import { VirtualLines } from './VirtualLines';
import { ErrorState, Loading } from './States';
import { useLogBuffer } from '../lib/useLogBuffer';
import { ansiSpans, stripAnsi } from '../lib/ansi';
import type { JobInfo } from '../../../shared/domain';
import { useFillHeight } from '../lib/useFillHeight';
import '../styles/runviews.css';

const WRAP_KEY = 'axon.logs.wrap';

interface Props {
  experimentId: number;
  /** The experiment's jobs: a distributed run gets a replica picker. */
  jobs?: JobInfo[];
  /** Where the full log lives on disk, for the "not all loaded" note. */
  logPath?: string;
}

export function LogViewer({ experimentId, jobs = [], logPath }: Props) {
  const [jobId, setJobId] = useState<number | undefined>(undefined);
  const job = jobs.find((j) => j.id === jobId) ?? jobs[0];
  const { buffer, version, loading, error } = useLogBuffer(experimentId, job?.id);
  const [follow, setFollow] = useState(true);
  const [colours, setColours] = useState(true);
  const [showTracking, setShowTracking] = useState(false);
  // Kept in this browser, like the theme: a reading preference.
  const [wrap, setWrap] = useState(() => localStorage.getItem(WRAP_KEY) === '1');
  const [box, height] = useFillHeight(56, 320);
  const [query, setQuery] = useState('');
  const [debounced, setDebounced] = useState('');
  const [matchAt, setMatchAt] = useState(0);

  useEffect(() => {
    const t = setTimeout(() => setDebounced(query), 150);
    return () => clearTimeout(t);
  }, [query]);

  // What is shown: every line, or every line but the metric protocol's; plus the unfinished last line.
  const partial = buffer.partial;
  const baseCount = showTracking ? buffer.lines.length : buffer.plain.length;
  const count = baseCount + (partial ? 1 : 0);
  const lineAt = (i: number): string => {
    if (i >= baseCount) return partial;
    return showTracking ? buffer.lines[i] : buffer.lines[buffer.plain[i]];
  };

  const matches = useMemo(() => {
    if (!debounced) return [] as number[];
    const q = debounced.toLowerCase();
    const out: number[] = [];
    for (let i = 0; i < count; i++) if (stripAnsi(lineAt(i)).toLowerCase().includes(q)) out.push(i);
    return out;
    // `version` stands for the buffer's contents, which are mutated in place.
  }, [debounced, version, showTracking, count]);
  const matchSet = useMemo(() => new Set(matches), [matches]);
  const current = matches.length ? matches[Math.min(matchAt, matches.length - 1)] : null;

  function step(delta: number) {
    if (!matches.length) return;
    setFollow(false);
    setMatchAt((m) => (m + delta + matches.length) % matches.length);
  }

  const notLoaded = buffer.droppedLines > 0 || buffer.skippedBytes > 0;

  return (
    <section className="logs" aria-label="Logs">
      <div className="toolbar" role="toolbar" aria-label="Log controls">
        {jobs.length > 1 && (
          <label>
            Replica{' '}
            <select value={job?.id} onChange={(e) => setJobId(Number(e.target.value))}>
              {jobs.map((j) => (
                <option key={j.id} value={j.id}>
                  {j.role}-{j.index} ({j.status})
                </option>
              ))}
            </select>
          </label>
        )}
        <button
          type="button"
          aria-pressed={follow}
          onClick={() => setFollow((f) => !f)}
          title="Keep the last line in view"
        >
          {follow ? 'Pause' : 'Follow'}
        </button>
        <label className="search">
          <span className="sr-only">Search the log</span>
          <input
            type="search"
            placeholder="Search the log"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setMatchAt(0);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                step(e.shiftKey ? -1 : 1);
              }
            }}
          />
        </label>
        <span className="muted" aria-live="polite">
          {debounced
            ? matches.length
              ? `${Math.min(matchAt, matches.length - 1) + 1} of ${matches.length}`
              : 'no match'
            : ''}
        </span>
        <button type="button" onClick={() => step(-1)} disabled={!matches.length} aria-label="Previous match">
          ↑
        </button>
        <button type="button" onClick={() => step(1)} disabled={!matches.length} aria-label="Next match">
          ↓
        </button>
        <label className="check">
          <input type="checkbox" checked={colours} onChange={(e) => setColours(e.target.checked)} /> Colours
        </label>
        <label className="check">
          <input type="checkbox" checked={showTracking} onChange={(e) => setShowTracking(e.target.checked)} />{' '}
          Metric lines
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={wrap}
            onChange={(e) => {
              setWrap(e.target.checked);
              localStorage.setItem(WRAP_KEY, e.target.checked ? '1' : '0');
            }}
          />{' '}
          Wrap lines
        </label>
        <span
          className="muted small"
          title="Axon's run logs hold stdout and stderr as one stream, in the order the job wrote them: local jobs write both to one file, and Docker's streams and a pod's log are joined line by line."
        >
          stdout and stderr together
        </span>
      </div>
      {notLoaded && (
        <p className="muted small">
          Showing the end of a long log
          {buffer.droppedLines ? ` (${buffer.droppedLines.toLocaleString()} earlier lines dropped)` : ''}.
          {job?.logPath
            ? ` The whole log is in ${job.logPath}.`
            : logPath
              ? ` The whole log is in ${logPath}.`
              : ''}
        </p>
      )}
      {error && <ErrorState error={`The log could not be read: ${error}`} />}
      {loading ? (
        <Loading what="the log" />
      ) : count === 0 ? (
        <div className="vlines vlines-empty" role="log" aria-label="Log output">
          <p className="muted">No output yet. Lines appear here as the job prints them.</p>
        </div>
      ) : (
        <div ref={box}>
          <VirtualLines
            label="Log output"
            count={count}
            version={version}
            follow={follow}
            scrollTo={current}
            onUserScroll={(atEnd) => setFollow(atEnd)}
            lineClass={(i) => (i === current ? 'match current' : matchSet.has(i) ? 'match' : undefined)}
            height={height}
            wrap={wrap}
            renderLine={(i) => {
              const line = lineAt(i);
              if (!colours) return stripAnsi(line);
              return ansiSpans(line).map((s, k) =>
                s.cls || s.color ? (
                  <span key={k} className={s.cls} style={s.color ? { color: s.color } : undefined}>
                    {s.text}
                  </span>
                ) : (
                  s.text
                ),
              );
            }}
          />
        </div>
      )}
      <p className="muted small" aria-live="off">
        {count.toLocaleString()} {count === 1 ? 'line' : 'lines'}
      </p>
    </section>
  );
}
