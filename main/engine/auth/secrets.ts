// Passwords (scrypt, node:crypto) and bearer tokens (random, stored as their sha256: a copy of the database
// gives no usable token). Nothing here touches the store.
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// OWASP's scrypt floor (N=2^17, r=8, p=1) with 64 MiB of memory: ~100 ms per hash on a laptop core.
const SCRYPT = { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 } as const;
const KEY_LEN = 32;

// scrypt runs on libuv's thread pool (4 threads), which SQLite and file reads share: at most 2 at once, so a
// flood of sign-ins waits its turn instead of stalling every other request.
const MAX_AT_ONCE = 2;
let running = 0;
const waiting: Array<() => void> = [];

/** Sign-ins waiting for their turn: past a few dozen, new ones are turned away (429) rather than queued. */
export const scryptQueue = (): number => waiting.length;

async function scryptAsync(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  if (running >= MAX_AT_ONCE) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await new Promise((resolve, reject) =>
      scrypt(password, salt, KEY_LEN, opts, (e, key) => (e ? reject(e) : resolve(key))),
    );
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** `scrypt$N$r$p$salt$key` (base64url), so the cost can rise later without breaking stored hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = stored?.split('$') ?? [];
  if (parts.length !== 6 || parts[0] !== 'scrypt') {
    // Same work for an unknown user as for a known one: the time taken says nothing about which it was.
    await scryptAsync(password, randomBytes(16), SCRYPT);
    return false;
  }
  const [, n, r, p, salt, key] = parts;
  const want = Buffer.from(key, 'base64url');
  const got = await scryptAsync(password, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A new bearer token: the prefix says what it is (`axp_` API token, `axs_` session) when one leaks. */
export function newToken(prefix: 'axp' | 'axs'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/** What a password must be: long enough that the rate limit makes guessing it hopeless. */
export function passwordProblem(password: string): string | null {
  if (password.length < 10) return `a password has at least 10 characters; this one has ${password.length}`;
  if (password.length > 1024) return 'a password has at most 1024 characters';
  return null;
}
