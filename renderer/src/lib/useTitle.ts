// Each page names itself in the window title (WCAG 2.4.2; the desktop window and the browser tab show it).
import { useEffect } from 'react';

export function useTitle(title: string) {
  useEffect(() => {
    document.title = title ? `${title} — Axon` : 'Axon';
  }, [title]);
}
