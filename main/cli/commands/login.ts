// `axon login URL`, `axon logout [URL]`, `axon whoami`: signing in to a shared engine (axon serve --auth). The
// session token is kept in the CLI's config for that server (../remote.ts); commands then talk to it.
import type { Command } from 'commander';
import { createHttpClient } from '../../../shared/http-client';
import { printJson, UsageError } from '../format';
import { forgetLogin, remoteServer, saveLogin, serverUrl } from '../remote';
import type { Runner } from './types';

/** A password from stdin (`--password-stdin`: its first line), else asked on the terminal without echo. */
export async function readPassword(prompt: string, fromStdin: boolean): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
    if (!line) throw new UsageError('no password on stdin');
    return line;
  }
  process.stderr.write(prompt);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  let text = '';
  try {
    for await (const c of stdin) {
      for (const ch of String(c)) {
        if (ch === '\u0003') throw new UsageError('interrupted');
        if (ch === '\r' || ch === '\n') return text;
        if (ch === '\u007f') text = text.slice(0, -1);
        else text += ch;
      }
    }
    return text;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

const usage = (e: unknown) => new UsageError((e as Error).message);

export function registerLogin(program: Command, run: Runner): void {
  program
    .command('login <url>')
    .description('sign in to a shared engine (axon serve --auth); later commands talk to it until logout')
    .requiredOption('-u, --username <name>', 'your username')
    .option('--password-stdin', 'read the password from stdin (its first line)')
    .action((url: string, o) =>
      run(async () => {
        let base: string;
        try {
          base = serverUrl(url);
        } catch (e) {
          throw usage(e);
        }
        const password = await readPassword(`password for ${o.username} at ${base}: `, !!o.passwordStdin);
        const s = await createHttpClient(base, '').call('auth.login', { username: o.username, password });
        saveLogin(base, { token: s.token, username: s.user.username, expiresAt: s.expiresAt });
        process.stdout.write(
          `signed in to ${base} as ${s.user.username} (the session ends ${s.expiresAt})\n`,
        );
      }),
    );

  program
    .command('logout [url]')
    .description('end the session with a shared engine (default: the current one) and forget its token')
    .action((url: string | undefined) =>
      run(async (api) => {
        let base: string | null;
        try {
          base = url ? serverUrl(url) : (remoteServer()?.url ?? null);
        } catch (e) {
          throw usage(e);
        }
        if (!base) throw new UsageError('not signed in to any server');
        // The server ends the session; a server that cannot be reached still has it forgotten here.
        if (!url || base === remoteServer()?.url) await api.call('auth.logout', {}).catch(() => undefined);
        forgetLogin(base);
        process.stdout.write(`signed out of ${base}\n`);
      }),
    );

  program
    .command('whoami')
    .description('who this CLI acts as: the local owner, or your user on a shared engine')
    .option('--json', 'JSON output')
    .action((o) =>
      run(async (api) => {
        const w = await api.call('auth.whoami', {});
        if (o.json) return printJson(w);
        const who = w.kind === 'local' ? 'the local owner of this AXON_HOME' : (w.user?.username ?? w.kind);
        const orgs = w.organizations.map((x) => `${x.name} (${x.role})`).join(', ');
        process.stdout.write(
          `${who}${w.user?.superuser && w.kind !== 'local' ? ', superuser' : ''}${orgs ? `; ${orgs}` : ''}\n`,
        );
      }),
    );
}
