import { useEffect, useState } from 'react';

/** The current time, re-rendered every `ms` while `ms` is not null (a running duration's clock). */
export function useNow(ms: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (ms == null) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return ms == null ? Date.now() : now;
}
