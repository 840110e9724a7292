// The Dockerfile Axon generates from a polyaxonfile's `build` section (SPEC §1.5, Polyaxon's
// `polyaxon_dockerizer` template), as a pure function of the spec and of which files the build context holds.
//
//   FROM <image>
//   ENV LANG="C.UTF-8" LC_ALL="C.UTF-8"       (or LC_ALL/LANG/LANGUAGE = lang_env when the spec gives one)
//   ENV <k>="<v>"                              (one per env_vars pair, quoted)
//   WORKDIR /code
//   COPY <requirements file> /code/…          (first existing of each group: copied before the code, so the
//   COPY <conda env file>    /code/…           layers of the build steps that install them stay cached while
//   COPY <setup script>      /code/…           only the code changes)
//   RUN <build step>                           (one per step)
//   COPY . /code
//
// As in Polyaxon v0 (polyaxon_dockerizer), the requirement, conda and setup files are only copied: nothing
// installs them unless a build step says so (`pip install -r requirements.txt`, `./polyaxon_setup.sh`),
// which is what Polyaxon's docs told users to write; installing them here as well would install twice.
import type { BuildSpec } from '../../../shared/polyaxonfile/types';

export const WORKDIR = '/code';

/** The groups of files copied before the code; the first existing name of each group is used. */
export const BUILD_FILE_GROUPS = {
  requirements: ['polyaxon_requirements.txt', 'requirements.txt'],
  condaEnv: ['polyaxon_conda_env.yaml', 'polyaxon_conda_env.yml', 'conda_env.yaml', 'conda_env.yml'],
  setup: ['polyaxon_setup.sh', 'setup.sh'],
} as const;

export interface BuildFiles {
  requirements: string | null;
  condaEnv: string | null;
  setup: string | null;
}

/** Which requirement / conda / setup files the generated Dockerfile copies (context-relative names). */
export function pickBuildFiles(files: { exists(rel: string): boolean }): BuildFiles {
  const first = (names: readonly string[]) => names.find((n) => files.exists(n)) ?? null;
  return {
    requirements: first(BUILD_FILE_GROUPS.requirements),
    condaEnv: first(BUILD_FILE_GROUPS.condaEnv),
    setup: first(BUILD_FILE_GROUPS.setup),
  };
}

/** The locale used when the spec gives no `lang_env`: present in every glibc ≥ 2.35, Debian and Ubuntu image,
 *  and harmless on musl, whereas Polyaxon's en_US.UTF-8 is missing from slim images (bash then warns
 *  "setlocale: cannot change locale" at every start). */
export const DEFAULT_LANG = 'C.UTF-8';

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * A value for `ENV key="value"`. Inside double quotes the Dockerfile parser treats `\"`, `\\` and `\$` as
 * escapes and substitutes `$VAR`/`${VAR}`; escaping those three keeps the value literal. A newline cannot be
 * written at all (a Dockerfile instruction is one logical line), so it is refused.
 */
export function quoteEnvValue(value: string): string {
  if (/[\n\r\0]/.test(value))
    throw new Error('a newline (or NUL) cannot be written in a Dockerfile ENV value');
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

/** Checks an env var name; throws with the name in the message. */
export function checkEnvKey(key: string): void {
  if (!ENV_KEY.test(key))
    throw new Error(`env_vars: ${JSON.stringify(key)} is not a valid environment variable name`);
}

/**
 * `RUN <step>` for a one-line step (readable in the build log: Docker prints it as `Step N/M : RUN …`).
 * A multi-line step (a YAML block) cannot be written in shell form, where a line break ends the instruction,
 * so it goes in exec form, `RUN ["/bin/sh", "-c", "<the script>"]`, which keeps its lines as they are. So
 * does a step ending in a backslash (in shell form it would continue onto the next instruction and swallow
 * it) and one that starts with `[` (shell form would read it as exec form). Either way the shell receives
 * the step exactly as written.
 */
export function runInstruction(step: string): string {
  const s = step.replace(/\r\n?/g, '\n').trim();
  if (!s.includes('\n') && !s.endsWith('\\') && !s.startsWith('[')) return `RUN ${s}`;
  return `RUN ${JSON.stringify(['/bin/sh', '-c', s])}`;
}

/** What an image reference may hold (name, registry:port, tag, @digest): nothing a Dockerfile line or the
 *  daemon would read as anything else. */
const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$/;

/**
 * The Dockerfile for a `build` section with an `image` (a `dockerfile` in the spec is used as it is and
 * never reaches here). `files.exists` answers for paths relative to the build context, after ignore rules:
 * a requirements file that `.dockerignore` leaves out cannot be copied.
 */
export function generateDockerfile(build: BuildSpec, files: { exists(rel: string): boolean }): string {
  if (!build.image) throw new Error('build: no `image` to generate a Dockerfile from');
  if (/\s/.test(build.image)) throw new Error(`build.image: ${JSON.stringify(build.image)} contains spaces`);
  if (!IMAGE_REF.test(build.image) || build.image.length > 512)
    throw new Error(
      `build.image: ${JSON.stringify(build.image.slice(0, 80))} is not an image reference (letters, digits and . _ - / : @, at most 512 characters)`,
    );
  const lines: string[] = [`FROM ${build.image}`, ''];

  if (build.langEnv) {
    const v = quoteEnvValue(build.langEnv);
    lines.push(`ENV LC_ALL=${v} LANG=${v} LANGUAGE=${v}`);
  } else {
    lines.push(`ENV LANG=${quoteEnvValue(DEFAULT_LANG)} LC_ALL=${quoteEnvValue(DEFAULT_LANG)}`);
  }
  for (const [k, v] of build.envVars) {
    checkEnvKey(k);
    let quoted: string;
    try {
      quoted = quoteEnvValue(v);
    } catch (e) {
      throw new Error(`env_vars: ${k}: ${(e as Error).message}`, { cause: e });
    }
    lines.push(`ENV ${k}=${quoted}`);
  }
  lines.push('', `WORKDIR ${WORKDIR}`);

  const picked = pickBuildFiles(files);
  const copies = [picked.requirements, picked.condaEnv, picked.setup].filter((f): f is string => !!f);
  if (copies.length) lines.push('');
  for (const f of copies) lines.push(`COPY ${f} ${WORKDIR}/${f}`);

  const steps = build.buildSteps.map((s) => s.trim()).filter((s) => s.length > 0);
  if (steps.length) lines.push('');
  for (const s of steps) lines.push(runInstruction(s));

  lines.push('', `COPY . ${WORKDIR}`, '');
  return lines.join('\n');
}
