/** Calls `fn` once, `ms` after the last call (trailing edge); `cancel` drops a pending call. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number) {
  let t: ReturnType<typeof setTimeout> | null = null;
  const d = (...args: A) => {
    if (t) clearTimeout(t);
    t = setTimeout(() => {
      t = null;
      fn(...args);
    }, ms);
  };
  d.cancel = () => {
    if (t) clearTimeout(t);
    t = null;
  };
  return d;
}

/** Collects items and hands them over in one batch at most every `ms` (events arrive in bursts). */
export function batcher<T>(flush: (items: T[]) => void, ms: number) {
  let items: T[] = [];
  let t: ReturnType<typeof setTimeout> | null = null;
  return (item: T) => {
    items.push(item);
    if (t) return;
    t = setTimeout(() => {
      t = null;
      const batch = items;
      items = [];
      flush(batch);
    }, ms);
  };
}
