// What a serving engine keeps between its starts, so that a dashboard tab left open survives a restart: the
// access token and the port. `AXON_HOME/server.json` (0600, like engine.json): the next start reuses the
// token, and the port when none is asked for and it is free, so an open page reconnects by itself. Delete the
// file to make a new token (every open page then needs the new address).
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface ServerIdentity {
  token: string;
  port: number | null;
}

const file = (home: string) => path.join(home, 'server.json');

/** The identity kept in `home`, or a new token (written at once) when there is none or it is unreadable. */
export function loadIdentity(home: string): ServerIdentity {
  try {
    const o = JSON.parse(fs.readFileSync(file(home), 'utf8')) as Partial<ServerIdentity>;
    if (typeof o.token === 'string' && /^[0-9a-f]{32,128}$/.test(o.token))
      return {
        token: o.token,
        port: Number.isInteger(o.port) && o.port! > 0 && o.port! < 65536 ? o.port! : null,
      };
  } catch {
    /* none yet, or not JSON: a new one */
  }
  const fresh = { token: randomBytes(24).toString('hex'), port: null };
  saveIdentity(home, fresh);
  return fresh;
}

export function saveIdentity(home: string, id: ServerIdentity): void {
  try {
    const tmp = `${file(home)}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(id), { mode: 0o600 });
    fs.renameSync(tmp, file(home));
  } catch {
    /* a home that cannot be written: the token lasts for this start only */
  }
}
