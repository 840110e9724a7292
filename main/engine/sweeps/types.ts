// What the model-based searchers (TPE, BO) see of a group's experiments.

/** One experiment of the group, as a searcher sees it. `value` is the objective, always to MINIMISE
 *  (the caller negates a metric that is maximised); null while running or when it reported nothing. */
export interface Observation {
  params: Record<string, unknown>;
  value: number | null;
  state: 'complete' | 'running' | 'failed' | 'pruned';
}
