// The experiments table's Columns menu: a disclosure (<details>) listing the movable columns in the table's
// order, each with a checkbox (shown or not) and ← / → buttons (move it one place), and "Reset columns"
// (the default columns, order and widths). Enter or Space opens it, Tab walks its controls, Escape closes it
// with the focus back on its button. What it sets is kept per project (lib/columnSet.ts).
import { useRef, useState, type KeyboardEvent } from 'react';

export interface ColumnChoice {
  id: string;
  label: string;
  shown: boolean;
  /** Shown first whatever the set says (the sweep's objective in a group's context). */
  locked?: string;
}

interface Props {
  choices: ColumnChoice[];
  onToggle(id: string): void;
  onMove(id: string, delta: number): void;
  onReset(): void;
  /** The user changed something (Reset is offered). */
  customised: boolean;
}

export function ColumnsMenu({ choices, onToggle, onMove, onReset, customised }: Props) {
  const menu = useRef<HTMLDetailsElement>(null);
  // Its controls exist only while it is open: closed, the page has one "Status" control, not three.
  const [open, setOpen] = useState(false);
  function closeOnEscape(e: KeyboardEvent<HTMLDetailsElement>) {
    const m = menu.current;
    if (e.key !== 'Escape' || !m?.open) return;
    e.preventDefault();
    m.open = false;
    m.querySelector('summary')?.focus();
  }
  return (
    <details
      className="menu columns-menu"
      ref={menu}
      onKeyDown={closeOnEscape}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary>Columns</summary>
      {open && (
        <div className="menu-body" role="group" aria-label="Columns to show">
          <p className="muted small">ID and name stay first. Drag a header’s right edge to resize it.</p>
          {choices.map(({ id, label, shown, locked }, i) => (
            <div key={id} className="column-choice">
              <label className="check" title={locked}>
                <input type="checkbox" checked={shown} disabled={!!locked} onChange={() => onToggle(id)} />{' '}
                {label}
                {locked && <span className="muted small"> (objective, first)</span>}
              </label>
              <span className="move">
                <button
                  type="button"
                  className="small"
                  aria-label={`Move ${label} left`}
                  disabled={i === 0}
                  onClick={() => onMove(id, -1)}
                >
                  ←
                </button>
                <button
                  type="button"
                  className="small"
                  aria-label={`Move ${label} right`}
                  disabled={i === choices.length - 1}
                  onClick={() => onMove(id, 1)}
                >
                  →
                </button>
              </span>
            </div>
          ))}
          {choices.length === 0 && <p className="muted small">No params or metrics yet.</p>}
          <div className="menu-foot">
            <button type="button" className="small" onClick={onReset} disabled={!customised}>
              Reset columns
            </button>
            <span className="muted small">Kept for this project in this browser.</span>
          </div>
        </div>
      )}
    </details>
  );
}
