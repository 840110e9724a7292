// Small formatting helpers shared by the pages.

export { formatBytes } from '../../../shared/bytes';

/** 3.2 s, 4 min 05 s, 2 h 03 min. */
export function formatDuration(ms: number | null): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return '—';
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Milliseconds from `start` to `end` (or to now while the run is still going). */
export function durationMs(start: string | null, end: string | null, now = Date.now()): number | null {
  if (!start) return null;
  const a = Date.parse(start);
  const b = end ? Date.parse(end) : now;
  // A run that just started can be "in the future" by the clock difference between engine and page.
  return Number.isFinite(a) && Number.isFinite(b) ? Math.max(0, b - a) : null;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** Compact, for tables: the time alone today, else the date and the time. */
export function formatShortTime(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return d.toDateString() === now.toDateString()
    ? time
    : `${d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })} ${time}`;
}

/**
 * The one number format of the dashboard: whole numbers as they are; others with 5 significant digits, in
 * decimals from 0.0001 up to a million and as mantissa·e·exponent outside (`0.0023571`, `0.00013367`,
 * `1.3367e-5`, `2.5e+7`). Text stays text, a missing value is a dash.
 */
export function formatNumber(v: unknown): string {
  if (typeof v === 'number') return numberText(v, needsExponent(v));
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

const SIGNIFICANT = 5;

/** Outside [1e-4, 1e6) a non-integer is written with an exponent (as are integers of 1e15 and more). */
function needsExponent(v: number): boolean {
  if (!Number.isFinite(v) || v === 0) return false;
  const a = Math.abs(v);
  if (Number.isInteger(v)) return a >= 1e15;
  return a < 1e-4 || a >= 1e6;
}

function numberText(v: number, exponent: boolean): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  if (v === 0) return '0';
  if (exponent) {
    const [m, e] = v.toExponential(SIGNIFICANT - 1).split('e');
    return `${m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m}e${e}`;
  }
  // Number() drops the trailing zeros; below 1e-6 String() would switch to an exponent, but those are
  // written with one anyway.
  return String(Number(v.toPrecision(SIGNIFICANT)));
}

/**
 * One format for a set of numbers shown together (a table column, a row of Compare): when any of them needs
 * an exponent, every non-integer does, so a column never mixes `1.3367e-4` with `0.0023571`. Same digits
 * as formatNumber.
 */
export function numberFormatFor(values: Iterable<unknown>): (v: unknown) => string {
  let exponent = false;
  for (const v of values) if (typeof v === 'number' && needsExponent(v)) exponent = true;
  if (!exponent) return formatNumber;
  return (v) =>
    typeof v === 'number' && Number.isFinite(v) && !(Number.isInteger(v) && Math.abs(v) < 1e15)
      ? numberText(v, true)
      : formatNumber(v);
}

/** Decimals that write `x` exactly enough (up to 12). */
function decimalsOf(x: number): number {
  for (let d = 0; d <= 12; d++) {
    const s = x * 10 ** d;
    if (Math.abs(s - Math.round(s)) < 1e-6 * Math.max(1, Math.abs(s))) return d;
  }
  return 12;
}

/**
 * The labels of a linear axis's ticks: all written alike, with as many decimals as the step between them
 * needs, so neighbouring ticks never read the same (`0.0012, 0.0014, …`, not `0.001, 0.001, …`); an
 * exponent for all of them when the axis is beyond [1e-4, 1e6). Nulls (ticks not labelled) stay empty.
 */
export function formatTicks(splits: ReadonlyArray<number | null>): string[] {
  const vs = splits.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (!vs.length) return splits.map(() => '');
  let step = Infinity;
  for (let i = 1; i < vs.length; i++) {
    const d = Math.abs(vs[i] - vs[i - 1]);
    if (d > 0) step = Math.min(step, d);
  }
  const max = Math.max(...vs.map(Math.abs));
  if (!Number.isFinite(step)) step = max || 1;
  const expo = max !== 0 && (max < 1e-4 || max >= 1e6);
  if (expo) {
    // Mantissa digits: enough for the step at the largest value's exponent.
    const e = Math.floor(Math.log10(max));
    const d = Math.min(12, Math.max(0, decimalsOf(step / 10 ** e)));
    return splits.map((v) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) return '';
      if (v === 0) return '0';
      return v.toExponential(d);
    });
  }
  const d = decimalsOf(step);
  return splits.map((v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return '';
    const t = v.toFixed(d);
    return /^-0(\.0*)?$/.test(t) ? t.slice(1) : t;
  });
}

/** Orders mixed values: numbers numerically, then strings, missing values last. */
export function compareValues(a: unknown, b: unknown): number {
  const am = a === undefined || a === null;
  const bm = b === undefined || b === null;
  if (am || bm) return am === bm ? 0 : am ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}
