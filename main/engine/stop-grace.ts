// The stop's grace period from the environment: its own module, so the CLI reads it without loading the engine.
import { log } from './log';

/** The grace period between a stop's SIGTERM and its SIGKILL: `AXON_STOP_GRACE_S` (a run that saves a large
 *  checkpoint on SIGTERM needs more than the default 10 s), else 10 s. */
export function stopGraceFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.AXON_STOP_GRACE_S;
  if (raw === undefined || raw === '') return 10_000;
  const s = Number(raw);
  if (Number.isFinite(s) && s >= 0 && s <= 86_400) return s * 1000;
  log.warn(`AXON_STOP_GRACE_S=${raw} is not a number of seconds from 0 to 86400: the grace period is 10 s`);
  return 10_000;
}
