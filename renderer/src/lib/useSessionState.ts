// useState kept in the tab's sessionStorage under `key`: the value survives leaving the page and coming back
// (Back from a trial to its sweep) but not the tab. A value that cannot be read back starts from `initial`.
import { useCallback, useState } from 'react';

export function useSessionState<T>(key: string, initial: T): [T, (next: T) => void] {
  const [value, setValue] = useState<T>(() => {
    try {
      const raw = sessionStorage.getItem(key);
      return raw === null ? initial : (JSON.parse(raw) as T);
    } catch {
      return initial;
    }
  });
  const set = useCallback(
    (next: T) => {
      setValue(next);
      try {
        sessionStorage.setItem(key, JSON.stringify(next));
      } catch {
        // Storage full or refused (a private window): the value still holds for this page.
      }
    },
    [key],
  );
  return [value, set];
}
