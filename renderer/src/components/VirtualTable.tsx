// A virtualised, sortable table (ARIA grid semantics): only the visible rows are in the DOM, so 10,000 runs
// scroll smoothly. Keyboard: Tab reaches the table, ↑/↓/PageUp/PageDown/Home/End move between rows,
// Enter opens a row, Space selects it (when the table has selection).
import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { compareValues } from '../lib/format';

export interface Column<T> {
  id: string;
  header: string;
  /** Width in pixels. */
  width: number;
  /** The value sorted on (and shown, when there is no `render`). */
  value(row: T): unknown;
  render?(row: T): ReactNode;
  align?: 'left' | 'right';
  title?: string;
}

/** Matches `.vtable-head` in styles/status.css. */
const HEAD_HEIGHT = 36;

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
}

export function VirtualTable<T>(props: Props<T>) {
  const { label, rows, columns, rowKey, onOpen, selected, onToggleSelect, rowClass } = props;
  const rowHeight = props.rowHeight ?? 34;
  const [sort, setSort] = useState<Sort>(props.initialSort ?? null);
  const [active, setActive] = useState(0);
  const focusNext = useRef(false);
  const scrollRef = useRef<HTMLDivElement>(null);

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

  const selectable = !!onToggleSelect;
  const template = (selectable ? '40px ' : '') + columns.map((c) => `${c.width}px`).join(' ');
  const totalWidth = columns.reduce((s, c) => s + c.width, selectable ? 40 : 0);

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

  useEffect(() => {
    if (!focusNext.current) return;
    const el = scrollRef.current?.querySelector<HTMLElement>(`[data-index="${current}"]`);
    // Not rendered yet (a long jump scrolls first): the next render, after the scroll, tries again.
    if (!el) return;
    focusNext.current = false;
    el.focus();
  });

  function move(to: number) {
    const i = Math.max(0, Math.min(sorted.length - 1, to));
    setActive(i);
    v.scrollToIndex(i, { align: 'auto' });
    // A rendered row takes the focus now, so the next key goes to it even before React renders again;
    // a row outside the rendered window takes it once the virtualizer has rendered it (the effect above).
    const el = scrollRef.current?.querySelector<HTMLElement>(`[data-index="${i}"]`);
    if (el) el.focus();
    else focusNext.current = true;
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>, index: number, row: T) {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 300) / rowHeight) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(index + 1),
      ArrowUp: () => move(index - 1),
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

  function toggleSort(id: string) {
    setSort((s) => (s?.id !== id ? { id, dir: 'asc' } : s.dir === 'asc' ? { id, dir: 'desc' } : null));
  }

  return (
    <div
      className="vtable"
      role="grid"
      aria-label={label}
      aria-rowcount={sorted.length + 1}
      ref={scrollRef}
      style={{ height: props.height ?? 480 }}
    >
      <div
        className="vtable-head"
        role="row"
        aria-rowindex={1}
        style={{ gridTemplateColumns: template, width: totalWidth, height: HEAD_HEIGHT }}
      >
        {selectable && (
          <div role="columnheader" className="vtable-cell">
            <span className="sr-only">Selected</span>
          </div>
        )}
        {columns.map((c) => (
          <div
            key={c.id}
            role="columnheader"
            className={`vtable-cell ${c.align === 'right' ? 'num' : ''}`}
            aria-sort={sort?.id === c.id ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
          >
            <button
              type="button"
              className="sort-button"
              onClick={() => toggleSort(c.id)}
              title={c.title ?? `Sort by ${c.header}`}
            >
              {c.header}
              <span aria-hidden="true" className="sort-arrow">
                {sort?.id === c.id ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
              </span>
            </button>
          </div>
        ))}
      </div>
      <div style={{ height: v.getTotalSize(), width: totalWidth, position: 'relative' }}>
        {v.getVirtualItems().map((item) => {
          const row = sorted[item.index];
          const key = rowKey(row);
          const isSel = selected?.has(key) ?? false;
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
              style={{
                transform: `translateY(${item.start - HEAD_HEIGHT}px)`,
                height: rowHeight,
                gridTemplateColumns: template,
              }}
              onKeyDown={(e) => onKeyDown(e, item.index, row)}
              onFocus={() => setActive(item.index)}
              onClick={(e) => {
                if ((e.target as HTMLElement).closest('input,button,a')) return;
                onOpen(row);
              }}
            >
              {selectable && (
                <div role="gridcell" className="vtable-cell">
                  <input
                    type="checkbox"
                    tabIndex={-1}
                    checked={isSel}
                    aria-label={`Select row ${key}`}
                    onChange={() => onToggleSelect?.(key)}
                  />
                </div>
              )}
              {columns.map((c) => (
                <div key={c.id} role="gridcell" className={`vtable-cell ${c.align === 'right' ? 'num' : ''}`}>
                  {c.render ? c.render(row) : String(c.value(row) ?? '—')}
                </div>
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}
