// The project list.
import { create } from 'zustand';
import type { Project } from '../../../shared/domain';
import { call, errorMessage } from '../api';
import type { LoadState } from './experiments';
import { useNotices } from './notices';

interface ProjectsState {
  list: Project[];
  state: LoadState | null;
  load(): Promise<void>;
  create(input: { name: string; description: string; codePath: string | null }): Promise<Project>;
  remove(name: string): Promise<void>;
}

export const useProjects = create<ProjectsState>((set, get) => ({
  list: [],
  state: null,
  async load() {
    if (!get().state) set({ state: { status: 'loading' } });
    try {
      set({ list: await call('projects.list', {}), state: { status: 'ready' } });
    } catch (e) {
      set({ state: { status: 'error', error: errorMessage(e) } });
    }
  },
  async create(input) {
    const p = await call('projects.create', input);
    set((s) => ({
      list: [...s.list.filter((x) => x.name !== p.name), p].sort((a, b) => a.name.localeCompare(b.name)),
    }));
    return p;
  },
  async remove(name) {
    useNotices.getState().warn((await call('projects.delete', { name })).warnings);
    set((s) => ({ list: s.list.filter((p) => p.name !== name) }));
  },
}));
