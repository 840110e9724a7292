// rhea's `deep_update` (SPEC §1.1): mappings merge recursively, lists and scalars are replaced, later wins.
import { isPlainObject } from './pyrepr';

/** Assigns without ever touching a prototype: YAML keys like `__proto__` are plain data here. */
export function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__' || !Object.prototype.hasOwnProperty.call(obj, key)) {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

export function getKey(obj: unknown, key: string | number): unknown {
  if (Array.isArray(obj)) return typeof key === 'number' ? obj[key] : undefined;
  if (isPlainObject(obj) && Object.prototype.hasOwnProperty.call(obj, key)) return obj[key as string];
  return undefined;
}

export function has(obj: unknown, key: string): boolean {
  return isPlainObject(obj) && Object.prototype.hasOwnProperty.call(obj, key);
}

export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return clone(override);
  const out = clone(base) as Record<string, unknown>;
  for (const key of Object.keys(override)) {
    setKey(out, key, has(out, key) ? deepMerge(out[key], override[key]) : clone(override[key]));
  }
  return out;
}

export function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clone) as T;
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) setKey(out, key, clone(v[key]));
    return out as T;
  }
  return v;
}
