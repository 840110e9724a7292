// v0 `build` (SPEC §1.5) and `run` (SPEC §1.6).
import { z } from 'zod';
import type { BuildSpec } from './types';
import { show, type Issues, type Path } from './errors';
import { check, looseEnum, str, strList } from './zod-check';
import { baseEnvironment, parseEnvironment } from './environment';
import { isPlainObject, pyStr } from './pyrepr';

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const buildFields = {
  image: str.nullish(),
  dockerfile: str.nullish(),
  context: str.nullish(),
  build_steps: strList.nullish(),
  env_vars: z
    .array(z.tuple([z.string(), scalar]))
    .describe('a list of [name, value] pairs')
    .nullish(),
  commit: str.nullish(),
  branch: str.nullish(),
  nocache: z.boolean().nullish(),
  backend: looseEnum(['native', 'kaniko']).nullish(),
  environment: baseEnvironment.nullish(),
  lang_env: str.nullish(), // 0.5
};
export const BUILD_KEYS = Object.keys(buildFields);
const buildSchema = z.object(buildFields).strict();

/** polyaxon_schemas validate_image: no spaces, at most 2 colons, and with 2 colons (registry:port/name:tag)
 *  the middle part must hold the `/`. The tag defaults to `latest` when the image is used. */
export function imageProblem(image: string): string | undefined {
  if (!image || /\s/.test(image)) return 'an image name without spaces';
  const parts = image.split(':');
  if (parts.length > 3) return 'an image name with at most 2 colons (registry:port/name:tag)';
  if (parts.length === 3 && (!parts[1].includes('/') || parts[1].startsWith('/'))) {
    return 'an image name of the form registry:port/name:tag';
  }
  return undefined;
}

/** Validates an (already rendered) build section; `path` is where its fields live. */
export function parseBuild(raw: unknown, path: Path, issues: Issues): BuildSpec | undefined {
  const b = check(buildSchema, raw, path, issues);
  if (!b) return undefined;
  const hasImage = b.image !== undefined && b.image !== null;
  const hasDockerfile = b.dockerfile !== undefined && b.dockerfile !== null;
  if (hasImage === hasDockerfile) {
    issues.add(path, 'exactly one of `image` or `dockerfile`', hasImage ? 'both' : 'neither');
    return undefined;
  }
  if (hasImage) {
    const problem = imageProblem(b.image as string);
    if (problem) {
      issues.add([...path, 'image'], problem, show(b.image));
      return undefined;
    }
  }
  const out: BuildSpec = {
    buildSteps: b.build_steps ?? [],
    envVars: (b.env_vars ?? []).map(([k, v]) => [k, pyStr(v)] as [string, string]),
    nocache: b.nocache ?? false,
  };
  if (hasImage) out.image = b.image as string;
  if (hasDockerfile) out.dockerfile = b.dockerfile as string;
  if (b.context != null) out.context = b.context;
  if (b.commit != null) out.commit = b.commit;
  if (b.branch != null) out.branch = b.branch;
  if (b.backend != null) out.backend = b.backend;
  if (b.lang_env != null) out.langEnv = b.lang_env;
  if (b.environment != null) {
    const env = parseEnvironment(b.environment, [...path, 'environment'], issues, { allowReplicas: false });
    if (env) out.environment = env;
  }
  return out;
}

/** pod_cmd.py: each command is whitespace-tokenised; lone `\` tokens are dropped and `\` is stripped from
 *  both ends of tokens, which makes YAML line continuations work (and collapses runs of spaces). */
export function cleanCommand(cmd: string): string {
  return cmd
    .split(/\s+/)
    .filter((t) => t && t !== '\\')
    .map((t) => t.replace(/^\\+|\\+$/g, ''))
    .filter(Boolean)
    .join(' ');
}

/** A list of commands runs as one `bash -c` line joined with ` && `. */
export function joinCommands(cmd: string | string[]): string {
  return (Array.isArray(cmd) ? cmd : [cmd]).map(cleanCommand).join(' && ');
}

/** Validates an (already rendered) `run` section and returns its command line. */
export function parseRun(raw: unknown, path: Path, issues: Issues): string | undefined {
  if (!isPlainObject(raw)) {
    issues.add(path, 'a mapping with `cmd`', show(raw));
    return undefined;
  }
  let ok = true;
  for (const k of Object.keys(raw)) {
    if (k !== 'cmd') {
      issues.add([...path, k], 'only the key cmd', show(k));
      ok = false;
    }
  }
  const cmd = raw.cmd;
  const valid =
    typeof cmd === 'string' ||
    (Array.isArray(cmd) && cmd.length > 0 && cmd.every((c) => typeof c === 'string'));
  if (!valid) {
    issues.add([...path, 'cmd'], 'a command string or a non-empty list of command strings', show(cmd));
    return undefined;
  }
  return ok ? joinCommands(cmd as string | string[]) : undefined;
}
