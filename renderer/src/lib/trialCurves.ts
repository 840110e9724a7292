// Pure pieces of the sweep page's overlaid learning curves: which trial is drawn how (coloured by its rank
// on the group's objective, the best few highlighted and drawn last, on top) and the aligned table uPlot
// draws from `groups.metricCurves`. No DOM here, so the unit tests run it in Node.
import type { Experiment } from '../../../shared/domain';
import type { GroupCurves } from '../../../shared/api';
import { isDone } from '../../../shared/statuses';
import { objectiveValue, rankByObjective, type Objective } from './objective';

export interface CurveStyle {
  experimentId: number;
  /** 1 = best finished trial by the objective; null while it runs or without a value. */
  rank: number | null;
  /** Quality for the colour ramp: 1 best … 0 worst; null (drawn neutral) without a rank. */
  q: number | null;
  /** One of the best few: drawn thicker, on top. */
  highlight: boolean;
  /** Not finished: its curve is still growing (drawn dashed). */
  running: boolean;
}

/**
 * How each curve is drawn, in drawing order: unranked trials (running, or no objective value) first, then
 * the ranked ones worst to best, so the best lie on top. Colour follows the rank (evenly spread), not the
 * value, so one diverged run does not wash every other line into one colour.
 */
export function curveStyles(
  ids: number[],
  experiments: ReadonlyMap<number, Pick<Experiment, 'id' | 'status' | 'lastMetrics'>>,
  objective: Objective | null,
  best = 3,
): CurveStyle[] {
  const known = ids.map((id) => experiments.get(id)).filter((x): x is NonNullable<typeof x> => !!x);
  const ranked = objective
    ? rankByObjective(
        known.filter((x) => isDone(x.status) && objectiveValue(x, objective) !== undefined),
        objective,
      )
    : [];
  const rankOf = new Map(ranked.map((x, i) => [x.id, i + 1]));
  const n = ranked.length;
  const styles = ids.map((id): CurveStyle => {
    const rank = rankOf.get(id) ?? null;
    const x = experiments.get(id);
    return {
      experimentId: id,
      rank,
      q: rank === null ? null : n === 1 ? 1 : 1 - (rank - 1) / (n - 1),
      highlight: rank !== null && rank <= best,
      running: !!x && !isDone(x.status),
    };
  });
  return styles.sort((a, b) =>
    a.rank === null || b.rank === null
      ? a.rank === b.rank
        ? a.experimentId - b.experimentId
        : a.rank === null
          ? -1
          : 1
      : b.rank - a.rank,
  );
}

/** uPlot's aligned data: the step grid, then one row per curve in `styles`' order. */
export function alignedCurves(curves: GroupCurves, styles: CurveStyle[]): Array<Array<number | null>> {
  const byId = new Map(curves.curves.map((c) => [c.experimentId, c.values]));
  return [curves.steps, ...styles.map((s) => byId.get(s.experimentId) ?? curves.steps.map(() => null))];
}
