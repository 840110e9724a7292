// Early stopping, evaluated as metrics arrive (SPEC §1.12, ALGORITHMS.md §3):
// - metric threshold (Polyaxon 0.4.4): once any experiment of the group reaches the value, the search ends
//   and the group's pending experiments are stopped; running ones finish (as Polyaxon's code does).
// - median (0.5 policy; Vizier's rule, Azure's "running averages"): at each evaluation step t, a running
//   experiment whose best value so far is strictly worse than the median of the other experiments' running
//   averages up to t (among those that reached t; at least `min_samples`, default 3) is stopped.
// - truncation (0.5 policy): at each evaluation step t, the worst `percent`% of the experiments that
//   reported at t are stopped, never the best.
// - failure (v1): once `percent`% of the group's finished experiments failed, the search ends.
// Stopped experiments say why in their status reason and message.
import type { EarlyStoppingRule, SearchSpec } from '../../../shared/polyaxonfile';
import type { MetricPoint } from '../../../shared/domain';
import { isDone } from '../../../shared/statuses';
import type { Store } from '../store';
import type { GroupRow } from '../store/groups';
import { groupMetric } from '../store/groups';
import { groupState } from './group-runner';

export interface StopActions {
  /** Stops a running experiment with this reason and message. */
  stopExperiment(id: number, reason: string, message: string): Promise<void>;
  /** Ends the search: no new experiments; pending ones are stopped with this message. */
  endSearch(groupId: number, message: string): Promise<void>;
}

const better = (a: number, b: number, opt: 'maximize' | 'minimize') => (opt === 'maximize' ? a > b : a < b);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export class EarlyStopping {
  private chains = new Map<number, Promise<void>>();

  constructor(
    private store: Store,
    private actions: StopActions,
  ) {}

  /** Called with every ingested batch; evaluations of one group never overlap. */
  onMetrics(experimentId: number, points: MetricPoint[]): Promise<void> {
    const run = async () => {
      const x = await this.store.experiments.row(experimentId).catch(() => null);
      if (!x || x.group_id === null) return;
      const g = await this.store.groups.row(x.group_id);
      if (g.status !== 'running') return;
      const search = JSON.parse(g.search_json) as SearchSpec;
      for (const rule of search.earlyStopping) await this.evaluate(g, search, rule, experimentId, points);
    };
    const key = experimentId;
    const next = (this.chains.get(key) ?? Promise.resolve()).then(run, run);
    this.chains.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }

  /** Called when an experiment of group `g` ends (for the failure rule); true when it ended the search. */
  async onFinished(g: GroupRow): Promise<boolean> {
    if (g.status !== 'running' || groupState(g).stoppedEarly) return false;
    const search = JSON.parse(g.search_json) as SearchSpec;
    for (const rule of search.earlyStopping) {
      if (rule.kind !== 'failure' || rule.percent === undefined) continue;
      const p = await this.store.groups.progress(g.id);
      if (p.done > 0 && (100 * p.failed) / p.done >= rule.percent) {
        await this.actions.endSearch(
          g.id,
          `early stopping: ${p.failed} of ${p.done} finished experiments failed (≥ ${rule.percent}%)`,
        );
        return true;
      }
    }
    return false;
  }

  private async evaluate(
    g: GroupRow,
    search: SearchSpec,
    rule: EarlyStoppingRule,
    id: number,
    points: MetricPoint[],
  ) {
    if (!rule.metric) return;
    const mine = points.filter((p) => p.key === rule.metric);
    if (!mine.length) return;
    const opt = rule.optimization ?? groupMetric(search)?.optimization ?? 'maximize';
    if (rule.kind === 'metric') {
      if (rule.value === undefined || groupState(g).stoppedEarly) return;
      const hit = mine.find((p) => (opt === 'maximize' ? p.value >= rule.value! : p.value <= rule.value!));
      if (hit)
        await this.actions.endSearch(
          g.id,
          `early stopping: experiment ${id} reached ${rule.metric}=${hit.value} (${opt === 'maximize' ? '≥' : '≤'} ${rule.value})`,
        );
      return;
    }
    if (rule.kind !== 'median' && rule.kind !== 'truncation') return;
    const x = await this.store.experiments.row(id);
    if (isDone(x.status)) return;
    const interval = rule.evaluationInterval ?? 1;
    const delay = rule.minInterval ?? 0;
    const steps = mine.map((p) => p.step).filter((s) => s >= delay && s % interval === 0);
    if (!steps.length) return;
    const t = Math.max(...steps);
    const minSamples = rule.minSamples ?? 3;
    const why =
      rule.kind === 'median'
        ? await this.median(g.id, id, rule.metric, t, opt, minSamples)
        : await this.truncation(g.id, id, rule.metric, t, opt, rule.percent ?? 10, minSamples);
    if (why) await this.actions.stopExperiment(id, 'early stopping', why);
  }

  private async median(
    groupId: number,
    id: number,
    key: string,
    t: number,
    opt: 'maximize' | 'minimize',
    minSamples: number,
  ) {
    const others = await this.store.db.all<{ id: number; avg: number }>(
      `SELECT m.experiment_id AS id, AVG(m.value) AS avg FROM metrics m JOIN experiments e ON e.id = m.experiment_id
       WHERE e.group_id = ? AND e.id != ? AND m.key = ? AND m.step <= ?
         AND EXISTS (SELECT 1 FROM metrics r WHERE r.experiment_id = e.id AND r.key = ? AND r.step >= ?)
       GROUP BY m.experiment_id`,
      [groupId, id, key, t, key, t],
    );
    if (others.length < minSamples) return null;
    const best = await this.store.db.get<{ v: number }>(
      `SELECT ${opt === 'maximize' ? 'MAX' : 'MIN'}(value) AS v FROM metrics WHERE experiment_id = ? AND key = ? AND step <= ?`,
      [id, key, t],
    );
    const m = median(others.map((o) => o.avg));
    if (best?.v == null || !better(m, best.v, opt)) return null;
    return `median stopping at step ${t}: best ${key}=${best.v} is worse than the median ${m} of ${others.length} other experiments' running averages`;
  }

  private async truncation(
    groupId: number,
    id: number,
    key: string,
    t: number,
    opt: 'maximize' | 'minimize',
    percent: number,
    minSamples: number,
  ) {
    const rows = await this.store.db.all<{ id: number; value: number }>(
      `SELECT m.experiment_id AS id, m.value FROM metrics m JOIN experiments e ON e.id = m.experiment_id
       WHERE e.group_id = ? AND m.key = ? AND m.step = ?`,
      [groupId, key, t],
    );
    if (rows.length < minSamples) return null;
    const ranked = rows.sort(
      (a, b) => (opt === 'maximize' ? b.value - a.value : a.value - b.value) || a.id - b.id,
    );
    const cut = Math.floor((ranked.length * percent) / 100);
    const worst = ranked.slice(1).slice(-cut);
    if (!cut || !worst.some((r) => r.id === id)) return null;
    const mine = ranked.find((r) => r.id === id)!;
    return `truncation at step ${t}: ${key}=${mine.value} is in the worst ${percent}% of ${ranked.length} experiments`;
  }
}
