// The user's choices, kept in localStorage: theme and default backend.
import { create } from 'zustand';

export type Theme = 'light' | 'dark';
export type BackendName = 'local' | 'docker' | 'kubernetes';
export const BACKENDS: readonly BackendName[] = ['local', 'docker', 'kubernetes'];

const THEME_KEY = 'axon.theme';
const BACKEND_KEY = 'axon.defaultBackend';

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* storage disabled: the choice lasts for this page only */
  }
}

function initialTheme(): Theme {
  const t = read(THEME_KEY);
  if (t === 'light' || t === 'dark') return t;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
}

interface SettingsState {
  theme: Theme;
  defaultBackend: BackendName;
  setTheme(t: Theme): void;
  setDefaultBackend(b: BackendName): void;
}

export const useSettings = create<SettingsState>((set) => ({
  theme: initialTheme(),
  defaultBackend: BACKENDS.find((b) => b === read(BACKEND_KEY)) ?? 'local',
  setTheme(theme) {
    write(THEME_KEY, theme);
    applyTheme(theme);
    set({ theme });
  },
  setDefaultBackend(defaultBackend) {
    write(BACKEND_KEY, defaultBackend);
    set({ defaultBackend });
  },
}));
