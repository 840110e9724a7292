// `axon group -g ID get|experiments|stop|concurrency N|delete`
import type { Command } from 'commander';
import type { AxonApi } from '../../../shared/api';
import { experimentsTable, fmtStatus, printJson, UsageError } from '../format';
import { attachGroup, plannedTotal, printGroupResults, survivingEngineLoss } from './run';
import { isGroupDone } from '../../../shared/statuses';
import type { Runner } from './types';

function groupId(cmd: Command): number {
  const v = cmd.optsWithGlobals().group as string | undefined;
  const id = Number(v);
  if (!v || !Number.isInteger(id) || id <= 0)
    throw new UsageError(`-g ID is required (a positive integer), found ${v ?? 'nothing'}`);
  return id;
}

export function registerGroup(program: Command, run: Runner): void {
  const grp = program
    .command('group')
    .description('inspect and control one experiment group (sweep)')
    .requiredOption('-g, --group <id>', 'the group id');

  grp
    .command('get')
    .description('progress, the best experiment so far and the ranked table')
    .option('--json', 'JSON output')
    .option('-w, --watch', 'wait until the group ends')
    .action((o, cmd) =>
      run(
        async (api: AxonApi) => {
          const id = groupId(cmd);
          if (o.watch) await attachGroup(api, id, { json: !!o.json, history: false });
          if (o.json) return printJson(await api.call('groups.get', { id }));
          const g = await api.call('groups.get', { id });
          const p = g.progress;
          process.stdout.write(
            `progress: ${p.done}/${isGroupDone(g.status) ? p.total : plannedTotal(g)} done (${p.succeeded} succeeded, ${p.failed} failed, ${p.stopped} stopped), ${p.running} running, ${p.pending} pending; concurrency ${g.concurrency}\n`,
          );
          await printGroupResults(api, id);
        },
        { work: !!o.watch },
      ),
    );

  grp
    .command('experiments')
    .description("the group's experiments in creation order")
    .option('--json', 'JSON output')
    .action((o, cmd) =>
      run(async (api: AxonApi) => {
        const exps = await api.call('groups.experiments', { id: groupId(cmd) });
        if (o.json) return printJson(exps);
        experimentsTable(exps);
      }),
    );

  grp
    .command('stop')
    .description('stop its pending and running experiments')
    .option('-y, --yes', "Polyaxon's no-prompt flag: accepted (Axon does not ask)")
    .option('--json', 'JSON output')
    .action((o, cmd) =>
      run(
        async (api: AxonApi, { reconnect }) => {
          const id = groupId(cmd);
          await api.call('groups.stop', { id });
          if (!o.json)
            process.stderr.write(`[axon] stopping group ${id}; waiting for its experiments to end…\n`);
          const g = await survivingEngineLoss(api, reconnect, (a) => attachGroup(a, id, { json: true }));
          if (o.json) return printJson(g);
          process.stdout.write(`group ${id}: ${fmtStatus(g.status)}\n`);
        },
        { work: true },
      ),
    );

  grp
    .command('concurrency <n>')
    .description('change how many of its experiments run at once, while it runs')
    .option('--json', 'JSON output')
    .action((n, o, cmd) =>
      run(async (api: AxonApi) => {
        const c = Number(n);
        if (!Number.isInteger(c) || c < 1)
          throw new UsageError(`concurrency must be a positive integer, found ${n}`);
        const g = await api.call('groups.setConcurrency', { id: groupId(cmd), concurrency: c });
        if (o.json) return printJson(g);
        process.stdout.write(`group ${g.id}: concurrency ${g.concurrency}\n`);
      }),
    );

  grp
    .command('delete')
    .description('delete an ended group with its experiments, their logs and outputs')
    .action((_o, cmd) =>
      run(async (api: AxonApi) => {
        const id = groupId(cmd);
        const n = (await api.call('groups.get', { id })).progress.total;
        await api.call('groups.delete', { id });
        process.stdout.write(`group ${id} deleted, with its ${n} experiment(s)\n`);
      }),
    );
}
