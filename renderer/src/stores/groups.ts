// Experiment groups by id, with the lists loaded per project.
import { create } from 'zustand';
import type { Group } from '../../../shared/domain';
import { call, errorMessage } from '../api';
import type { LoadState } from './experiments';

interface GroupsState {
  byId: Record<number, Group>;
  projects: Record<string, LoadState>;
  upsert(gs: Group[]): void;
  remove(id: number): void;
  loadProject(name: string): Promise<void>;
  /** Re-reads groups whose experiments changed (their progress moved). */
  refresh(ids: number[]): Promise<void>;
}

export const useGroups = create<GroupsState>((set, get) => ({
  byId: {},
  projects: {},
  upsert(gs) {
    if (!gs.length) return;
    set((s) => {
      const byId = { ...s.byId };
      for (const g of gs) byId[g.id] = g;
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
  async loadProject(name) {
    if (!get().projects[name]) set((s) => ({ projects: { ...s.projects, [name]: { status: 'loading' } } }));
    try {
      const gs = await call('groups.list', { project: name });
      set((s) => {
        const byId = { ...s.byId };
        for (const g of Object.values(byId)) if (g.projectName === name) delete byId[g.id];
        for (const g of gs) byId[g.id] = g;
        return { byId, projects: { ...s.projects, [name]: { status: 'ready' } } };
      });
    } catch (e) {
      set((s) => ({ projects: { ...s.projects, [name]: { status: 'error', error: errorMessage(e) } } }));
    }
  },
  async refresh(ids) {
    const known = ids.filter((id) => id in get().byId);
    const got = await Promise.allSettled(known.map((id) => call('groups.get', { id })));
    const gs: Group[] = [];
    for (const r of got)
      if (r.status === 'fulfilled') {
        const { ranked: _ranked, ...g } = r.value;
        gs.push(g);
      }
    get().upsert(gs);
  },
}));
