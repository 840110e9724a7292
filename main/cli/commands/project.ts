// `axon project create|ls|get|experiments|groups|delete` and `axon init`
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { AxonApi } from '../../../shared/api';
import { columns, experimentsTable, fmtStatus, printJson, printTable, UsageError } from '../format';
import { linkedProject } from '../files';
import { queryExperiments, withListOptions } from '../query';
import type { Runner } from './types';

/** The project a command names, or the one this folder is linked to (`axon init`). */
function projectOf(name: string | undefined): string {
  const p = name ?? linkedProject();
  if (!p) throw new UsageError('name a project (this folder is linked to none: axon init NAME links it)');
  return p;
}

export function registerProject(program: Command, run: Runner): void {
  const prj = program.command('project').description('manage projects');

  prj
    .command('create')
    .description('create a project')
    .requiredOption('--name <name>', 'project name')
    .option('--description <text>', 'description', '')
    .option('--path <folder>', 'its code folder', '.')
    .option('--organization <name>', 'a shared engine: the organization that owns it (default: you)')
    .option('--json', 'JSON output')
    .action((o) =>
      run(async (api: AxonApi) => {
        const p = await api.call('projects.create', {
          name: o.name,
          description: o.description,
          codePath: path.resolve(o.path),
          ...(o.organization ? { organization: String(o.organization) } : {}),
        });
        if (o.json) return printJson(p);
        process.stdout.write(`project ${p.name} created (${p.codePath})\n`);
      }),
    );

  prj
    .command('ls')
    .description('list projects')
    .option('--json', 'JSON output')
    .action((o) =>
      run(async (api: AxonApi) => {
        const list = await api.call('projects.list', {});
        if (o.json) return printJson(list);
        printTable(
          ['name', 'experiments', 'groups', 'folder', 'created'],
          list.map((p) => [p.name, p.experimentCount, p.groupCount, p.codePath, p.createdAt]),
        );
      }),
    );

  prj
    .command('get <name>')
    .description('show a project')
    .option('--json', 'JSON output')
    .action((name, o) =>
      run(async (api: AxonApi) => {
        const p = await api.call('projects.get', { name });
        if (o.json) return printJson(p);
        printTable(
          ['field', 'value'],
          Object.entries(p).map(([k, v]) => [k, v === null ? '' : String(v)]),
        );
      }),
    );

  withListOptions(
    prj
      .command('experiments [name]')
      .description("a project's experiments, newest first (default: the folder's linked project)")
      .option('-g, --group <id>', 'only those of this group')
      .option('-i, --independent', 'only those of no group'),
  )
    .option('--json', 'JSON output')
    .action((name: string | undefined, o) =>
      run(async (api: AxonApi) => {
        const project = projectOf(name);
        await api.call('projects.get', { name: project });
        const groupId = o.group === undefined ? undefined : Number(o.group);
        if (groupId !== undefined && !(Number.isInteger(groupId) && groupId > 0))
          throw new UsageError(`-g must be a positive integer, found ${o.group}`);
        if (groupId !== undefined && o.independent) throw new UsageError('-g and -i exclude each other');
        // A group that does not exist is an error, not an empty table (as for `axon ps -g`).
        if (groupId !== undefined) await api.call('groups.get', { id: groupId });
        const all = await api.call('experiments.list', { project, groupId, limit: 100_000 });
        const exps = queryExperiments(o.independent ? all.filter((x) => x.groupId === null) : all, o);
        if (o.json) return printJson(exps);
        experimentsTable(exps, { ...columns(o), where: true });
      }),
    );

  prj
    .command('groups [name]')
    .description("a project's groups (sweeps), newest first (default: the folder's linked project)")
    .option('--json', 'JSON output')
    .action((name: string | undefined, o) =>
      run(async (api: AxonApi) => {
        const project = projectOf(name);
        await api.call('projects.get', { name: project });
        const groups = (await api.call('groups.list', { project })).sort((a, b) => b.id - a.id);
        if (o.json) return printJson(groups);
        printTable(
          ['id', 'name', 'algorithm', 'status', 'progress', 'best', 'created'],
          groups.map((g) => [
            g.id,
            g.name ?? '',
            g.algorithm,
            fmtStatus(g.status),
            `${g.progress.done}/${g.progress.total} done, ${g.progress.running} running`,
            g.bestExperimentId ?? '',
            g.createdAt,
          ]),
        );
      }),
    );

  prj
    .command('delete <name>')
    .description('delete a project with its experiments, logs and outputs')
    .action((name) =>
      run(async (api: AxonApi) => {
        const r = await api.call('projects.delete', { name });
        process.stdout.write(`project ${name} deleted\n`);
        for (const w of r.warnings ?? []) process.stderr.write(`axon: warning: ${w}\n`);
      }),
    );

  program
    .command('init [project]')
    .description('link this folder to a project (created if needed) and write .axonignore')
    .action((name: string | undefined) =>
      run(async (api: AxonApi) => {
        const dir = process.cwd();
        const ref = name ?? path.basename(dir);
        if (!name && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(ref))
          throw new UsageError(`"${ref}" is not a valid project name; pass one: axon init NAME`);
        // NAME (yours, or the one you can see) or OWNER/NAME; a missing one is created, in ORG for ORG/NAME.
        const existing = await api.call('projects.get', { name: ref }).catch((e: { code?: string }) => {
          if (e.code === 'not_found') return null;
          throw e;
        });
        const slash = ref.indexOf('/');
        const project =
          existing ??
          (await api.call(
            'projects.create',
            slash < 0
              ? { name: ref, codePath: dir }
              : { name: ref.slice(slash + 1), organization: ref.slice(0, slash), codePath: dir },
          ));
        const projectName = project.name;
        fs.writeFileSync(
          path.join(dir, '.axonproject'),
          JSON.stringify({ name: projectName }, null, 2) + '\n',
        );
        const ignore = path.join(dir, '.axonignore');
        const wrote = !fs.existsSync(ignore);
        if (wrote)
          fs.writeFileSync(
            ignore,
            '# Paths Axon leaves out of code snapshots and image builds\n.git/\noutputs/\ndata/\n*.ckpt\n',
          );
        process.stdout.write(`${dir} is linked to project ${projectName}${existing ? '' : ' (created)'}\n`);
        // A run on Docker or Kubernetes has only what its image holds: left-out data or weights it needs
        // would be missing there, so the ones this folder has are named.
        if (wrote) {
          const here = fs.readdirSync(dir, { withFileTypes: true });
          const left = [
            ...here
              .filter((e) => e.isDirectory() && (e.name === 'data' || e.name === 'outputs'))
              .map((e) => `${e.name}/`),
            ...here.filter((e) => e.isFile() && e.name.endsWith('.ckpt')).map((e) => e.name),
          ];
          process.stdout.write(
            'wrote .axonignore: code snapshots and Docker/Kubernetes images leave out outputs/, data/ and *.ckpt' +
              (left.length
                ? `; here that is ${left.join(', ')}: a run in an image will not have ${left.length > 1 ? 'them' : 'it'} (remove the line from .axonignore if it needs ${left.length > 1 ? 'them' : 'it'})\n`
                : ' (edit it to keep any)\n'),
          );
        }
        // Untracked, they would make every run's code version "dirty" until committed.
        if (fs.existsSync(path.join(dir, '.git')))
          process.stdout.write(
            'commit .axonproject and .axonignore (git add .axonproject .axonignore && git commit), or runs record the folder as dirty\n',
          );
      }),
    );
}
