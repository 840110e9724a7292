// What the sweep page shows beyond the search itself: each param's importance (`groups.importance`) and the
// learning curves of all experiments on one step grid (`groups.metricCurves`). Types only.

/** `groups.importance`: each param's importance for a metric of the group (most important first). */
export interface GroupImportance {
  groupId: number;
  /** The metric explained (its last value per experiment); null when the group has none and none was asked. */
  metric: string | null;
  /** Finished experiments with a value of the metric, and how many the forest was fitted on (all of them, or
   * a seeded sample past the engine's limit). */
  trials: number;
  used: number;
  /** Below `minTrials` finished experiments nothing is computed (`enough` false). */
  minTrials: number;
  enough: boolean;
  /** The forest's out-of-bag R² of the metric: how much of it the params predict at all. */
  fit: number | null;
  /** The metric is modelled as log(value) when every value is above 0 and they span > 3 decades. */
  objectiveScale: 'linear' | 'log';
  /** The method, in words, for the page to say. */
  method: string;
  params: Array<{
    name: string;
    kind: 'numeric' | 'log' | 'categorical';
    /** The share of the importance (they sum to 1, or are all 0). */
    importance: number;
    /** The mean growth of the out-of-bag squared error when the param is shuffled, over the metric's variance;
     * may be slightly negative for a param that does not matter. */
    raw: number;
    /** The param had one value in every trial: nothing can be said about it. */
    constant: boolean;
  }>;
}

/** `groups.metricCurves`: one metric of every experiment of a group on a shared step grid. */
export interface GroupCurves {
  groupId: number;
  key: string;
  /** The grid: each bucket's last step (over every experiment). */
  steps: number[];
  /** Steps per bucket (1: every step is its own point). */
  bucket: number;
  /** Experiments that reported the metric, by id; `values[i]` is the mean in bucket i, null where the
   * experiment has no point there. `total`: its points before bucketing. */
  curves: Array<{ experimentId: number; total: number; values: Array<number | null> }>;
}
