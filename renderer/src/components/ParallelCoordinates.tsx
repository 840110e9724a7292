// Parallel coordinates of a group: one vertical axis per param of the search (linear, log for the log
// kinds, categories evenly spaced) and the group's metric last; one line per finished experiment, coloured
// by the metric (viridis, cut per theme), the best drawn on top. Lines are drawn on a canvas, bucketed by
// colour (one path per bucket), so a thousand experiments redraw in a few milliseconds; axes and brushes are
// an SVG on top. Drag along an axis to brush a range (click the axis to clear it); the same filters can be
// typed in the form under the chart. Hover a line to see its experiment, click it to keep it shown.
// The brushes belong to the page (they filter its table too) and are kept in the axes' values, so a live
// sweep that widens an axis leaves them on the same values.
import { useEffect, useMemo, useRef, useState, type PointerEvent } from 'react';
import { Link } from 'react-router-dom';
import type { Experiment } from '../../../shared/domain';
import type { SweepParam } from '../../../shared/api';
import { isDone } from '../../../shared/statuses';
import { useSettings } from '../stores/settings';
import { formatNumber } from '../lib/format';
import {
  buildAxes,
  nearestLine,
  passesBrushes,
  position,
  quality,
  rampColor,
  toPositionBrush,
  toValueBrush,
  type Brush,
  type PcRow,
  type ValueBrush,
} from '../lib/parcoords';
import { AXIS_GRAB, AxisView, BrushForm, Legend } from './ParallelCoordinatesParts';

interface Props {
  experiments: Experiment[];
  /** The params the search varies (groups.sweep), in order. */
  params: Array<Pick<SweepParam, 'name' | 'values'> & { scale?: SweepParam['scale']; kind?: string }>;
  metric: string;
  /** null: the group has no objective; colours then go from low to high. */
  optimization: 'maximize' | 'minimize' | null;
  /** The brushes, by axis key, in the axes' values (the page keeps them: they filter its table too). */
  brushes: Record<string, ValueBrush>;
  onBrushesChange(next: Record<string, ValueBrush>): void;
}

const HEIGHT = 340;
const M = { top: 40, bottom: 16, left: 64, right: 64 };
const BUCKETS = 24;

interface Line {
  id: number;
  ys: Array<number | null>;
  q: number;
  bucket: number;
}

export function ParallelCoordinates({
  experiments,
  params,
  metric,
  optimization,
  brushes: valueBrushes,
  onBrushesChange,
}: Props) {
  const theme = useSettings((s) => s.theme);
  const host = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(900);
  const [hover, setHover] = useState<number | null>(null);
  const [pinned, setPinned] = useState<number | null>(null);
  const drag = useRef<{ axis: string; from: number } | null>(null);
  /** The pending animation frame of a hover or brush update. */
  const hoverFrame = useRef(0);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    setWidth(Math.max(320, el.clientWidth));
    const ro = new ResizeObserver(() => setWidth(Math.max(320, el.clientWidth)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const finished = useMemo(
    (): PcRow[] =>
      experiments
        .filter((x) => isDone(x.status) && Number.isFinite(x.lastMetrics[metric]))
        .map((x) => ({ id: x.id, values: { ...x.params, [metric]: x.lastMetrics[metric] } })),
    [experiments, metric],
  );
  const axes = useMemo(
    () =>
      buildAxes(
        params,
        metric,
        finished,
        experiments.map((x) => ({ id: x.id, values: x.params })),
      ),
    [params, metric, finished, experiments],
  );
  const metricAxis = axes[axes.length - 1];
  const plotH = HEIGHT - M.top - M.bottom;
  const xs = useMemo(() => {
    const inner = width - M.left - M.right;
    return axes.map((_, i) => M.left + (axes.length === 1 ? inner / 2 : (inner * i) / (axes.length - 1)));
  }, [axes, width]);
  const yOf = (p: number) => M.top + (1 - p) * plotH;

  // Every finished experiment placed on every axis; the worst first, so the best are drawn last (on top).
  const { lines, incomplete } = useMemo(() => {
    const out: Line[] = [];
    let missing = 0;
    for (const r of finished) {
      const ps = axes.map((a) => position(a, r.values[a.key]));
      if (ps.some((p) => p === null)) {
        missing++;
        continue;
      }
      const mp = ps[ps.length - 1]!;
      const q = optimization ? quality(mp, optimization) : mp;
      out.push({
        id: r.id,
        ys: ps.map((p) => M.top + (1 - p!) * plotH),
        q,
        bucket: Math.min(BUCKETS - 1, Math.floor(q * BUCKETS)),
      });
    }
    out.sort((a, b) => a.q - b.q || b.id - a.id);
    return { lines: out, incomplete: missing };
  }, [finished, axes, optimization, plotH]);

  // The brushes where they sit on the axes now (for drawing and for the form).
  const brushes = useMemo(() => {
    const out: Record<string, Brush> = {};
    for (const a of axes) {
      const v = valueBrushes[a.key];
      const b = v && toPositionBrush(a, v);
      if (b) out[a.key] = b;
    }
    return out;
  }, [axes, valueBrushes]);
  // Position edits (a drag, the form) back into values; a brush left as it was keeps its exact values, and
  // one on an axis not drawn now (its param not yet reported) is kept for when it is.
  const setBrushes = (f: (b: Record<string, Brush>) => Record<string, Brush>) => {
    const next = f(brushes);
    if (!Object.keys(next).length) return onBrushesChange({});
    const out: Record<string, ValueBrush> = {};
    for (const [k, v] of Object.entries(valueBrushes)) if (!axes.some((a) => a.key === k)) out[k] = v;
    for (const [k, b] of Object.entries(next)) {
      const axis = axes.find((a) => a.key === k);
      if (axis) out[k] = brushes[k] === b ? valueBrushes[k] : toValueBrush(axis, b);
    }
    onBrushesChange(out);
  };

  const rowsById = useMemo(() => new Map(finished.map((r) => [r.id, r])), [finished]);
  // The same test the page's table uses (lib/parcoords passesBrushes), so the two always agree.
  const matching = useMemo(() => {
    if (!Object.keys(valueBrushes).length) return null;
    const set = new Set<number>();
    for (const l of lines) if (passesBrushes(rowsById.get(l.id)!.values, valueBrushes)) set.add(l.id);
    return set;
  }, [valueBrushes, lines, rowsById]);
  const visible = useMemo(
    () => (matching ? lines.filter((l) => matching.has(l.id)) : lines),
    [lines, matching],
  );

  const shown = pinned ?? hover;

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(width * dpr);
    c.height = Math.round(HEIGHT * dpr);
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    const css = getComputedStyle(c);
    const faded = css.getPropertyValue('--border').trim() || '#999';
    const path = (l: Line) => {
      ctx.moveTo(xs[0], l.ys[0]!);
      for (let i = 1; i < xs.length; i++) ctx.lineTo(xs[i], l.ys[i]!);
    };
    ctx.lineJoin = 'round';
    if (matching) {
      ctx.globalAlpha = 0.6;
      ctx.strokeStyle = faded;
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (const l of lines) if (!matching.has(l.id)) path(l);
      ctx.stroke();
    }
    ctx.globalAlpha = lines.length > 400 ? 0.55 : 0.85;
    ctx.lineWidth = lines.length > 400 ? 1 : 1.6;
    let b = -1;
    for (const l of visible) {
      if (l.bucket !== b) {
        if (b >= 0) ctx.stroke();
        b = l.bucket;
        ctx.strokeStyle = rampColor((b + 0.5) / BUCKETS, theme);
        ctx.beginPath();
      }
      path(l);
    }
    if (b >= 0) ctx.stroke();
    ctx.globalAlpha = 1;
  }, [lines, visible, matching, xs, width, theme]);
  // The line under the pointer (or selected) is drawn in the SVG, so pointing never redraws the canvas.
  const focus = shown !== null ? lines.find((l) => l.id === shown) : undefined;
  const focusPath = focus ? xs.map((x, i) => `${i ? 'L' : 'M'}${x},${focus.ys[i]}`).join('') : null;

  const axisAt = (x: number, y: number): number => {
    if (y < M.top - 12 || y > M.top + plotH + 12) return -1;
    let best = -1;
    let d = AXIS_GRAB;
    xs.forEach((ax, i) => {
      if (Math.abs(ax - x) <= d) {
        d = Math.abs(ax - x);
        best = i;
      }
    });
    return best;
  };
  const local = (e: PointerEvent<SVGSVGElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  const pAt = (y: number) => Math.max(0, Math.min(1, 1 - (y - M.top) / plotH));

  function onDown(e: PointerEvent<SVGSVGElement>) {
    const { x, y } = local(e);
    const i = axisAt(x, y);
    if (i < 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { axis: axes[i].key, from: pAt(y) };
  }
  function onMove(e: PointerEvent<SVGSVGElement>) {
    const { x, y } = local(e);
    const d = drag.current;
    if (d) {
      const p = pAt(y);
      // One brush update per frame, however fast the pointer events come.
      cancelAnimationFrame(hoverFrame.current);
      if (Math.abs(p - d.from) * plotH >= 3)
        hoverFrame.current = requestAnimationFrame(() =>
          setBrushes((b) => ({ ...b, [d.axis]: { lo: Math.min(p, d.from), hi: Math.max(p, d.from) } })),
        );
      return;
    }
    e.currentTarget.style.cursor = axisAt(x, y) >= 0 ? 'ns-resize' : 'default';
    cancelAnimationFrame(hoverFrame.current);
    hoverFrame.current = requestAnimationFrame(() => setHover(nearestLine(xs, visible, x, y)));
  }
  function onUp(e: PointerEvent<SVGSVGElement>) {
    const d = drag.current;
    const { x, y } = local(e);
    if (d) {
      drag.current = null;
      cancelAnimationFrame(hoverFrame.current);
      const p = pAt(y);
      if (Math.abs(p - d.from) * plotH >= 3)
        setBrushes((bs) => ({ ...bs, [d.axis]: { lo: Math.min(p, d.from), hi: Math.max(p, d.from) } }));
      // A click on an axis (no drag) clears its brush.
      else setBrushes((bs) => Object.fromEntries(Object.entries(bs).filter(([k]) => k !== d.axis)));
      return;
    }
    setPinned(nearestLine(xs, visible, x, y));
  }

  const describe = (id: number) => {
    const r = rowsById.get(id);
    if (!r) return null;
    return (
      <>
        <Link to={`/experiments/${id}`}>Experiment {id}</Link>: {metric} ={' '}
        <strong>{formatNumber(r.values[metric])}</strong>
        <span className="muted">
          {' · '}
          {axes
            .slice(0, -1)
            .map((a) => `${a.key}=${formatNumber(r.values[a.key])}`)
            .join(', ')}
        </span>
      </>
    );
  };

  const matchCount = matching ? matching.size : lines.length;
  const bestMatching = matching ? [...visible].reverse().slice(0, 5) : [];
  const summary =
    `${lines.length} finished experiment${lines.length === 1 ? '' : 's'} across ` +
    `${axes.length - 1} param${axes.length === 2 ? '' : 's'} (${axes
      .slice(0, -1)
      .map((a) => a.key)
      .join(', ')}) and ${metric}` +
    (matching ? `; ${matchCount} match the filters` : '');

  return (
    <section className="card section pcoords" aria-labelledby="pcoords-title">
      <div className="section-head">
        <h2 id="pcoords-title">Parallel coordinates: params → {metric}</h2>
        <Legend axis={metricAxis} optimization={optimization} theme={theme} />
      </div>
      <div ref={host} className="pcoords-plot" role="img" aria-label={`Parallel coordinates. ${summary}.`}>
        <canvas
          ref={canvas}
          style={{ width, height: HEIGHT }}
          data-lines={lines.length}
          data-visible={visible.length}
        />
        <svg
          width={width}
          height={HEIGHT}
          aria-hidden="true"
          onPointerDown={onDown}
          onPointerMove={onMove}
          onPointerUp={onUp}
          onPointerLeave={() => {
            cancelAnimationFrame(hoverFrame.current);
            setHover(null);
          }}
        >
          {focus && focusPath && (
            <g className="pc-focus" data-focus={focus.id}>
              <path d={focusPath} className="pc-focus-halo" />
              <path d={focusPath} style={{ stroke: rampColor(focus.q, theme) }} className="pc-focus-line" />
            </g>
          )}
          {axes.map((a, i) => (
            <AxisView
              key={a.key}
              axis={a}
              x={xs[i]}
              top={M.top}
              height={plotH}
              brush={brushes[a.key]}
              yOf={yOf}
              optimization={optimization}
            />
          ))}
        </svg>
      </div>
      <p className="small pcoords-summary" role="status">
        {matching ? (
          <>
            <strong>
              {matchCount} of {lines.length}
            </strong>{' '}
            experiments match the filters; the ranked table above lists them.
          </>
        ) : (
          <>
            {lines.length} finished experiment{lines.length === 1 ? '' : 's'}. Drag along an axis to filter;
            click an axis to clear its filter.
          </>
        )}
        {incomplete > 0 && (
          <span className="muted">
            {' '}
            {incomplete} without a value on every axis {incomplete === 1 ? 'is' : 'are'} not drawn.
          </span>
        )}
      </p>
      {bestMatching.length > 0 && (
        <p className="small">
          Best matching:{' '}
          {bestMatching.map((l, i) => (
            <span key={l.id}>
              {i > 0 && ', '}
              <Link to={`/experiments/${l.id}`}>{l.id}</Link> (
              {formatNumber(rowsById.get(l.id)?.values[metric])})
            </span>
          ))}
        </p>
      )}
      <p className="small pcoords-detail">
        {shown !== null && rowsById.has(shown) ? (
          <>
            {pinned !== null ? 'Selected: ' : ''}
            {describe(shown)}
            {pinned !== null && (
              <>
                {' '}
                <button type="button" className="link-button" onClick={() => setPinned(null)}>
                  Unselect
                </button>
              </>
            )}
          </>
        ) : (
          <span className="muted">Point at a line to see its experiment; click to keep it.</span>
        )}
      </p>
      <BrushForm axes={axes} brushes={brushes} setBrushes={setBrushes} />
    </section>
  );
}
