// `axon group [-g ID] get|experiments|statuses|stop|concurrency N|delete`
import type { Command } from 'commander';
import type { AxonApi } from '../../../shared/api';
import { columns, experimentsTable, fmtStatus, printJson, printTable, UsageError } from '../format';
import { queryExperiments, withListOptions } from '../query';
import { attachGroup, plannedTotal, printGroupResults, survivingEngineLoss } from './run';
import { isGroupDone } from '../../../shared/statuses';
import type { Runner } from './types';
import { groupIdOf } from '../ids';

export function registerGroup(program: Command, run: Runner): void {
  const grp = program
    .command('group')
    .description('inspect and control one experiment group (sweep)')
    .option('-g, --group <id>', 'the group id; default: the newest of the linked project');

  grp
    .command('get')
    .description('progress, the best experiment so far and the ranked table')
    .option('--json', 'JSON output')
    .option('-w, --watch', 'wait until the group ends')
    .action((o, cmd) =>
      run(
        async (api: AxonApi) => {
          const id = await groupIdOf(cmd, api);
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

  withListOptions(
    grp.command('experiments').description("the group's experiments in creation order (or -s's)"),
  )
    .option('--json', 'JSON output')
    .action((o, cmd) =>
      run(async (api: AxonApi) => {
        const all = await api.call('groups.experiments', { id: await groupIdOf(cmd, api) });
        const exps = queryExperiments(all, o);
        if (o.json) return printJson(exps);
        experimentsTable(exps, columns(o));
      }),
    );

  grp
    .command('statuses')
    .description('every status change of the group, with time and message')
    .option('--json', 'JSON output')
    .action((o, cmd) =>
      run(async (api: AxonApi) => {
        const s = await api.call('groups.statuses', { id: await groupIdOf(cmd, api) });
        if (o.json) return printJson(s);
        printTable(
          ['time', 'status', 'message'],
          s.map((r) => [r.at, fmtStatus(r.status), r.message ?? r.reason ?? '']),
        );
      }),
    );

  grp
    .command('stop')
    .description('stop its pending and running experiments (--pending: only the pending ones)')
    .option('--pending', 'stop only what has not started and end the search; running experiments finish')
    .option('-y, --yes', "Polyaxon's no-prompt flag: accepted (Axon does not ask)")
    .option('--json', 'JSON output')
    .action((o, cmd) =>
      run(
        async (api: AxonApi, { reconnect }) => {
          const id = await groupIdOf(cmd, api, 'stop it');
          const before = await api.call('groups.get', { id });
          if (isGroupDone(before.status)) {
            if (o.json) return printJson(before);
            process.stdout.write(`group ${id} has already ended: ${fmtStatus(before.status)}\n`);
            return;
          }
          const stopped = await api.call('groups.stop', { id, pending: !!o.pending });
          if (o.pending) {
            // Running experiments may take hours: say what happens, do not wait for them.
            if (o.json) return printJson(stopped);
            const xs = await api.call('groups.experiments', { id });
            const unstarted = xs.filter((x) => x.status === 'stopped' && x.statusReason === 'group stopped');
            process.stdout.write(
              `group ${id}: no new experiments; ${unstarted.length} stopped before they started, ` +
                `${stopped.progress.running} running will finish (axon group -g ${id} get -w waits for them)\n`,
            );
            return;
          }
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
        const g = await api.call('groups.setConcurrency', { id: await groupIdOf(cmd, api), concurrency: c });
        if (o.json) return printJson(g);
        process.stdout.write(`group ${g.id}: concurrency ${g.concurrency}\n`);
      }),
    );

  grp
    .command('delete')
    .description('delete an ended group with its experiments, their logs and outputs')
    .action((_o, cmd) =>
      run(async (api: AxonApi) => {
        const id = await groupIdOf(cmd, api, 'delete it');
        const n = (await api.call('groups.get', { id })).progress.total;
        const r = await api.call('groups.delete', { id });
        process.stdout.write(`group ${id} deleted, with its ${n} experiment(s)\n`);
        for (const w of r.warnings ?? []) process.stderr.write(`axon: warning: ${w}\n`);
      }),
    );
}
