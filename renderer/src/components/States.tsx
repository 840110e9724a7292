// Loading, empty and error states: each says what is happening and what the user can do.
import type { ReactNode } from 'react';

export function Loading({ what }: { what: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state empty">
      <p className="state-title">{title}</p>
      {children && <div className="state-body">{children}</div>}
    </div>
  );
}

export function ErrorState({
  error,
  onRetry,
  hint,
}: {
  error: string;
  onRetry?: () => void;
  hint?: ReactNode;
}) {
  return (
    <div className="state error" role="alert">
      <p className="state-title">{error}</p>
      {hint && <div className="state-body">{hint}</div>}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** An inline notice (info / warning / error) inside a page. */
export function Notice({ kind, children }: { kind: 'info' | 'warning' | 'error'; children: ReactNode }) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}
