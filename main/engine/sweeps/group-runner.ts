// Drives the iterative searchers (hyperband, ASHA, BO, TPE): on every queue pass, a running group's searcher
// sees its experiments and proposes new ones for its free slots. The proposals and the searcher's new state
// (rounds, brackets, the PRNG state) are written in one transaction: a crash loses no suggestion and makes
// none twice. Grid, random and mapping create every experiment when the group is created.
import type { KubeTarget } from '../backends/backend';
import type { ParsedSpec, SearchSpec } from '../../../shared/polyaxonfile';
import { renderExperiment, formatError } from '../../../shared/polyaxonfile';
import { isDone } from '../../../shared/statuses';
import type { CodeRef } from '../../../shared/domain';
import type { Store } from '../store';
import type { GroupRow } from '../store/groups';
import { groupMetric } from '../store/groups';
import { objective, type SweepTrial, type TrialMeta } from './searcher';
import { ITERATIVE } from './make-searcher';
import { stepSearcher } from './searcher-thread';

export { ITERATIVE, makeSearcher } from './make-searcher';

/** What the group keeps in state_json. */
export interface GroupState {
  seed: number;
  searcher?: { finished: boolean } & Record<string, unknown>;
  /** Why the search ended before its budget (early stopping, or the user's `group stop --pending`). */
  stoppedEarly?: string;
  /** The user ended the search (`group stop --pending`): with no success, the group ends stopped, not failed. */
  stoppedByUser?: boolean;
}

export function groupState(g: GroupRow): GroupState {
  return g.state_json ? (JSON.parse(g.state_json) as GroupState) : { seed: 0 };
}

/** True when no experiment will be added any more (eager groups: from the start). */
export function searchFinished(g: GroupRow): boolean {
  const st = groupState(g);
  if (st.stoppedEarly) return true;
  return !ITERATIVE.has(g.algorithm) || !!st.searcher?.finished;
}

export class GroupRunner {
  constructor(private store: Store) {}

  /** Lets the group's searcher fill its free slots. Throws with a user-facing message on a broken spec. */
  async advance(g: GroupRow): Promise<void> {
    if (!ITERATIVE.has(g.algorithm) || searchFinished(g)) return;
    const search = JSON.parse(g.search_json) as SearchSpec;
    const saved = groupState(g);
    const trials = await this.trials(g.id, search);
    const active = trials.filter((t) => !isDone(t.status)).length;
    // BO's suggestions run on a worker thread (searcher-thread.ts), the others here: same code, same result.
    const step = await stepSearcher(
      search,
      saved.seed,
      saved.searcher,
      trials,
      Math.max(0, g.concurrency - active),
    );
    if (!step.proposals.length && JSON.stringify(step.state) === JSON.stringify(saved.searcher)) return;

    const spec = JSON.parse(g.spec_json) as ParsedSpec;
    const code = g.code_json ? (JSON.parse(g.code_json) as CodeRef) : null;
    const rendered = step.proposals.map((p) => {
      const r = renderExperiment(spec, p.params, { overrides: p.overrides });
      if (!r.ok) throw new Error(r.errors.map(formatError).join('\n'));
      return { p, r: r.value };
    });
    await this.store.db.transaction(async () => {
      for (const { p, r } of rendered) {
        const from = p.resumeFrom ? await this.store.experiments.row(p.resumeFrom) : null;
        const id = await this.store.experiments.insert({
          projectId: g.project_id,
          groupId: g.id,
          name: null,
          backend: g.backend,
          cmd: r.cmd ?? null,
          spec: spec.raw,
          params: r.params,
          tags: spec.tags,
          codePath: g.code_path,
          originalId: from?.id ?? null,
          cloningStrategy: from ? 'resume' : null,
          outputsDir: from?.outputs_dir ?? null,
          sweep: p.meta,
          run: {
            build: r.build,
            environment: r.environment,
            framework: r.framework,
            ...(g.target_json ? { target: JSON.parse(g.target_json) as KubeTarget } : {}),
          },
        });
        if (code) await this.store.codeRefs.insert(id, code);
      }
      await this.store.groups.setState(g.id, { ...saved, searcher: step.state });
    });
  }

  private async trials(groupId: number, search: SearchSpec): Promise<SweepTrial[]> {
    const metric = groupMetric(search);
    const exps = (await this.store.experiments.list({ groupId, limit: 1_000_000 })).reverse();
    const metas = new Map(
      (
        await this.store.db.all<{ id: number; sweep_json: string | null }>(
          'SELECT id, sweep_json FROM experiments WHERE group_id = ?',
          [groupId],
        )
      ).map((r) => [r.id, r.sweep_json ? (JSON.parse(r.sweep_json) as TrialMeta) : {}]),
    );
    return exps.map((e) => {
      const v = metric ? e.lastMetrics[metric.name] : undefined;
      return {
        id: e.id,
        params: e.params,
        meta: metas.get(e.id) ?? {},
        status: e.status,
        value: v === undefined || !metric ? null : objective(v, metric.optimization),
      };
    });
  }
}
