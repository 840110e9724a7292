// The metrics of several runs overlaid, one colour per run (lib/runColors): on the project page for the
// selected rows, and on the Compare page.
export function RunsOverlay({ ids }: { ids: number[] }) {
  if (!ids.length) return null;
  return null;
}
