// Experiments by id, the lists loaded per project and group, and the live updates from engine events.
import { create } from 'zustand';
import type { Experiment, MetricPoint } from '../../../shared/domain';
import { call, errorMessage } from '../api';
import { readExperimentPages, type PageProgress } from '../lib/experimentPages';

export type LoadState =
  | { status: 'loading' }
  /** Shown from the first page on; `done` once every page is in (lib/experimentPages.ts). */
  | ({ status: 'ready' } & Partial<PageProgress>)
  | { status: 'error'; error: string };

interface ExperimentsState {
  byId: Record<number, Experiment>;
  /** Which project lists have been fetched (key: project name). */
  projects: Record<string, LoadState>;
  upsert(xs: Experiment[]): void;
  remove(id: number): void;
  applyMetrics(batch: Array<{ experimentId: number; points: MetricPoint[] }>): void;
  loadProject(name: string): Promise<void>;
}

/** The latest read of each project's list: an older one still going stops at its next page. */
const reads: Record<string, number> = {};

/** Min or max per key of two records (either may lack the key, or be missing in rows of an older engine). */
function mergeWith(
  pick: (a: number, b: number) => number,
  a: Record<string, number> | undefined,
  b: Record<string, number> | undefined,
): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b ?? {})) out[k] = k in out ? pick(out[k], v) : v;
  return out;
}

export const useExperiments = create<ExperimentsState>((set, get) => ({
  byId: {},
  projects: {},
  upsert(xs) {
    if (!xs.length) return;
    set((s) => {
      const byId = { ...s.byId };
      for (const x of xs) {
        const prev = byId[x.id];
        // Events carry the experiment row; keep last metrics that arrived after it was read.
        byId[x.id] = prev
          ? {
              ...x,
              lastMetrics: { ...prev.lastMetrics, ...x.lastMetrics },
              minMetrics: mergeWith(Math.min, prev.minMetrics, x.minMetrics),
              maxMetrics: mergeWith(Math.max, prev.maxMetrics, x.maxMetrics),
            }
          : x;
      }
      return { byId };
    });
  },
  remove(id) {
    set((s) => {
      if (!(id in s.byId)) return s;
      const byId = { ...s.byId };
      delete byId[id];
      return { byId };
    });
  },
  applyMetrics(batch) {
    set((s) => {
      let byId: Record<number, Experiment> | null = null;
      for (const { experimentId, points } of batch) {
        const x = (byId ?? s.byId)[experimentId];
        if (!x || !points.length) continue;
        const last = { ...x.lastMetrics };
        const min = { ...x.minMetrics };
        const max = { ...x.maxMetrics };
        const steps = new Map<string, number>();
        for (const p of points) {
          if ((steps.get(p.key) ?? -Infinity) <= p.step) {
            steps.set(p.key, p.step);
            last[p.key] = p.value;
          }
          min[p.key] = Math.min(min[p.key] ?? p.value, p.value);
          max[p.key] = Math.max(max[p.key] ?? p.value, p.value);
        }
        byId ??= { ...s.byId };
        byId[experimentId] = { ...x, lastMetrics: last, minMetrics: min, maxMetrics: max };
      }
      return byId ? { byId } : s;
    });
  },
  async loadProject(name) {
    const first = !get().projects[name];
    if (first) set((s) => ({ projects: { ...s.projects, [name]: { status: 'loading' } } }));
    const generation = (reads[name] = (reads[name] ?? 0) + 1);
    const seen = new Set<number>();
    let newest = Infinity;
    try {
      await readExperimentPages(
        (page) => call('experiments.page', { project: name, sort: { by: 'id', dir: 'desc' }, ...page }),
        (xs, { loaded, total, done }) => {
          if (reads[name] !== generation) return false;
          if (!seen.size) newest = xs.length ? xs[0].id : Infinity;
          for (const x of xs) seen.add(x.id);
          set((s) => {
            const byId = { ...s.byId };
            for (const x of xs) byId[x.id] = x;
            // Runs deleted elsewhere disappear on reload; runs created since the first page (events) stay.
            if (done)
              for (const x of Object.values(byId))
                if (x.projectName === name && x.id <= newest && !seen.has(x.id)) delete byId[x.id];
            return { byId, projects: { ...s.projects, [name]: { status: 'ready', loaded, total, done } } };
          });
          return true;
        },
      );
    } catch (e) {
      if (reads[name] !== generation) return;
      set((s) => ({ projects: { ...s.projects, [name]: { status: 'error', error: errorMessage(e) } } }));
    }
  },
}));

/** The experiments of one project, in id order (newest first). */
export function selectProjectExperiments(byId: Record<number, Experiment>, project: string): Experiment[] {
  const out: Experiment[] = [];
  for (const x of Object.values(byId)) if (x.projectName === project) out.push(x);
  return out.sort((a, b) => b.id - a.id);
}
