// Compare's table: rows whose value is the same in every run are said once, not repeated per column.
// Pure, unit-tested (test/unit/metric-panels.test.ts).

export interface CompareRow {
  key: string;
  /** One value per run, in column order; undefined where a run has none. */
  values: unknown[];
}

/** Whether every run has the same value (a missing value differs from any present one, even null). */
export function sameInAll(values: unknown[]): boolean {
  const text = values.map((v) => (v === undefined ? '\u0000missing' : JSON.stringify(v)));
  return text.every((t) => t === text[0]);
}

/** The rows split into those that differ between runs and those identical across all of them. */
export function splitIdentical<R extends CompareRow>(rows: R[]): { differing: R[]; identical: R[] } {
  const differing: R[] = [];
  const identical: R[] = [];
  for (const r of rows) (r.values.length > 1 && sameInAll(r.values) ? identical : differing).push(r);
  return { differing, identical };
}
