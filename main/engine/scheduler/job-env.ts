// The environment every job gets (DESIGN "Backends"; docs/metrics-protocol.md lists it for users).
import path from 'node:path';
import { PACKAGE_ROOT } from '../package-root';
import type { ExperimentRow } from '../store/experiments';

export const SDK_PYTHON = path.join(PACKAGE_ROOT, 'sdk', 'python');

/** The variables Axon sets for a job; the rest of a local job's environment is the engine's own. */
export const JOB_VARS = [
  'AXON_RUN_ID',
  'AXON_EXPERIMENT_ID',
  'AXON_GROUP_ID',
  'AXON_PROJECT',
  'AXON_PARAMS',
  'AXON_OUTPUTS_PATH',
  'AXON_API_URL',
  'AXON_TOKEN',
  'POLYAXON_DECLARATIONS',
  'POLYAXON_PARAMS',
  'POLYAXON_RUN_OUTPUTS_PATH',
  'POLYAXON_EXPERIMENT_INFO',
  'POLYAXON_LOG_LEVEL',
  'PYTHONPATH',
  'PYTHONUNBUFFERED',
] as const;

function logLevel(specJson: string): string {
  try {
    const level = (JSON.parse(specJson) as { logging?: { level?: unknown } })?.logging?.level;
    return typeof level === 'string' ? level : '';
  } catch {
    return '';
  }
}

export function jobEnv(
  x: ExperimentRow,
  params: Record<string, unknown>,
  outputs: string,
  api: { url: string; token: string },
): Record<string, string> {
  const json = JSON.stringify(params);
  // Typed by JOB_VARS, so that a variable added here and not there (or the reverse) does not compile.
  const own: Record<(typeof JOB_VARS)[number], string> = {
    AXON_RUN_ID: String(x.id),
    AXON_EXPERIMENT_ID: String(x.id),
    AXON_GROUP_ID: x.group_id === null ? '' : String(x.group_id),
    AXON_PROJECT: x.project_name,
    AXON_PARAMS: json,
    AXON_OUTPUTS_PATH: outputs,
    AXON_API_URL: api.url,
    // The run token (auth/run-token.ts): it names its experiment, whose own data is all it may read.
    AXON_TOKEN: api.token ? `axr_${x.id}_${api.token}` : '',
    // The names Polyaxon v0's client reads, so its training scripts run unchanged.
    POLYAXON_DECLARATIONS: json,
    POLYAXON_PARAMS: json,
    POLYAXON_RUN_OUTPUTS_PATH: outputs,
    POLYAXON_EXPERIMENT_INFO: JSON.stringify({
      project_name: x.project_name,
      experiment_name: `${x.project_name}.${x.id}`,
      experiment_uuid: String(x.id),
    }),
    // The polyaxonfile's `logging.level` (SPEC §4), for the client's get_log_level(); empty when not given.
    POLYAXON_LOG_LEVEL: logLevel(x.spec_json),
    PYTHONPATH: [SDK_PYTHON, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
    PYTHONUNBUFFERED: '1',
  };
  return { ...(process.env as Record<string, string>), ...own };
}

/** What of a job's environment goes into a container or pod: the variables Axon sets and those the run
 *  adds (`extra`), never the engine's own process environment (its AXON_HOME, PATH, credentials…). */
export function containerEnv(
  env: Record<string, string>,
  extra: Record<string, string> = {},
): Record<string, string> {
  const names = new Set<string>([...JOB_VARS, ...Object.keys(extra)]);
  return Object.fromEntries(Object.entries({ ...env, ...extra }).filter(([k]) => names.has(k)));
}

/** A container's or pod's PYTHONPATH: Axon's client (mounted at `sdk`), then what the image's `build.env_vars`
 *  and the run's own variables give, which the container's environment would otherwise replace. */
export function containerPythonPath(
  sdk: string,
  build: { envVars: Array<[string, string]> } | undefined,
  extra: Record<string, string> = {},
): string {
  const fromImage = build?.envVars.filter(([k]) => k === 'PYTHONPATH').map(([, v]) => v) ?? [];
  return [sdk, ...fromImage, extra.PYTHONPATH].filter(Boolean).join(':');
}
