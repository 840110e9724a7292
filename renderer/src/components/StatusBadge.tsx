// A status as a coloured badge; the colour is never the only cue (the word is always there).
const TONE: Record<string, string> = {
  created: 'neutral',
  resuming: 'neutral',
  scheduled: 'info',
  building: 'info',
  starting: 'info',
  running: 'info',
  stopping: 'warning',
  warning: 'warning',
  unschedulable: 'warning',
  unknown: 'warning',
  succeeded: 'success',
  done: 'success',
  failed: 'danger',
  upstream_failed: 'danger',
  stopped: 'muted',
  skipped: 'muted',
};

export function StatusBadge({ status }: { status: string }) {
  const tone = TONE[status] ?? 'neutral';
  return (
    <span className={`badge badge-${tone}`} data-status={status}>
      {(tone === 'info' && status === 'running') || status === 'starting' ? (
        <span className="pulse" aria-hidden="true" />
      ) : null}
      {status.replace('_', ' ')}
    </span>
  );
}
