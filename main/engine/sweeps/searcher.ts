// The iterative search algorithms (hyperband, ASHA, BO, TPE) behind one interface. A searcher is a pure
// function of its saved state and the group's trials: the group runner stores the new state together with
// the experiments it proposes, in one transaction, so a crash can neither lose a suggestion nor make it twice.
import type { ExperimentStatus } from '../../../shared/statuses';

/** What a searcher remembers about one experiment it proposed. */
export interface TrialMeta {
  /** The configuration this experiment evaluates (hyperband/ASHA promote a config across rounds). */
  config?: number;
  bracket?: number;
  round?: number;
  resource?: number;
  /** The matrix values of the configuration (a promoted config keeps them; declarations apply on top). */
  suggestion?: Record<string, unknown>;
}

/** One experiment of the group, as a searcher sees it. */
export interface SweepTrial {
  id: number;
  params: Record<string, unknown>;
  meta: TrialMeta;
  status: ExperimentStatus;
  /** The group's metric (last value), or null when it reported none. */
  value: number | null;
}

export interface Proposal {
  /** The matrix suggestion; static declarations override it (SPEC §1.4). */
  params: Record<string, unknown>;
  /** Params that override even the declarations: the resource of a hyperband/ASHA round. */
  overrides?: Record<string, unknown>;
  meta: TrialMeta;
  /** Continue in this experiment's outputs folder (hyperband/ASHA `resume: true`). */
  resumeFrom?: number;
}

export interface SearchStep<S> {
  state: S;
  proposals: Proposal[];
  /** No proposal will ever come again: the group ends when its experiments do. */
  finished: boolean;
}

export interface Searcher<S = unknown> {
  init(): S;
  /** `free`: how many more experiments could start now (concurrency minus active and pending). */
  step(state: S, trials: SweepTrial[], free: number): SearchStep<S>;
}

/** Lower is better: the metric as the searchers minimise it. */
export const objective = (value: number, optimization: 'maximize' | 'minimize') =>
  optimization === 'maximize' ? -value : value;
