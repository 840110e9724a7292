// A page-local fetch with loading / error / reload, for data that does not live in a store.
//
// What was read belongs to what it was read for: `key` (by default every dep) names it, and data or an error
// read under another key is never returned, not even for the one render between a route change and the
// new fetch. Experiment 19's details can then never show under #/experiments/99999, nor one group's sweep
// on another group's page. Deps that only ask for a fresher copy (a refresh counter, a status) stay out of
// `key`, so the last copy stays on screen while the next one is read.
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api';

export interface AsyncState<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload(): void;
}

interface Held<T> {
  key: string;
  data: T | undefined;
  error: string | null;
  loading: boolean;
}

export function useAsync<T>(fn: () => Promise<T>, deps: unknown[], key: unknown[] = deps): AsyncState<T> {
  const k = JSON.stringify(key);
  const [held, setHeld] = useState<Held<T>>({ key: k, data: undefined, error: null, loading: true });
  const seq = useRef(0);
  const run = useCallback(fn, deps);

  const load = useCallback(() => {
    const mine = ++seq.current;
    setHeld((h) =>
      h.key === k ? { ...h, loading: true } : { key: k, data: undefined, error: null, loading: true },
    );
    run().then(
      (data) => {
        if (mine === seq.current) setHeld({ key: k, data, error: null, loading: false });
      },
      (e) => {
        if (mine !== seq.current) return;
        setHeld((h) => ({
          key: k,
          data: h.key === k ? h.data : undefined,
          error: errorMessage(e),
          loading: false,
        }));
      },
    );
  }, [run, k]);

  useEffect(() => {
    load();
    return () => {
      seq.current++;
    };
  }, [load]);

  const mine = held.key === k;
  return {
    data: mine ? held.data : undefined,
    error: mine ? held.error : null,
    loading: mine ? held.loading : true,
    reload: load,
  };
}
