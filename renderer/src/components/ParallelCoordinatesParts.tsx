// The parts of the parallel coordinates chart: an axis with its ticks and brush, the colour legend, and the
// form that sets brushes by typing (the keyboard's way to filter).
import { useEffect, useState, type FormEvent } from 'react';
import { formatNumber } from '../lib/format';
import { objectiveShortLabel } from '../lib/objective';
import {
  brushFromValues,
  position,
  rampColor,
  ticks,
  valueAt,
  type Brush,
  type PcAxis,
} from '../lib/parcoords';

/** How far from an axis (px) a pointer still grabs it. */
export const AXIS_GRAB = 14;

export function AxisView({
  axis,
  x,
  top,
  height,
  brush,
  yOf,
  optimization,
}: {
  axis: PcAxis;
  x: number;
  top: number;
  height: number;
  brush?: Brush;
  yOf: (p: number) => number;
  optimization: 'maximize' | 'minimize' | null;
}) {
  const ts = ticks(axis, Math.max(3, Math.floor(height / 55)));
  // The metric axis is the group's objective: the last value, better one way (lib/objective.ts).
  const title =
    axis.isMetric && optimization
      ? objectiveShortLabel({ name: axis.label, optimization })
      : axis.isMetric
        ? `${axis.label} (last)`
        : axis.label;
  return (
    <g className={`pc-axis${axis.isMetric ? ' pc-metric' : ''}`} data-axis={axis.key}>
      <rect className="pc-grab" x={x - AXIS_GRAB} y={top - 6} width={AXIS_GRAB * 2} height={height + 12} />
      <line x1={x} x2={x} y1={top} y2={top + height} className="pc-axis-line" />
      {ts.map((t) => (
        <g key={`${t.label}:${t.p}`}>
          <line x1={x - 4} x2={x} y1={yOf(t.p)} y2={yOf(t.p)} className="pc-tick" />
          {/* A plate under the label: a halo alone is lost under a hundred lines. */}
          <rect
            className="pc-tick-plate"
            x={x - 9 - t.label.length * 6.6}
            y={yOf(t.p) - 8}
            width={t.label.length * 6.6 + 4}
            height={16}
            rx={3}
          />
          <text x={x - 7} y={yOf(t.p)} dy="0.32em" textAnchor="end" className="pc-tick-label">
            {t.label}
          </text>
        </g>
      ))}
      <text
        x={axis.isMetric ? x + 56 : x}
        y={top - 14}
        textAnchor={axis.isMetric ? 'end' : 'middle'}
        className="pc-axis-title"
      >
        {title}
        {axis.scale === 'log' ? ' · log' : ''}
      </text>
      {brush && (
        <rect
          className="pc-brush"
          data-brush={axis.key}
          x={x - 8}
          width={16}
          y={yOf(brush.hi)}
          height={Math.max(2, yOf(brush.lo) - yOf(brush.hi))}
        />
      )}
    </g>
  );
}

export function Legend({
  axis,
  optimization,
  theme,
}: {
  axis: PcAxis;
  optimization: 'maximize' | 'minimize' | null;
  theme: 'light' | 'dark';
}) {
  const stops = Array.from({ length: 9 }, (_, i) => rampColor(i / 8, theme));
  const [lo, hi] = axis.domain;
  // Worst on the left, best on the right.
  const left = optimization === 'minimize' ? hi : lo;
  const right = optimization === 'minimize' ? lo : hi;
  return (
    <div className="pc-legend small" aria-hidden="true">
      <span>{formatNumber(Number(left.toPrecision(4)))}</span>
      <span className="pc-ramp" style={{ background: `linear-gradient(to right, ${stops.join(', ')})` }} />
      <span>{formatNumber(Number(right.toPrecision(4)))}</span>
      <span className="muted">{optimization ? '(best on the right, drawn on top)' : '(low to high)'}</span>
    </div>
  );
}

/** The brushes as a form: choose an axis, type the range (pick the categories), apply; or clear. */
export function BrushForm({
  axes,
  brushes,
  setBrushes,
}: {
  axes: PcAxis[];
  brushes: Record<string, Brush>;
  setBrushes: (f: (b: Record<string, Brush>) => Record<string, Brush>) => void;
}) {
  const [key, setKey] = useState(axes[0]?.key ?? '');
  const axis = axes.find((a) => a.key === key) ?? axes[0];
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setFrom('');
    setTo('');
    setError(null);
  }, [key]);
  if (!axis) return null;
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const b = brushFromValues(
      axis,
      from || (axis.scale === 'categorical' ? axis.categories[0] : ''),
      to || (axis.scale === 'categorical' ? axis.categories[axis.categories.length - 1] : ''),
    );
    if (!b) {
      setError(`Give ${axis.key} a range: two numbers within its axis.`);
      return;
    }
    setError(null);
    setBrushes((bs) => ({ ...bs, [axis.key]: b }));
  };
  const describe = (a: PcAxis, b: Brush) => {
    if (a.scale === 'categorical') {
      const inside = a.categories.filter((c) => {
        const p = position(a, c)!;
        return p >= b.lo - 1e-9 && p <= b.hi + 1e-9;
      });
      return `${a.key} ∈ {${inside.join(', ')}}`;
    }
    return `${formatNumber(Number((valueAt(a, b.lo) as number).toPrecision(4)))} ≤ ${a.key} ≤ ${formatNumber(
      Number((valueAt(a, b.hi) as number).toPrecision(4)),
    )}`;
  };
  const active = axes.filter((a) => brushes[a.key]);
  return (
    <div className="pc-filters">
      <form className="toolbar" onSubmit={apply} aria-label="Filter the parallel coordinates">
        <label>
          Filter axis{' '}
          <select value={axis.key} onChange={(e) => setKey(e.target.value)}>
            {axes.map((a) => (
              <option key={a.key} value={a.key}>
                {a.key}
              </option>
            ))}
          </select>
        </label>
        {axis.scale === 'categorical' ? (
          <>
            <label>
              from{' '}
              <select
                aria-label={`Filter ${axis.key} from`}
                value={from || axis.categories[0]}
                onChange={(e) => setFrom(e.target.value)}
              >
                {axis.categories.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            </label>
            <label>
              to{' '}
              <select
                aria-label={`Filter ${axis.key} to`}
                value={to || axis.categories[axis.categories.length - 1]}
                onChange={(e) => setTo(e.target.value)}
              >
                {axis.categories.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            </label>
          </>
        ) : (
          <>
            <label>
              from{' '}
              <input
                aria-label={`Filter ${axis.key} from`}
                type="number"
                step="any"
                value={from}
                placeholder={formatNumber(Number(axis.domain[0].toPrecision(4)))}
                onChange={(e) => setFrom(e.target.value)}
              />
            </label>
            <label>
              to{' '}
              <input
                aria-label={`Filter ${axis.key} to`}
                type="number"
                step="any"
                value={to}
                placeholder={formatNumber(Number(axis.domain[1].toPrecision(4)))}
                onChange={(e) => setTo(e.target.value)}
              />
            </label>
          </>
        )}
        <button type="submit">Apply filter</button>
        {active.length > 0 && (
          <button type="button" onClick={() => setBrushes(() => ({}))}>
            Clear all filters
          </button>
        )}
      </form>
      {error && (
        <p className="form-error small" role="alert">
          {error}
        </p>
      )}
      {active.length > 0 && (
        <ul className="pc-chips" aria-label="Filters">
          {active.map((a) => (
            <li key={a.key}>
              {describe(a, brushes[a.key])}{' '}
              <button
                type="button"
                className="link-button"
                aria-label={`Clear the filter on ${a.key}`}
                onClick={() =>
                  setBrushes((bs) => Object.fromEntries(Object.entries(bs).filter(([k]) => k !== a.key)))
                }
              >
                Clear
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
