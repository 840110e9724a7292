// One colour per run wherever several runs are drawn together (the project's overlay, Compare's charts and
// its column headers): the same selection gives every run the same colour on every page, whatever order
// the runs were picked in, and adding a run to a selection recolours no other run unless they collide.

export interface RunColor {
  /** Index into the theme's chart palette (`--chart-1` is index 0). */
  index: number;
  /** More runs than colours: this one repeats a colour, dashed. */
  dashed: boolean;
}

/**
 * Each run's colour: its preferred slot is (id − 1) mod `size`; taken, the next free slot; all `size` slots
 * taken, the preferred slot again, dashed. Runs are placed in ascending id order.
 */
export function runColors(ids: number[], size = 8): Map<number, RunColor> {
  const out = new Map<number, RunColor>();
  const taken = new Set<number>();
  for (const id of [...new Set(ids)].sort((a, b) => a - b)) {
    const preferred = (((id - 1) % size) + size) % size;
    if (taken.size >= size) {
      out.set(id, { index: preferred, dashed: true });
      continue;
    }
    let i = preferred;
    while (taken.has(i)) i = (i + 1) % size;
    taken.add(i);
    out.set(id, { index: i, dashed: false });
  }
  return out;
}

/** The CSS colour of a palette index (theme.css's `--chart-N`), for headers and legends beside the charts. */
export const cssChartColor = (index: number) => `var(--chart-${index + 1})`;
