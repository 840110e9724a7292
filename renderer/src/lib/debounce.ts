/** Calls `fn` once, `ms` after the last call (trailing edge); `cancel` drops a pending call. Only for input
 * that ends (typing): a stream of calls closer than `ms` apart never fires. Live data uses `throttle`. */
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

/**
 * Calls `fn` at most once every `ms`, however often it is asked, and never leaves the last call unanswered:
 * the first call runs at once, calls during the next `ms` are folded into one call at its end (with the
 * latest arguments). A steady stream of calls therefore runs `fn` every `ms` — unlike a debounce, which
 * waits for a pause that a chatty source never makes. `cancel` drops a pending call.
 */
export function throttle<A extends unknown[]>(fn: (...args: A) => void, ms: number) {
  let t: ReturnType<typeof setTimeout> | null = null;
  let last = -Infinity;
  let pending: A | null = null;
  const fire = (args: A) => {
    last = Date.now();
    fn(...args);
  };
  const th = (...args: A) => {
    const wait = last + ms - Date.now();
    if (wait <= 0 && !t) return fire(args);
    pending = args;
    if (t) return;
    t = setTimeout(
      () => {
        t = null;
        const a = pending!;
        pending = null;
        fire(a);
      },
      Math.max(0, wait),
    );
  };
  th.cancel = () => {
    if (t) clearTimeout(t);
    t = null;
    pending = null;
  };
  return th;
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
