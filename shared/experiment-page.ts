// `experiments.page`: one page of a list of experiments in an order the engine sorts, with how many there are
// in all. A table shows its first screen from the first page and loads the rest behind it, instead of waiting
// for one response with every run (10,000 runs are ~6 MB of JSON).
import { z } from 'zod';
import type { Experiment } from './domain';
import { EXPERIMENT_STATUSES } from './statuses';

const dir = z.enum(['asc', 'desc']).default('desc');

/** Experiments without the sort value (no such metric or param) come last in either direction; ties by id. */
export const experimentSort = z.discriminatedUnion('by', [
  z.object({
    by: z.enum(['id', 'name', 'status', 'backend', 'createdAt', 'startedAt', 'finishedAt']),
    dir,
  }),
  z.object({
    by: z.literal('metric'),
    key: z.string().min(1),
    stat: z.enum(['last', 'min', 'max']).default('last'),
    dir,
  }),
  z.object({ by: z.literal('param'), key: z.string().min(1), dir }),
]);
export type ExperimentSort = z.output<typeof experimentSort>;

export const MAX_PAGE = 10_000;

export const experimentPageInput = z.object({
  /** The project whose experiments (a page is of one project: what its table shows, and what a caller may read). */
  project: z.string().min(1),
  groupId: z.number().int().positive().optional(),
  status: z.enum(EXPERIMENT_STATUSES).optional(),
  /** Only experiments with a lower id: the cursor of id-descending pages (a run deleted meanwhile shifts none). */
  belowId: z.number().int().positive().optional(),
  sort: experimentSort.default({ by: 'id', dir: 'desc' }),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().positive().max(MAX_PAGE).default(100),
});

export interface ExperimentPage {
  items: Experiment[];
  /** How many experiments the filters (project, group, status, belowId) select, over all pages. */
  total: number;
  offset: number;
}
