/**
 * JSON with object keys sorted: two states are "the same" when they put the same
 * bytes on the wire, whatever order their keys were built in. (Hand-rolled because
 * the fuzz test compares thousands of sessions; a JSON.stringify replacer is slow.)
 */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) return JSON.stringify(value);
    return `[${value.map(canonical).join(',')}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

/** Pairs of objects already found equal: states share unchanged tracks between versions. */
const equalPairs = new WeakMap<object, WeakSet<object>>();

/**
 * canonical(a) === canonical(b), without building the strings: JSON-like values,
 * key order ignored, undefined properties treated as absent (as JSON drops them).
 * Only for values that are never changed in place (sessions are immutable).
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (equalPairs.get(a)?.has(b)) return true;
  if (!compare(a, b)) return false;
  let set = equalPairs.get(a);
  if (!set) equalPairs.set(a, (set = new WeakSet()));
  set.add(b);
  return true;
}

function compare(a: object, b: object): boolean {
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (ak.length !== bk.length) return false;
  for (const k of ak) if (!Object.hasOwn(bo, k) || !sameJson(ao[k], bo[k])) return false;
  return true;
}
