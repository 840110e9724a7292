// Axon's engine-side settings: AXON_HOME/settings.json (Axon's selected kube context, a namespace override
// and a registry per context). Validated with zod on every read; written atomically (a temporary file in the
// same folder, fsync, rename) and one change at a time. A file that does not parse or validate is reported,
// and left alone: Axon shows the defaults and refuses to save over it until the user fixes or removes it.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  axonSettings,
  SETTINGS_VERSION,
  type AxonSettings,
  type SettingsPatch,
  type SettingsView,
} from '../../shared/clusters';
import { ApiError } from '../../shared/api';

export const settingsFile = (home: string) => path.join(home, 'settings.json');

export const defaultSettings = (): AxonSettings => axonSettings.parse({});

export function readSettings(home: string): SettingsView {
  const file = settingsFile(home);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      return { file, settings: defaultSettings(), problem: null };
    return { file, settings: defaultSettings(), problem: `${file} cannot be read: ${(e as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return {
      file,
      settings: defaultSettings(),
      problem: `${file} is not valid JSON: ${(e as Error).message}`,
    };
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > SETTINGS_VERSION)
    return {
      file,
      settings: defaultSettings(),
      problem: `${file} was written by a newer Axon (settings version ${version}; this one reads ${SETTINGS_VERSION})`,
    };
  const parsed = axonSettings.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return {
      file,
      settings: defaultSettings(),
      problem: `${file} is not valid: ${i.path.join('.') || 'the file'}: ${i.message}`,
    };
  }
  return { file, settings: parsed.data, problem: null };
}

/** Writes `text` to `file` so that a reader sees the old file or the new one, never a part. */
export function writeFileAtomic(file: string, text: string, mode = 0o600): void {
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Applies a patch (null clears a field; an emptied context entry is dropped). Pure. */
export function applyPatch(s: AxonSettings, patch: SettingsPatch): AxonSettings {
  const next: AxonSettings = { ...s, contexts: { ...s.contexts } };
  if (patch.kubeContext !== undefined) next.kubeContext = patch.kubeContext;
  for (const [name, change] of Object.entries(patch.contexts ?? {})) {
    const cur = { ...(next.contexts[name] ?? {}) };
    if (change.namespace === null) delete cur.namespace;
    else if (change.namespace !== undefined) cur.namespace = change.namespace;
    if (change.registry === null) delete cur.registry;
    else if (change.registry !== undefined) cur.registry = change.registry;
    if (Object.keys(cur).length) next.contexts[name] = cur;
    else delete next.contexts[name];
  }
  return axonSettings.parse(next);
}

/** The settings of one AXON_HOME; updates are applied one at a time. */
export class SettingsStore {
  private chain: Promise<unknown> = Promise.resolve();
  constructor(readonly home: string) {}

  read(): SettingsView {
    return readSettings(this.home);
  }

  /** Applies `patch` after `check` (which may throw an ApiError) has seen the result. */
  update(patch: SettingsPatch, check?: (next: AxonSettings) => Promise<void> | void): Promise<SettingsView> {
    const run = async (): Promise<SettingsView> => {
      const cur = this.read();
      if (cur.problem)
        throw new ApiError(
          'conflict',
          `${cur.problem}. Axon does not overwrite it: fix the file or remove it, then try again.`,
          { file: cur.file },
        );
      const next = applyPatch(cur.settings, patch);
      await check?.(next);
      fs.mkdirSync(this.home, { recursive: true, mode: 0o700 });
      writeFileAtomic(cur.file, JSON.stringify(next, null, 2) + '\n');
      return { file: cur.file, settings: next, problem: null };
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }
}
