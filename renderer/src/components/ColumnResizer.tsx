// The drag handle on a column header's right edge: drag to resize (the width follows the pointer, and is
// reported once at the end), double-click to go back to the automatic width. Not a tab stop: from the
// keyboard, Shift+←/→ on the column's header button resizes it (VirtualTable), so the header row stays one
// tab stop.
import { useRef, type PointerEvent } from 'react';
import { clampWidth } from '../lib/columnSet';

interface Props {
  header: string;
  width: number;
  /** While dragging. */
  onDrag(width: number): void;
  /** The width at the end of the drag; null: back to automatic (double-click). */
  onResize(width: number | null): void;
}

export function ColumnResizer({ header, width, onDrag, onResize }: Props) {
  const start = useRef<{ x: number; width: number; last: number } | null>(null);
  const down = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    e.preventDefault();
    e.stopPropagation();
    e.currentTarget.setPointerCapture(e.pointerId);
    start.current = { x: e.clientX, width, last: width };
  };
  const move = (e: PointerEvent<HTMLDivElement>) => {
    const s = start.current;
    if (!s) return;
    s.last = clampWidth(s.width + e.clientX - s.x);
    onDrag(s.last);
  };
  const up = (e: PointerEvent<HTMLDivElement>) => {
    const s = start.current;
    if (!s) return;
    start.current = null;
    e.currentTarget.releasePointerCapture(e.pointerId);
    onResize(s.last);
  };
  return (
    <div
      className="col-resizer"
      // A pointer's way only: the keyboard's is Shift+←/→ on the header's button, which says so.
      aria-hidden="true"
      title={`Drag to resize ${header}; double-click for its automatic width (or Shift+←/→ on its header)`}
      data-resize={header}
      onPointerDown={down}
      onPointerMove={move}
      onPointerUp={up}
      onPointerCancel={up}
      onClick={(e) => e.stopPropagation()}
      onDoubleClick={(e) => {
        e.stopPropagation();
        onResize(null);
      }}
    />
  );
}
