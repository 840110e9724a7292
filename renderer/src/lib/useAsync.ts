// A page-local fetch with loading / error / reload, for data that does not live in a store.
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api';

export interface AsyncState<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload(): void;
}

export function useAsync<T>(fn: () => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const run = useCallback(fn, deps);

  const load = useCallback(() => {
    const mine = ++seq.current;
    setLoading(true);
    run().then(
      (d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e) => {
        if (mine !== seq.current) return;
        setError(errorMessage(e));
        setLoading(false);
      },
    );
  }, [run]);

  useEffect(() => {
    load();
    return () => {
      seq.current++;
    };
  }, [load]);

  return { data, error, loading, reload: load };
}
