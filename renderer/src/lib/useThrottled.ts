import { useEffect, useRef, useState } from 'react';

/** `value`, following it at most once every `ms` (the latest value always shown in the end). Unlike a
 * settle-then-update, a value that keeps changing is still shown every `ms`. */
export function useThrottledValue<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const t = setTimeout(
      () => {
        last.current = Date.now();
        setShown(value);
      },
      Math.max(0, last.current + ms - Date.now()),
    );
    return () => clearTimeout(t);
  }, [value, shown, ms]);
  return shown;
}
