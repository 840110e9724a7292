// The token a job receives (AXON_TOKEN): `axr_<experiment id>_<HMAC-SHA256(key, "run:<id>")>`. The key lives in
// AXON_HOME/run-token.key (0600), so a job re-attached by the next engine keeps a valid token; nothing about
// run tokens is stored in the database.
import fs from 'node:fs';
import path from 'node:path';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function runTokenKey(home: string): string {
  const file = path.join(home, 'run-token.key');
  try {
    const k = fs.readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(k)) return k;
  } catch {
    /* none yet */
  }
  const key = randomBytes(32).toString('hex');
  try {
    fs.writeFileSync(file, key, { mode: 0o600 });
  } catch {
    /* a home that cannot be written: the key lasts for this engine only */
  }
  return key;
}

export const runMac = (key: string, experimentId: number): string =>
  createHmac('sha256', key).update(`run:${experimentId}`).digest('hex');

export const runToken = (key: string, experimentId: number): string =>
  `axr_${experimentId}_${runMac(key, experimentId)}`;

/** The experiment a run token stands for, or null when it is not one this home's key signed. */
export function verifyRunToken(key: string, token: string): number | null {
  const m = /^axr_([1-9]\d{0,15})_([0-9a-f]{64})$/.exec(token);
  if (!m) return null;
  const id = Number(m[1]);
  const want = Buffer.from(runMac(key, id));
  const got = Buffer.from(m[2]);
  return want.length === got.length && timingSafeEqual(want, got) ? id : null;
}
