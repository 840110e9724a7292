// `axon user create|ls|delete` (superusers; on the machine, against its AXON_HOME, no sign-in is needed: the
// first superuser is made that way) and `axon token create|ls|revoke` (your own API tokens).
import type { Command } from 'commander';
import { printJson, printTable, UsageError } from '../format';
import { readPassword } from './login';
import type { Runner } from './types';

export function registerUser(program: Command, run: Runner): void {
  const user = program.command('user').description('users of a shared engine (axon serve --auth)');
  user
    .command('create <username>')
    .description('create a user (asks for the password twice; --password-stdin reads it once)')
    .option('--email <address>', 'e-mail address')
    .option('--superuser', 'may manage users, settings and every project')
    .option('--password-stdin', 'read the password from stdin (its first line)')
    .option('--json', 'JSON output')
    .action((username: string, o) =>
      run(async (api) => {
        const password = await readPassword(`password for ${username}: `, !!o.passwordStdin);
        if (!o.passwordStdin && process.stdin.isTTY) {
          const again = await readPassword('again: ', false);
          if (again !== password) throw new UsageError('the passwords differ');
        }
        const u = await api.call('users.create', {
          username,
          email: o.email ?? null,
          password,
          superuser: !!o.superuser,
        });
        if (o.json) return printJson(u);
        process.stdout.write(`user ${u.username} created${u.superuser ? ' (superuser)' : ''}\n`);
      }),
    );
  user
    .command('ls')
    .description('list users')
    .option('--json', 'JSON output')
    .action((o) =>
      run(async (api) => {
        const list = await api.call('users.list', {});
        if (o.json) return printJson(list);
        printTable(
          ['username', 'email', 'superuser', 'created'],
          list.map((u) => [u.username, u.email, u.superuser ? 'yes' : '', u.createdAt]),
        );
      }),
    );
  user
    .command('delete <username>')
    .description('delete a user (their tokens and sessions end; they must own no project)')
    .action((username: string) =>
      run(async (api) => {
        await api.call('users.delete', { username });
        process.stdout.write(`user ${username} deleted\n`);
      }),
    );

  const token = program.command('token').description('your API tokens (for scripts and CI)');
  token
    .command('create <name>')
    .description('create an API token; it is shown once, only its hash is kept')
    .option('--expires-in-days <n>', 'days until it expires; 0: never', '90')
    .option('--json', 'JSON output')
    .action((name: string, o) =>
      run(async (api) => {
        if (!/^\d+$/.test(String(o.expiresInDays)))
          throw new UsageError(
            `--expires-in-days takes a whole number of days (0: never), got "${o.expiresInDays}"`,
          );
        const t = await api.call('tokens.create', { name, expiresInDays: Number(o.expiresInDays) });
        if (o.json) return printJson(t);
        process.stdout.write(
          `${t.token}\n(token ${t.id} "${t.name}", ${t.expiresAt ? `expires ${t.expiresAt}` : 'never expires'}; shown this once: keep it now)\n`,
        );
      }),
    );
  token
    .command('ls')
    .description('list your API tokens (never the tokens themselves)')
    .option('--json', 'JSON output')
    .action((o) =>
      run(async (api) => {
        const list = await api.call('tokens.list', {});
        if (o.json) return printJson(list);
        printTable(
          ['id', 'name', 'expires', 'created', 'last used'],
          list.map((t) => [t.id, t.name, t.expiresAt ?? 'never', t.createdAt, t.lastUsedAt]),
        );
      }),
    );
  token
    .command('revoke <id>')
    .description('revoke one of your API tokens')
    .action((id: string) =>
      run(async (api) => {
        if (!/^\d+$/.test(id))
          throw new UsageError(`a token id is a whole number (see \`axon token ls\`), got "${id}"`);
        await api.call('tokens.revoke', { id: Number(id) });
        process.stdout.write(`token ${id} revoked\n`);
      }),
    );
}
