// The bracket view's layout, pure: hyperband's brackets as rows and their rounds placed in columns by
// resource (so the rounds of every bracket that run with the same resource line up: the staircase of the
// paper's table), each round with its experiments. ASHA is one row of rungs.
import type { GroupSweep, SweepExperiment } from '../../../shared/api';
import { isDone, type ExperimentStatus } from '../../../shared/statuses';

export type CellTone = 'pending' | 'running' | 'success' | 'danger' | 'muted' | 'warning';

export function statusTone(status: string): CellTone {
  switch (status) {
    case 'created':
    case 'resuming':
      return 'pending';
    case 'scheduled':
    case 'building':
    case 'starting':
    case 'running':
      return 'running';
    case 'succeeded':
      return 'success';
    case 'failed':
    case 'upstream_failed':
      return 'danger';
    case 'stopped':
    case 'skipped':
      return 'muted';
    default:
      return 'warning';
  }
}

export interface BracketCell {
  id: number;
  status: ExperimentStatus;
  value: number | null;
  promoted: boolean;
  config: number | null;
}

export interface RoundBox {
  round: number;
  /** The grid column (0-based), by resource. */
  column: number;
  n: number;
  resource: number;
  /** Best first by the metric; experiments without a value after, by id. */
  cells: BracketCell[];
  /** Planned experiments not created yet. */
  toCome: number;
  done: number;
  /** The round hyperband waits for now. */
  current: boolean;
  /** Some experiment of it has not ended. */
  active: boolean;
}

export interface BracketRow {
  index: number;
  s: number | null;
  configs: number;
  rounds: RoundBox[];
}

export interface BracketLayout {
  /** The resource of each column, left to right. */
  columns: number[];
  rows: BracketRow[];
}

/**
 * `live` overrides each experiment's status and value with what the page's store has now (events keep it
 * current between re-reads of groups.sweep).
 */
export function bracketLayout(
  sweep: Pick<GroupSweep, 'brackets' | 'experiments' | 'current' | 'metric'>,
  live: (id: number) => { status: ExperimentStatus; value: number | null } | undefined = () => undefined,
): BracketLayout {
  const columns = [...new Set(sweep.brackets.flatMap((b) => b.rounds.map((r) => r.resource)))].sort(
    (a, b) => a - b,
  );
  const sign = sweep.metric?.optimization === 'maximize' ? -1 : 1;
  const byRound = new Map<string, SweepExperiment[]>();
  for (const x of sweep.experiments) {
    if (x.bracket === null || x.round === null) continue;
    const k = `${x.bracket}:${x.round}`;
    const list = byRound.get(k);
    if (list) list.push(x);
    else byRound.set(k, [x]);
  }
  const rows = sweep.brackets.map((b) => ({
    index: b.index,
    s: b.s,
    configs: b.rounds[0]?.n ?? 0,
    rounds: b.rounds.map((r, k) => {
      const cells: BracketCell[] = (byRound.get(`${b.index}:${k}`) ?? []).map((x) => {
        const now = live(x.id);
        return {
          id: x.id,
          status: now?.status ?? x.status,
          value: now ? now.value : x.value,
          promoted: x.promoted,
          config: x.config,
        };
      });
      cells.sort((p, q) =>
        p.value === null || q.value === null
          ? p.value === q.value
            ? p.id - q.id
            : p.value === null
              ? 1
              : -1
          : sign * (p.value - q.value) || p.id - q.id,
      );
      const done = cells.filter((c) => isDone(c.status)).length;
      return {
        round: k,
        column: columns.indexOf(r.resource),
        n: r.n,
        resource: r.resource,
        cells,
        toCome: Math.max(0, r.n - cells.length),
        done,
        current: sweep.current?.bracket === b.index && sweep.current.round === k,
        active: cells.length > done,
      };
    }),
  }));
  return { columns, rows };
}
