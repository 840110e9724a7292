// The servers this CLI has signed in to (`axon login URL`): their session tokens, kept in the CLI's config
// (AXON_CONFIG_DIR, default ~/.config/axon/servers.json, 0600), and the one commands talk to. With none, the
// CLI uses this machine's AXON_HOME as it always has. AXON_SERVER=URL picks a signed-in server for one command,
// AXON_SERVER=local the home.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ServerLogin {
  token: string;
  username: string;
  expiresAt: string | null;
}

interface Config {
  current: string | null;
  servers: Record<string, ServerLogin>;
}

export const configFile = (env: NodeJS.ProcessEnv = process.env) =>
  path.join(env.AXON_CONFIG_DIR || path.join(os.homedir(), '.config', 'axon'), 'servers.json');

function read(): Config {
  try {
    const c = JSON.parse(fs.readFileSync(configFile(), 'utf8')) as Partial<Config>;
    return { current: typeof c.current === 'string' ? c.current : null, servers: c.servers ?? {} };
  } catch {
    return { current: null, servers: {} };
  }
}

function write(c: Config): void {
  const file = configFile();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(c, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** `https://host:8443/` → `https://host:8443`: one spelling per server. */
export function serverUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`"${text}" is not a server address; expected one like https://axon.example.org:8443`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new Error(`a server address starts with https:// (or http://); found "${text}"`);
  return u.origin;
}

export function saveLogin(url: string, login: ServerLogin): void {
  const c = read();
  c.servers[url] = login;
  c.current = url;
  write(c);
}

/** Forgets a server's token; the CLI goes back to the local home when it was the current one. */
export function forgetLogin(url: string): ServerLogin | null {
  const c = read();
  const had = c.servers[url] ?? null;
  delete c.servers[url];
  if (c.current === url) c.current = null;
  write(c);
  return had;
}

/** The server commands talk to (AXON_SERVER, else the last one signed in to), or null: the local home. */
export function remoteServer(env: NodeJS.ProcessEnv = process.env): ({ url: string } & ServerLogin) | null {
  if (env.AXON_SERVER === 'local') return null;
  const c = read();
  const url = env.AXON_SERVER ? serverUrl(env.AXON_SERVER) : c.current;
  if (!url) return null;
  const login = c.servers[url];
  if (!login) throw new Error(`not signed in to ${url}: run \`axon login ${url}\``);
  return { url, ...login };
}
