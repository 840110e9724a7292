// Which metrics share a chart panel, which section (prefix) a panel goes under, and the search over metric
// names. Pure, so the layout rules are unit-tested (test/unit/metric-panels.test.ts).
//
// The default: metrics that differ only by a split word as prefix or suffix (`train/acc` and `val/acc`,
// `loss` and `val_loss`, `acc_train` and `acc_val`) share one panel. The user moves a metric to another
// panel or to a panel of its own; those choices are `overrides` (metric → panel id), kept per project.

/** The words that name a data split; `train/`, `val_`, `/val`, `_train` … around a metric's own name. */
const SPLITS = ['train', 'training', 'val', 'valid', 'validation', 'test', 'eval'];
const PREFIX = new RegExp(`^(${SPLITS.join('|')})[/_](.+)$`, 'i');
const SUFFIX = new RegExp(`^(.+)[/_](${SPLITS.join('|')})$`, 'i');

/** A metric's name without its split word: `val/acc` → acc, `val_loss` → loss, `loss` → loss. */
export function metricBase(key: string): string {
  return PREFIX.exec(key)?.[2] ?? SUFFIX.exec(key)?.[1] ?? key;
}

/** The split word of a metric, lower-cased ('' when none): orders the lines of a panel (train before val). */
export function metricSplit(key: string): string {
  return (PREFIX.exec(key)?.[1] ?? SUFFIX.exec(key)?.[2] ?? '').toLowerCase();
}

const splitRank = (key: string) => {
  const s = metricSplit(key);
  return s === '' ? 0 : s.startsWith('train') ? 1 : s.startsWith('val') ? 2 : 3;
};

/** A panel of shared metrics is `base:<name>`; a metric on its own is `key:<metric>`. */
export type PanelId = string;
export const ownPanel = (key: string): PanelId => `key:${key}`;
const basePanel = (base: string): PanelId => `base:${base}`;

export interface Panel {
  id: PanelId;
  /** Its metrics, the plain one first, then train, val and the rest. */
  keys: string[];
  /** What it is called: its metric, or the shared name of its metrics (`acc` for train/acc and val/acc). */
  name: string;
  /** The prefix section it goes under ('' for none): `train` for train/lr, '' for acc. */
  section: string;
}

/** Where each metric goes when the user has not said: with the metrics of the same base, when it has any. */
export function defaultPanelIds(keys: string[]): Map<string, PanelId> {
  const perBase = new Map<string, number>();
  for (const k of keys) perBase.set(metricBase(k), (perBase.get(metricBase(k)) ?? 0) + 1);
  return new Map(
    keys.map((k) => [k, perBase.get(metricBase(k))! > 1 ? basePanel(metricBase(k)) : ownPanel(k)]),
  );
}

export function sectionOf(name: string): string {
  const i = name.indexOf('/');
  return i > 0 ? name.slice(0, i) : '';
}

/** The panels of `keys`: the default pairing, then the user's `overrides` (metric → panel id). */
export function buildPanels(keys: string[], overrides: Record<string, PanelId> = {}): Panel[] {
  const defaults = defaultPanelIds(keys);
  const byPanel = new Map<PanelId, string[]>();
  for (const k of [...new Set(keys)]) {
    const id = overrides[k] ?? defaults.get(k)!;
    byPanel.set(id, [...(byPanel.get(id) ?? []), k]);
  }
  const panels = [...byPanel].map(([id, ks]): Panel => {
    const sorted = [...ks].sort((a, b) => splitRank(a) - splitRank(b) || a.localeCompare(b));
    const name = sorted.length === 1 ? sorted[0] : id.startsWith('base:') ? id.slice(5) : sorted[0];
    return { id, keys: sorted, name, section: sectionOf(name) };
  });
  return panels.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

/** The user puts `key` on `panel` (its own panel: ownPanel(key)); an override equal to the default is dropped. */
export function moveMetric(
  keys: string[],
  overrides: Record<string, PanelId>,
  key: string,
  panel: PanelId,
): Record<string, PanelId> {
  const next = { ...overrides };
  if (defaultPanelIds(keys).get(key) === panel) delete next[key];
  else next[key] = panel;
  return next;
}

export interface Section {
  /** '' for the metrics without a prefix. */
  name: string;
  panels: Panel[];
}

/** Panels by section: the unprefixed ones first, then the prefixes in alphabetical order. */
export function groupSections(panels: Panel[]): Section[] {
  const by = new Map<string, Panel[]>();
  for (const p of panels) by.set(p.section, [...(by.get(p.section) ?? []), p]);
  return [...by]
    .sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)))
    .map(([name, ps]) => ({ name, panels: ps }));
}

/**
 * The search over metric names: every word of `query` (case-insensitive) in one of the panel's metrics.
 * A panel found by one of its metrics is shown whole (loss stays beside val_loss).
 */
export function panelMatches(panel: { keys: string[] }, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  return panel.keys.some((k) => words.every((w) => k.toLowerCase().includes(w)));
}

/** The user's panel choices for a project, as kept in localStorage; anything unreadable is no choice. */
export function parseOverrides(text: string | null): Record<string, PanelId> {
  try {
    const o: unknown = JSON.parse(text ?? '{}');
    if (!o || typeof o !== 'object' || Array.isArray(o)) return {};
    return Object.fromEntries(
      Object.entries(o).filter(
        (e): e is [string, string] => typeof e[1] === 'string' && /^(base|key):./.test(e[1]),
      ),
    );
  } catch {
    return {};
  }
}
