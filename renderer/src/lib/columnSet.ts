// A project's column set for the experiments table: which columns are shown, in what order, and how wide the
// user made them. Kept per project in this browser's localStorage (`axon.columns.<project>`), like the theme:
// a view preference, not the engine's data. Pure functions over the stored object, so they are unit-tested.

export interface ColumnSet {
  /** Columns shown by default that the user hid. */
  hidden: string[];
  /** Columns hidden by default (a metric's min and max) that the user showed. */
  shown: string[];
  /** The user's order of the movable columns (ids not listed keep their default place, after these). */
  order: string[];
  /** Widths the user dragged, in pixels. */
  widths: Record<string, number>;
}

export const EMPTY_SET: ColumnSet = { hidden: [], shown: [], order: [], widths: {} };
export const MIN_COLUMN_WIDTH = 48;
export const MAX_COLUMN_WIDTH = 960;

/** A width a user can set: whole pixels, between MIN_COLUMN_WIDTH and MAX_COLUMN_WIDTH. */
export function clampWidth(w: number): number {
  if (!Number.isFinite(w)) return MIN_COLUMN_WIDTH;
  return Math.round(Math.min(MAX_COLUMN_WIDTH, Math.max(MIN_COLUMN_WIDTH, w)));
}

export const columnSetKey = (project: string) => `axon.columns.${project}`;

/** What is used of localStorage (a plain interface, so the unit tests need no DOM types). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];

/** The stored set; anything unreadable (another version, a hand edit) counts as no set, never an error. */
export function loadColumnSet(storage: Pick<KeyValueStorage, 'getItem'>, project: string): ColumnSet {
  let raw: unknown;
  try {
    raw = JSON.parse(storage.getItem(columnSetKey(project)) ?? 'null');
  } catch {
    return EMPTY_SET;
  }
  if (!raw || typeof raw !== 'object') return EMPTY_SET;
  const o = raw as Record<string, unknown>;
  const widths: Record<string, number> = {};
  if (o.widths && typeof o.widths === 'object')
    for (const [k, v] of Object.entries(o.widths as Record<string, unknown>))
      if (typeof v === 'number' && Number.isFinite(v)) widths[k] = clampWidth(v);
  return { hidden: strings(o.hidden), shown: strings(o.shown), order: strings(o.order), widths };
}

/** Saves the set (an empty one is removed); a full or refused storage leaves the page working unsaved. */
export function saveColumnSet(
  storage: Pick<KeyValueStorage, 'setItem' | 'removeItem'>,
  project: string,
  set: ColumnSet,
) {
  try {
    const empty =
      !set.hidden.length && !set.shown.length && !set.order.length && !Object.keys(set.widths).length;
    if (empty) storage.removeItem(columnSetKey(project));
    else storage.setItem(columnSetKey(project), JSON.stringify(set));
  } catch {
    // Private mode or a full quota: the choice holds for this page only.
  }
}

export function isShown(set: ColumnSet, id: string, byDefault: boolean): boolean {
  return byDefault ? !set.hidden.includes(id) : set.shown.includes(id);
}

export function toggleShown(set: ColumnSet, id: string, byDefault: boolean): ColumnSet {
  const flip = (list: string[]) => (list.includes(id) ? list.filter((x) => x !== id) : [...list, id]);
  return byDefault ? { ...set, hidden: flip(set.hidden) } : { ...set, shown: flip(set.shown) };
}

export function setWidth(set: ColumnSet, id: string, width: number | null): ColumnSet {
  const widths = { ...set.widths };
  if (width === null) delete widths[id];
  else widths[id] = clampWidth(width);
  return { ...set, widths };
}

/** `items` in the user's order: those it lists first, in its order, then the others in their own order. */
export function inOrder<T extends { id: string }>(items: T[], order: string[]): T[] {
  const rank = new Map(order.map((id, i) => [id, i]));
  const listed = items.filter((c) => rank.has(c.id)).sort((a, b) => rank.get(a.id)! - rank.get(b.id)!);
  return [...listed, ...items.filter((c) => !rank.has(c.id))];
}

/** Moves `id` by `delta` places among `current` (the movable columns as shown now); the new order is kept. */
export function moveColumn(set: ColumnSet, current: string[], id: string, delta: number): ColumnSet {
  const from = current.indexOf(id);
  if (from < 0) return set;
  const to = Math.max(0, Math.min(current.length - 1, from + delta));
  if (to === from) return set;
  const order = [...current];
  order.splice(from, 1);
  order.splice(to, 0, id);
  // Ids the set ordered that are not among `current` (hidden now) keep their place after these.
  return { ...set, order: [...order, ...set.order.filter((x) => !order.includes(x))] };
}

/** `first` (the sweep's objective) moved to the front of `items`, when it is there. */
export function putFirst<T extends { id: string }>(items: T[], first: string | null): T[] {
  const i = first ? items.findIndex((c) => c.id === first) : -1;
  return i <= 0 ? items : [items[i]!, ...items.slice(0, i), ...items.slice(i + 1)];
}
