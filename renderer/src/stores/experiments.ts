// Experiments by id, the lists loaded per project and group, and the live updates from engine events.
import { create } from 'zustand';
import type { Experiment, MetricPoint } from '../../../shared/domain';
import { call, errorMessage } from '../api';

export type LoadState = { status: 'loading' } | { status: 'ready' } | { status: 'error'; error: string };

interface ExperimentsState {
  byId: Record<number, Experiment>;
  /** Which project lists have been fetched (key: project name). */
  projects: Record<string, LoadState>;
  upsert(xs: Experiment[]): void;
  remove(id: number): void;
  applyMetrics(batch: Array<{ experimentId: number; points: MetricPoint[] }>): void;
  loadProject(name: string): Promise<void>;
}

/** The engine returns at most this many per list call; the UI asks for all of a project's runs. */
const PROJECT_LIMIT = 100_000;

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
    try {
      const xs = await call('experiments.list', { project: name, limit: PROJECT_LIMIT });
      set((s) => {
        const byId = { ...s.byId };
        // Runs deleted elsewhere disappear from the project on reload.
        for (const x of Object.values(byId)) if (x.projectName === name) delete byId[x.id];
        for (const x of xs) byId[x.id] = x;
        return { byId, projects: { ...s.projects, [name]: { status: 'ready' } } };
      });
    } catch (e) {
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
