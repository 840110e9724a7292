// What the engine says about itself (version, AXON_HOME, backends), read once and on demand.
import { create } from 'zustand';
import type { EngineInfo } from '../../../shared/domain';
import { call, errorMessage } from '../api';

interface SystemState {
  info: EngineInfo | null;
  error: string | null;
  load(): Promise<void>;
}

export const useSystem = create<SystemState>((set) => ({
  info: null,
  error: null,
  async load() {
    try {
      set({ info: await call('system.info', {}), error: null });
    } catch (e) {
      set({ error: errorMessage(e) });
    }
  },
}));

/** The engine's word on a backend, or null before system.info has answered. */
export function backendStatus(info: EngineInfo | null, name: string) {
  return info?.backends.find((b) => b.name === name) ?? null;
}
