// How wide each column of a VirtualTable is by itself: sized to its content (measured in the table's font),
// never narrower than its header, numbers always whole, text capped (then an ellipsis). A width the user
// dragged (lib/columnSet.ts) replaces this.

/** `.vtable-cell`'s padding, left and right. */
const CELL_PAD = 16;
/** The sort arrow and its gap beside a header's text. */
const ARROW = 14;

let measureCtx: CanvasRenderingContext2D | null | undefined;
/** Width of `text` in `font`, or an estimate where a canvas cannot measure (8 px a character). */
function textWidth(text: string, font: string): number {
  if (measureCtx === undefined) measureCtx = document.createElement('canvas').getContext('2d');
  if (!measureCtx) return text.length * 8;
  measureCtx.font = font;
  return measureCtx.measureText(text).width;
}

/** The widest of `texts` in `font`: only the longest few (by characters) are measured. */
function widest(texts: string[], font: string): number {
  let longest = 0;
  for (const t of texts) longest = Math.max(longest, t.length);
  let w = 0;
  for (const t of texts) if (t.length >= longest - 2) w = Math.max(w, textWidth(t, font));
  return Math.ceil(w);
}

export interface SizedColumn {
  header: string;
  width: number;
  numeric?: boolean;
  maxWidth?: number;
  render?: unknown;
}

/** Each column's width; `texts[i]` gives a cell's text for columns without `render`. */
export function autoWidths<T, C extends SizedColumn>(
  columns: C[],
  texts: Array<((row: T) => string) | null>,
  rows: T[],
  font: { cell: string; head: string } | null,
): number[] {
  return columns.map((c, i) => {
    const head = font ? textWidth(c.header, font.head) + ARROW + CELL_PAD : c.header.length * 8 + 30;
    if (c.render) return Math.max(c.width, Math.ceil(head));
    const text = texts[i]!;
    const content = font
      ? widest(
          rows.map((r) => text(r)),
          font.cell,
        )
      : Math.max(0, ...rows.map((r) => text(r).length)) * 8;
    const w = Math.max(c.width, Math.ceil(head), content + CELL_PAD + 2);
    return c.numeric ? w : Math.min(w, Math.max(c.width, c.maxWidth ?? 320));
  });
}
