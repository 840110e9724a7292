// What an action said that outlives its page (a delete's folders left behind): shown at the top of every page
// until dismissed.
import { create } from 'zustand';

interface NoticesState {
  warnings: string[];
  warn(lines: string[] | undefined): void;
  dismiss(): void;
}

export const useNotices = create<NoticesState>((set) => ({
  warnings: [],
  warn(lines) {
    if (lines?.length) set((s) => ({ warnings: [...s.warnings, ...lines] }));
  },
  dismiss() {
    set({ warnings: [] });
  },
}));
