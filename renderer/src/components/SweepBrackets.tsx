// Hyperband's brackets (or ASHA's rungs): one row per bracket, its rounds in columns by resource, each round
// with n configurations × resource and its experiments as small cells coloured by status (the status word is
// in each cell's name and title; failed and stopped cells carry a mark too), promoted configurations marked ▲,
// the round hyperband waits for outlined and labelled. A cell opens its experiment; within a round the
// arrow keys move between cells, so the whole view is a few tab stops.
import { useMemo, type KeyboardEvent } from 'react';
import { Link } from 'react-router-dom';
import type { GroupSweep } from '../../../shared/api';
import type { ExperimentStatus } from '../../../shared/statuses';
import { bracketLayout, statusTone, type BracketCell, type RoundBox } from '../lib/brackets';
import { formatNumber } from '../lib/format';

interface Props {
  sweep: GroupSweep;
  /** The store's current status and metric of an experiment (events keep it fresh). */
  live(id: number): { status: ExperimentStatus; value: number | null } | undefined;
}

const MARK: Partial<Record<string, string>> = { danger: '✕', muted: '–', warning: '!' };
const MAX_PLACEHOLDERS = 40;

export function SweepBrackets({ sweep, live }: Props) {
  const layout = useMemo(() => bracketLayout(sweep, live), [sweep, live]);
  const asha = sweep.algorithm === 'asha';
  const res = sweep.resource?.name ?? 'resource';
  const metric = sweep.metric?.name;
  return (
    <section className="card section" aria-labelledby="brackets-title">
      <div className="section-head">
        <h2 id="brackets-title">{asha ? 'ASHA rungs' : 'Hyperband brackets'}</h2>
        <p className="small muted">
          η = {sweep.eta} · resource {res}
          {sweep.searchFinished ? ' · search finished' : ''}
        </p>
      </div>
      <div
        className="brackets"
        style={{
          gridTemplateColumns: `minmax(110px, max-content) repeat(${layout.columns.length}, minmax(0, 1fr))`,
        }}
      >
        <div className="brackets-corner small muted">{res} →</div>
        {layout.columns.map((r) => (
          <div key={r} className="brackets-colhead small muted">
            {res} {formatNumber(r)}
          </div>
        ))}
        {layout.rows.map((b) => (
          <div
            key={b.index}
            className="bracket-row"
            role="group"
            aria-label={
              asha
                ? `Rungs: ${b.rounds.map((r) => `${r.cells.length} reached ${res} ${formatNumber(r.resource)}`).join(', ')}`
                : `Bracket ${b.index + 1} (s = ${b.s}): ${b.rounds.map((r) => `${r.n}×${formatNumber(r.resource)}`).join(' → ')}`
            }
            style={{ gridColumn: `1 / span ${layout.columns.length + 1}` }}
          >
            <div className="bracket-label">
              <strong>{asha ? 'Rungs' : `Bracket ${b.index + 1}`}</strong>
              <span className="small muted">
                {asha ? `${b.configs} configurations` : `s = ${b.s} · ${b.configs} configurations`}
              </span>
            </div>
            {layout.columns.map((_, col) => {
              const r = b.rounds.find((x) => x.column === col);
              return r ? (
                <Round
                  key={col}
                  box={r}
                  asha={asha}
                  bracket={b.index}
                  resName={res}
                  metric={metric}
                  last={r.round === b.rounds.length - 1}
                />
              ) : (
                <div key={col} className="round-empty" aria-hidden="true" />
              );
            })}
          </div>
        ))}
      </div>
      <ul className="brackets-legend small" aria-label="Legend">
        <li>
          <span className="bcell tone-pending" aria-hidden="true" /> pending
        </li>
        <li>
          <span className="bcell tone-running" aria-hidden="true" /> running
        </li>
        <li>
          <span className="bcell tone-success" aria-hidden="true" /> succeeded
        </li>
        <li>
          <span className="bcell tone-danger" aria-hidden="true">
            ✕
          </span>{' '}
          failed
        </li>
        <li>
          <span className="bcell tone-muted" aria-hidden="true">
            –
          </span>{' '}
          stopped
        </li>
        <li>
          <span className="bcell tone-success promoted" aria-hidden="true">
            ▲
          </span>{' '}
          promoted to the next {asha ? 'rung' : 'round'}
        </li>
        <li>
          <span className="bcell placeholder" aria-hidden="true" /> not created yet
        </li>
        {!asha && (
          <li>
            <span className="legend-current" aria-hidden="true" /> the round running now
          </li>
        )}
      </ul>
    </section>
  );
}

function Round({
  box,
  asha,
  bracket,
  resName,
  metric,
  last,
}: {
  box: RoundBox;
  asha: boolean;
  bracket: number;
  resName: string;
  metric?: string;
  last: boolean;
}) {
  const promoted = box.cells.filter((c) => c.promoted).length;
  const label = asha
    ? `Rung ${box.round + 1}: ${resName} ${formatNumber(box.resource)}, ${box.cells.length} reached (at most ${box.n}), ${box.done} done`
    : `Bracket ${bracket + 1}, round ${box.round + 1}: ${box.n} configurations × ${resName} ${formatNumber(box.resource)}, ${box.done} of ${box.n} done${box.current ? ', running now' : ''}`;
  const placeholders = Math.min(box.toCome, MAX_PLACEHOLDERS);
  return (
    <div
      className={`round${box.current ? ' current' : ''}${box.active ? ' active' : ''}`}
      role="group"
      aria-label={label}
      data-bracket={bracket}
      data-round={box.round}
    >
      <div className="round-head">
        <span className="round-size">
          {asha ? `${box.cells.length} / ≤${box.n}` : `${box.n} × ${formatNumber(box.resource)}`}
        </span>
        <span className="small muted">
          {box.done}/{asha ? box.cells.length : box.n} done
        </span>
        {box.current && <span className="round-now small">now</span>}
      </div>
      <div className="round-cells" onKeyDown={moveFocus}>
        {box.cells.map((c, i) => (
          <Cell key={c.id} cell={c} first={i === 0} metric={metric} asha={asha} />
        ))}
        {Array.from({ length: placeholders }, (_, i) => (
          <span key={`p${i}`} className="bcell placeholder" aria-hidden="true" />
        ))}
      </div>
      {(box.toCome > 0 || (!last && promoted > 0)) && (
        <p className="round-foot small muted">
          {box.toCome > 0 && `${box.toCome} to come`}
          {box.toCome > 0 && !last && promoted > 0 && ' · '}
          {!last && promoted > 0 && `${promoted} promoted`}
        </p>
      )}
    </div>
  );
}

function Cell({
  cell,
  first,
  metric,
  asha,
}: {
  cell: BracketCell;
  first: boolean;
  metric?: string;
  asha: boolean;
}) {
  const tone = statusTone(cell.status);
  const words = [
    `Experiment ${cell.id}`,
    cell.status.replace('_', ' '),
    metric && cell.value !== null ? `${metric} ${formatNumber(cell.value)}` : null,
    cell.config !== null ? `configuration ${cell.config}` : null,
    cell.promoted ? `promoted to the next ${asha ? 'rung' : 'round'}` : null,
  ].filter(Boolean);
  return (
    <Link
      to={`/experiments/${cell.id}`}
      className={`bcell tone-${tone}${cell.promoted ? ' promoted' : ''}`}
      data-status={cell.status}
      data-id={cell.id}
      aria-label={words.join(', ')}
      title={words.join(', ')}
      tabIndex={first ? 0 : -1}
    >
      {cell.promoted ? '▲' : (MARK[tone] ?? '')}
    </Link>
  );
}

/** ←/→/↑/↓/Home/End move between the cells of one round (one tab stop per round). */
function moveFocus(e: KeyboardEvent<HTMLDivElement>) {
  const cells = [...e.currentTarget.querySelectorAll<HTMLAnchorElement>('a.bcell')];
  const i = cells.indexOf(document.activeElement as HTMLAnchorElement);
  if (i < 0) return;
  const next =
    e.key === 'ArrowRight' || e.key === 'ArrowDown'
      ? Math.min(cells.length - 1, i + 1)
      : e.key === 'ArrowLeft' || e.key === 'ArrowUp'
        ? Math.max(0, i - 1)
        : e.key === 'Home'
          ? 0
          : e.key === 'End'
            ? cells.length - 1
            : -1;
  if (next < 0) return;
  e.preventDefault();
  cells[i].tabIndex = -1;
  cells[next].tabIndex = 0;
  cells[next].focus();
}
