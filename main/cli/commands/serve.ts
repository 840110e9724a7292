// `axon serve`: the engine, headless, with the HTTP + WebSocket API on loopback behind a token. With
// `--background` (how the CLI starts one for work it launches: ../background.ts) it exits by itself when idle.
// `--auth` shares it: every caller signs in (users, API tokens; main/engine/auth/), and only then may it listen
// beyond loopback (`--host`), over HTTPS with `--tls-cert`/`--tls-key`.
import fs from 'node:fs';
import type { Command } from 'commander';
import type { Engine } from '../../engine/engine';
import { LockedError, readAddress, removeAddress, resolveHome, writeAddress } from '../../engine/home';
import { idleExitMs, idleWatch, ownKubeconfig } from '../background';
import { UPLOAD_QUOTA_DEFAULT_MIB } from '../../engine/code/upload-limits';

const EXIT_USAGE = 2;
const EXIT_ENGINE = 3;

function portOf(text: string): number | null {
  const n = Number(text);
  return /^\d+$/.test(text) && n <= 65535 ? n : null;
}

const stamp = () => new Date().toISOString();

/** 127.0.0.1, ::1, localhost: what only this machine reaches. */
export const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** Why these options cannot serve (null: they can). */
export function serveProblem(o: {
  host: string;
  auth?: boolean;
  background?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  allowLocalJobs?: boolean;
}): string | null {
  if (o.allowLocalJobs && !o.auth)
    return "--allow-local-jobs is for a shared engine (--auth); without --auth every job is the owner's anyway";
  if (!isLoopback(o.host) && !o.auth)
    return `--host ${o.host} would let anyone who reaches it act as this home's owner; add --auth (users sign in) or serve on 127.0.0.1`;
  if (o.auth && o.background)
    return '--auth is for an engine that stays up for its users (run it as a service), not with --background';
  if (!!o.tlsCert !== !!o.tlsKey) return '--tls-cert and --tls-key go together (PEM files)';
  for (const f of [o.tlsCert, o.tlsKey]) if (f && !fs.existsSync(f)) return `no such file: ${f}`;
  return null;
}

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'run the engine with its API on 127.0.0.1 (address and token in AXON_HOME/engine.json, mode 0600)',
    )
    .option('--port <n>', 'port (default: any free port)', '0')
    .option('--host <address>', 'address to listen on; beyond loopback only with --auth', '127.0.0.1')
    .option(
      '--auth',
      'a shared engine: users sign in (axon user create, axon login); projects are kept apart',
    )
    .option(
      '--allow-local-jobs',
      "with --auth: let users run jobs on the local backend, as this machine account (they could read the engine's keys); default: Docker or Kubernetes only, superusers excepted",
    )
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with --tls-key)')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .option(
      '--upload-quota <MiB>',
      `what each user's uploaded code may take on this engine, unpacked; 0: no limit (default ${UPLOAD_QUOTA_DEFAULT_MIB})`,
    )
    .option(
      '--background',
      'exit once no run is left and no client has called for AXON_IDLE_EXIT_S seconds (default 60); what the CLI starts for work it launches',
    )
    .action(async (o) => {
      const port = portOf(String(o.port));
      if (port === null) {
        process.stderr.write(`axon: --port must be a whole number from 0 to 65535, got "${o.port}"\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      const problem = serveProblem(o);
      if (problem) {
        process.stderr.write(`axon: ${problem}\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      const quotaMib = o.uploadQuota === undefined ? UPLOAD_QUOTA_DEFAULT_MIB : Number(o.uploadQuota);
      if (!Number.isInteger(quotaMib) || quotaMib < 0) {
        process.stderr.write(
          `axon: --upload-quota must be a whole number of MiB (0: no limit), got "${o.uploadQuota}"\n`,
        );
        process.exitCode = EXIT_USAGE;
        return;
      }
      const host = String(o.host);
      const tls = o.tlsCert ? { cert: String(o.tlsCert), key: String(o.tlsKey) } : undefined;
      const home = resolveHome();
      const [{ Engine }, { serve }] = await Promise.all([
        import('../../engine/engine'),
        import('../../server/http'),
      ]);
      let engine: Engine;
      // A background engine waits for a short command's in-process engine (`axon ps` at the same moment) to
      // let the home go, rather than failing its start: up to 20 s, while no other engine serves the home.
      const deadline = Date.now() + (o.background ? 20_000 : 0);
      for (;;) {
        try {
          engine = await Engine.start({ home });
          break;
        } catch (e) {
          if (!(e instanceof LockedError || (e as Error).name === 'StoreError')) throw e;
          if (e instanceof LockedError && Date.now() < deadline && !readAddress(home)) {
            await new Promise((r) => setTimeout(r, 100));
            continue;
          }
          // Another engine serves this home already (the background one a `run` started): its dashboard is
          // what the user came for.
          const serving = e instanceof LockedError ? readAddress(home) : null;
          process.stderr.write(
            serving
              ? `axon: an Axon engine (pid ${serving.pid}) serves this home already; open the dashboard: ` +
                  `${serving.url}/?token=${serving.token}\n` +
                  (serving.background
                    ? `axon: it is a background engine, which exits once nothing runs and nobody watches; for a ` +
                      `dashboard that stays up, run axon serve again after it exits (or stop it: kill ${serving.pid}; runs go on)\n`
                    : '')
              : `axon: ${(e as Error).message}\n`,
          );
          process.exitCode = EXIT_ENGINE;
          return;
        }
      }
      const idle = o.background ? idleWatch(engine, idleExitMs(), () => void shutdown('idle')) : null;
      let server: Awaited<ReturnType<typeof import('../../server/http').serve>>;
      try {
        engine.authEnabled = !!o.auth;
        engine.authz.localJobs = !o.auth || !!o.allowLocalJobs;
        engine.uploadQuotaBytes = quotaMib * 1024 * 1024;
        server = await serve(idle?.api ?? engine, { port, host, auth: !!o.auth, tls });
      } catch (e) {
        idle?.stop();
        await engine.close();
        const code = (e as NodeJS.ErrnoException).code;
        process.stderr.write(
          `axon: cannot listen on ${host}:${port}: ${
            code === 'EADDRINUSE'
              ? 'the port is in use'
              : code === 'EACCES'
                ? 'permission denied'
                : (e as Error).message
          }\n`,
        );
        process.exitCode = EXIT_ENGINE;
        return;
      }
      engine.apiUrl = server.url;
      writeAddress(home, {
        pid: process.pid,
        url: server.url,
        token: server.token,
        kubeconfig: ownKubeconfig(),
        stopGraceMs: engine.runner.stopGraceMs,
        ...(o.background ? { background: true } : {}),
      });
      if (o.background)
        process.stdout.write(
          `${stamp()} background engine ${process.pid} serving ${home} at ${server.url}\n`,
        );
      else if (o.auth) {
        // The home's token (engine.json, 0600) stays this machine's owner's: it is never printed here.
        process.stdout.write(`axon engine serving ${home} at ${server.url} (users sign in: --auth)\n`);
        process.stdout.write(
          `sign in: axon login ${server.url} -u USER; the dashboard: ${server.url}/ (its login page)\n`,
        );
        process.stdout.write(
          o.allowLocalJobs
            ? "warning: --allow-local-jobs: users' local jobs run as this account and can read this home (its keys included)\n"
            : 'jobs of users who are not superusers run on Docker or Kubernetes only (--allow-local-jobs lets them run locally)\n',
        );
      } else {
        process.stdout.write(`axon engine serving ${home} at ${server.url}\n`);
        process.stdout.write(`open the dashboard: ${server.url}/?token=${server.token}\n`);
      }
      let stopping = false;
      async function shutdown(why: string) {
        if (stopping) return;
        stopping = true;
        idle?.stop();
        // Logged before the address goes: whoever sees engine.json gone finds the reason in engine.log.
        if (o.background)
          process.stdout.write(`${stamp()} background engine ${process.pid} exits (${why})\n`);
        removeAddress(home);
        await server.close();
        await engine.close();
        process.exit(0);
      }
      process.removeAllListeners('SIGINT');
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
      await new Promise(() => undefined);
    });
}
