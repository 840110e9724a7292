// A project's experiments read page by page, newest first: a small first page (the table's first screen, on
// screen as soon as it arrives), then the rest in larger pages behind it. Each page after the first asks for
// the ids below the last one seen, so a run created or deleted meanwhile shifts nothing. 10,000 runs in one
// response were ~6 MB of JSON that the first row waited for.
import type { Experiment } from '../../../shared/domain';
import type { ExperimentPage } from '../../../shared/experiment-page';

export const FIRST_PAGE = 100;
export const NEXT_PAGE = 2500;

export interface PageProgress {
  /** How many have been read so far, and how many the project had when the first page was read. */
  loaded: number;
  total: number;
  done: boolean;
}

/**
 * Calls `onPage` with each page in order; resolves once the last is in. `onPage` returning false stops the
 * reading (a newer read of the same list took over).
 */
export async function readExperimentPages(
  fetchPage: (args: { belowId?: number; limit: number }) => Promise<ExperimentPage>,
  onPage: (items: Experiment[], progress: PageProgress) => boolean,
  sizes: { first: number; next: number } = { first: FIRST_PAGE, next: NEXT_PAGE },
): Promise<void> {
  let belowId: number | undefined;
  let loaded = 0;
  let total = 0;
  for (let first = true; ; first = false) {
    const limit = first ? sizes.first : sizes.next;
    const page = await fetchPage({ belowId, limit });
    if (first) total = page.total;
    loaded += page.items.length;
    const done = page.items.length < limit;
    if (!onPage(page.items, { loaded, total: Math.max(total, loaded), done }) || done) return;
    belowId = page.items[page.items.length - 1].id;
  }
}
