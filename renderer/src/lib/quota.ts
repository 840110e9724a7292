// An organization's quota as the pages show and edit it (shared/auth.ts Quota: null is no limit). Memory is
// edited in GiB and sent in bytes. Pure: test/unit/session.test.ts.
import type { Quota } from '../../../shared/auth';
import { formatBytes } from './format';

export type QuotaKey = keyof Quota;

export const QUOTA_FIELDS: Array<{ key: QuotaKey; label: string; unit: string }> = [
  { key: 'experiments', label: 'Experiments at once', unit: '' },
  { key: 'gpus', label: 'GPUs', unit: '' },
  { key: 'cpu', label: 'CPU', unit: 'cores' },
  { key: 'memoryBytes', label: 'Memory', unit: 'GiB' },
];

const GIB = 1024 ** 3;

export function formatLimit(key: QuotaKey, v: number | null): string {
  if (v === null) return 'no limit';
  if (key === 'memoryBytes') return formatBytes(v);
  if (key === 'cpu') return `${v} ${v === 1 ? 'core' : 'cores'}`;
  return String(v);
}

/** What an input shows for a limit: empty for no limit, memory in GiB. */
export function limitText(key: QuotaKey, v: number | null): string {
  if (v === null) return '';
  return key === 'memoryBytes' ? String(Number((v / GIB).toFixed(3))) : String(v);
}

/** The quota typed into the form, or the first field that is not a limit (with what it expects). */
export function parseQuota(
  text: Record<QuotaKey, string>,
): { quota: Quota } | { field: QuotaKey; error: string } {
  const quota: Quota = { experiments: null, gpus: null, cpu: null, memoryBytes: null };
  for (const { key, label } of QUOTA_FIELDS) {
    const t = text[key].trim();
    if (t === '') continue;
    const n = Number(t);
    const whole = key === 'experiments' || key === 'gpus';
    if (!Number.isFinite(n) || n < 0 || (whole && !Number.isInteger(n)))
      return {
        field: key,
        error: `${label}: “${t}” is not a limit; expected ${whole ? 'a whole number' : 'a number'} of 0 or more${key === 'memoryBytes' ? ' (GiB)' : ''}, or empty for no limit`,
      };
    quota[key] = key === 'memoryBytes' ? Math.round(n * GIB) : n;
  }
  return { quota };
}
