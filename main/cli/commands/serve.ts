// `axon serve`: the engine, headless, with the HTTP + WebSocket API on loopback behind a token.
import type { Command } from 'commander';
import { Engine } from '../../engine/engine';
import { removeAddress, resolveHome, writeAddress } from '../../engine/home';
import { serve } from '../../server/http';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'run the engine with its API on 127.0.0.1 (address and token in AXON_HOME/engine.json, mode 0600)',
    )
    .option('--port <n>', 'port (default: any free port)', '0')
    .action(async (o) => {
      const home = resolveHome();
      const engine = await Engine.start({ home });
      const server = await serve(engine, { port: Number(o.port) });
      engine.apiUrl = server.url;
      writeAddress(home, { pid: process.pid, url: server.url, token: server.token });
      process.stdout.write(`axon engine serving ${home} at ${server.url}\n`);
      process.stdout.write(`open the dashboard: ${server.url}/?token=${server.token}\n`);
      const shutdown = async () => {
        removeAddress(home);
        await server.close();
        await engine.close();
        process.exit(0);
      };
      process.removeAllListeners('SIGINT');
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
      await new Promise(() => undefined);
    });
}
