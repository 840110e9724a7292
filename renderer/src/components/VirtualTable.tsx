// A virtualised, sortable table (ARIA grid semantics): only the visible rows are in the DOM, so 10,000 runs
// scroll smoothly. Keyboard: the header row is one tab stop (←/→/Home/End move between its sort buttons,
// Enter sorts, ↓ goes to the rows); the rows are the next one (↑/↓/PageUp/PageDown/Home/End move between
// rows, Enter opens one, Space selects it when the table has selection).
//
// Columns are sized to their content (measured in the table's font), never narrower than the header, and
// nothing is clipped silently: numbers always fit; text longer than its column's cap ends in an ellipsis and
// shows in full as the cell's title. A numeric column writes all its values in one format (numberFormatFor).
// With `onResize`, a header's right edge drags its width (ColumnResizer) and Shift+←/→ on the header does it
// from the keyboard; widths the user set (`widths`) replace the automatic ones.
import {
  useEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
  type CSSProperties,
} from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { compareValues, formatNumber, numberFormatFor } from '../lib/format';
import { autoWidths } from '../lib/columnWidths';
import { clampWidth } from '../lib/columnSet';
import { ColumnResizer } from './ColumnResizer';
import '../styles/tables.css';

export interface Column<T> {
  id: string;
  header: string;
  /** The smallest width in pixels (with `render`, the width). */
  width: number;
  /** The value sorted on (and shown, when there is no `render`). */
  value(row: T): unknown;
  render?(row: T): ReactNode;
  align?: 'left' | 'right';
  title?: string;
  /** Numbers (params, metrics): one format for the whole column, and the column as wide as its widest. */
  numeric?: boolean;
  /** The widest a text column grows to its content (default 320); longer text ends in an ellipsis. */
  maxWidth?: number;
}

/** Matches `.vtable-head` in styles/status.css. */
const HEAD_HEIGHT = 36;
/** Shift+←/→ on a header: this many pixels narrower or wider. */
const KEY_RESIZE_STEP = 16;

export type Sort = { id: string; dir: 'asc' | 'desc' } | null;

interface Props<T> {
  label: string;
  rows: T[];
  columns: Column<T>[];
  rowKey(row: T): number;
  onOpen(row: T): void;
  selected?: ReadonlySet<number>;
  onToggleSelect?(key: number): void;
  initialSort?: Sort;
  height?: number | string;
  rowHeight?: number;
  rowClass?(row: T): string | undefined;
  /** The first columns that stay in view while the table scrolls sideways (with the selection box). */
  pinned?: number;
  /** Widths the user set, by column id (they replace the automatic width). */
  widths?: Readonly<Record<string, number>>;
  /** Makes columns resizable: called with the new width at the end of a drag, null to go back to automatic. */
  onResize?(id: string, width: number | null): void;
}

export function VirtualTable<T>(props: Props<T>) {
  const { label, rows, columns, rowKey, onOpen, selected, onToggleSelect, rowClass } = props;
  const rowHeight = props.rowHeight ?? 34;
  const [sort, setSort] = useState<Sort>(props.initialSort ?? null);
  const [active, setActive] = useState(0);
  const [activeHeader, setActiveHeader] = useState(0);
  /** The row that is to take the focus once it is rendered (a long jump scrolls first). */
  const pendingFocus = useRef<number | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const headRef = useRef<HTMLDivElement>(null);

  const sorted = useMemo(() => {
    if (!sort) return rows;
    const col = columns.find((c) => c.id === sort.id);
    if (!col) return rows;
    const keyed = rows.map((r) => [col.value(r), r] as const);
    keyed.sort((a, b) => {
      const c = compareValues(a[0], b[0]);
      // Missing values stay last in both directions.
      if (a[0] == null || b[0] == null) return c;
      return sort.dir === 'asc' ? c : -c;
    });
    return keyed.map((k) => k[1]);
  }, [rows, columns, sort]);

  // The text of each cell that has no `render`: numeric columns in one format per column.
  const texts = useMemo(
    () =>
      columns.map((c) => {
        if (c.render) return null;
        const values = rows.map((r) => c.value(r));
        const f = c.numeric ? numberFormatFor(values) : formatNumber;
        return (row: T) => f(c.value(row));
      }),
    [columns, rows],
  );

  // The font the cells and headers are drawn in, read from the page once it is there.
  const [font, setFont] = useState<{ cell: string; head: string } | null>(null);
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const cs = getComputedStyle(el);
    const family = cs.fontFamily || 'sans-serif';
    setFont({ cell: `${cs.fontWeight} ${cs.fontSize} ${family}`, head: `600 12.5px ${family}` });
  }, []);

  const auto = useMemo(() => autoWidths(columns, texts, rows, font), [columns, texts, rows, font]);
  /** The column being dragged and its width so far (reported to `onResize` once the drag ends). */
  const [drag, setDrag] = useState<{ id: string; width: number } | null>(null);
  const widths = columns.map((c, i) => (drag?.id === c.id ? drag.width : (props.widths?.[c.id] ?? auto[i]!)));

  const selectable = !!onToggleSelect;
  const template = (selectable ? '40px ' : '') + widths.map((w) => `${w}px`).join(' ');
  const totalWidth = widths.reduce((s, w) => s + w, selectable ? 40 : 0);
  // Pinned columns: sticky at their offset from the left edge (the selection box is pinned with them).
  const pinned = props.pinned ?? 0;
  const lefts = widths.reduce<number[]>((acc, w, i) => [...acc, (acc[i] ?? 0) + w], [selectable ? 40 : 0]);
  const pin = (i: number): { className: string; style?: CSSProperties } =>
    i < pinned
      ? { className: ` pinned${i === pinned - 1 ? ' pinned-last' : ''}`, style: { left: lefts[i] } }
      : { className: '' };
  const pinBox =
    pinned > 0 ? { className: ' pinned', style: { left: 0 } as CSSProperties } : { className: '' };

  const v = useVirtualizer({
    count: sorted.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
    // The rows start below the sticky header, which must not cover a row scrolled into view.
    scrollMargin: HEAD_HEIGHT,
    scrollPaddingStart: HEAD_HEIGHT,
  });

  const current = Math.min(active, Math.max(0, sorted.length - 1));
  const headerIndex = Math.min(activeHeader, Math.max(0, columns.length - 1));

  const rowEl = (i: number) => scrollRef.current?.querySelector<HTMLElement>(`[role=row][data-index="${i}"]`);

  useEffect(() => {
    if (pendingFocus.current === null) return;
    const el = rowEl(pendingFocus.current);
    // Not rendered yet (a long jump scrolls first): the next render, after the scroll, tries again.
    if (!el) return;
    pendingFocus.current = null;
    el.focus({ preventScroll: true });
  });

  function move(to: number) {
    const i = Math.max(0, Math.min(sorted.length - 1, to));
    setActive(i);
    // A rendered row takes the focus now, so the next key goes to it even before React renders again; a row
    // outside the rendered window takes it once the virtualizer has rendered it (the effect above). Until
    // then the focus stays where it was (the table itself keeps it), never on the page's body.
    const el = rowEl(i);
    if (el) {
      el.focus({ preventScroll: true });
      v.scrollToIndex(i, { align: 'auto' });
    } else {
      pendingFocus.current = i;
      scrollRef.current?.focus({ preventScroll: true });
      const align = i === 0 ? 'start' : i === sorted.length - 1 ? 'end' : 'auto';
      v.scrollToIndex(i, { align });
      // Also frame by frame, for up to two seconds, asking the scroll again now and then: a render that would
      // have focused the row may never come (the virtualizer settles a jump over several frames, and an
      // earlier jump's settling can pull the window back).
      let frames = 0;
      const attempt = () => {
        if (pendingFocus.current !== i) return;
        const el = rowEl(i);
        if (el) {
          pendingFocus.current = null;
          el.focus({ preventScroll: true });
          return;
        }
        if (++frames % 10 === 0) v.scrollToIndex(i, { align });
        if (frames < 120) requestAnimationFrame(attempt);
      };
      requestAnimationFrame(attempt);
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>, index: number, row: T) {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 300) / rowHeight) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(index + 1),
      ArrowUp: () => (index === 0 ? focusHeader(headerIndex) : move(index - 1)),
      PageDown: () => move(index + page),
      PageUp: () => move(index - page),
      Home: () => move(0),
      End: () => move(sorted.length - 1),
      Enter: () => onOpen(row),
      ' ': () => onToggleSelect?.(rowKey(row)),
    };
    const k = keys[e.key];
    if (k && e.target === e.currentTarget) {
      e.preventDefault();
      k();
    }
  }

  // Keys pressed while the table itself holds the focus (a long jump on its way to a row).
  function onGridKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (e.target !== e.currentTarget || !sorted.length) return;
    if (['ArrowDown', 'ArrowUp', 'PageDown', 'PageUp', 'Home', 'End'].includes(e.key)) {
      e.preventDefault();
      move(e.key === 'Home' ? 0 : e.key === 'End' ? sorted.length - 1 : current);
    }
  }

  function focusHeader(i: number) {
    const j = Math.max(0, Math.min(columns.length - 1, i));
    setActiveHeader(j);
    headRef.current?.querySelectorAll<HTMLButtonElement>('.sort-button')[j]?.focus();
  }

  function onHeaderKeyDown(e: KeyboardEvent<HTMLButtonElement>, i: number) {
    if (e.shiftKey && props.onResize && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      e.preventDefault();
      const step = e.key === 'ArrowLeft' ? -KEY_RESIZE_STEP : KEY_RESIZE_STEP;
      props.onResize(columns[i]!.id, clampWidth(widths[i]! + step));
      return;
    }
    const keys: Record<string, () => void> = {
      ArrowRight: () => focusHeader(i + 1),
      ArrowLeft: () => focusHeader(i - 1),
      Home: () => focusHeader(0),
      End: () => focusHeader(columns.length - 1),
      ArrowDown: () => sorted.length && move(current),
    };
    const k = keys[e.key];
    if (k) {
      e.preventDefault();
      k();
    }
  }

  function toggleSort(id: string) {
    setSort((s) => (s?.id !== id ? { id, dir: 'asc' } : s.dir === 'asc' ? { id, dir: 'desc' } : null));
  }

  return (
    <div
      className="vtable"
      role="grid"
      aria-label={label}
      aria-rowcount={sorted.length + 1}
      aria-colcount={columns.length + (selectable ? 1 : 0)}
      ref={scrollRef}
      tabIndex={-1}
      onKeyDown={onGridKeyDown}
      style={{ height: props.height ?? 480 }}
    >
      <div
        className="vtable-head"
        role="row"
        aria-rowindex={1}
        ref={headRef}
        style={{ gridTemplateColumns: template, width: totalWidth, height: HEAD_HEIGHT }}
      >
        {selectable && (
          <div role="columnheader" className={`vtable-cell${pinBox.className}`} style={pinBox.style}>
            <span className="sr-only">Selected</span>
          </div>
        )}
        {columns.map((c, i) => (
          <div
            key={c.id}
            role="columnheader"
            className={`vtable-cell ${c.align === 'right' ? 'num' : ''}${pin(i).className}`}
            style={pin(i).style}
            data-col={c.id}
            aria-sort={sort?.id === c.id ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
          >
            <button
              type="button"
              className="sort-button"
              tabIndex={i === headerIndex ? 0 : -1}
              onClick={() => toggleSort(c.id)}
              onFocus={() => setActiveHeader(i)}
              onKeyDown={(e) => onHeaderKeyDown(e, i)}
              title={
                (c.title ?? `Sort by ${c.header}`) +
                (props.onResize ? '; Shift+← or → makes the column narrower or wider' : '')
              }
            >
              {c.header}
              <span aria-hidden="true" className="sort-arrow">
                {sort?.id === c.id ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
              </span>
            </button>
            {props.onResize && (
              <ColumnResizer
                header={c.header}
                width={widths[i]!}
                onDrag={(width) => setDrag({ id: c.id, width })}
                onResize={(width) => {
                  setDrag(null);
                  props.onResize!(c.id, width);
                }}
              />
            )}
          </div>
        ))}
      </div>
      <div style={{ height: v.getTotalSize(), width: totalWidth, position: 'relative' }}>
        {v.getVirtualItems().map((item) => {
          const row = sorted[item.index];
          const key = rowKey(row);
          const isSel = selected?.has(key) ?? false;
          const style: CSSProperties = {
            transform: `translateY(${item.start - HEAD_HEIGHT}px)`,
            height: rowHeight,
            gridTemplateColumns: template,
          };
          return (
            <div
              key={key}
              role="row"
              data-index={item.index}
              data-key={key}
              aria-rowindex={item.index + 2}
              aria-selected={selectable ? isSel : undefined}
              tabIndex={item.index === current ? 0 : -1}
              className={`vtable-row ${isSel ? 'selected' : ''} ${rowClass?.(row) ?? ''}`}
              style={style}
              onKeyDown={(e) => onKeyDown(e, item.index, row)}
              onFocus={(e) => e.target === e.currentTarget && setActive(item.index)}
              onClick={(e) => {
                if ((e.target as HTMLElement).closest('input,button,a')) return;
                onOpen(row);
              }}
            >
              {selectable && (
                <div role="gridcell" className={`vtable-cell${pinBox.className}`} style={pinBox.style}>
                  <input
                    type="checkbox"
                    tabIndex={-1}
                    checked={isSel}
                    aria-label={`Select row ${key}`}
                    onChange={() => onToggleSelect?.(key)}
                  />
                </div>
              )}
              {columns.map((c, i) => {
                const text = texts[i]?.(row);
                return (
                  <div
                    key={c.id}
                    role="gridcell"
                    className={`vtable-cell ${c.align === 'right' ? 'num' : ''}${pin(i).className}`}
                    style={pin(i).style}
                    data-col={c.id}
                  >
                    {c.render ? (
                      c.render(row)
                    ) : (
                      <span className="cell-text" title={text}>
                        {text}
                      </span>
                    )}
                  </div>
                );
              })}
            </div>
          );
        })}
      </div>
    </div>
  );
}
