/**
 * A JSON answer as the docs show it, compared with the answer the server
 * gave: the docs show what matters and write `…` for the rest (see
 * docs/README.md, "Samples are tested").
 */

export const ELLIPSIS = '…';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Where `actual` differs from the documented `pattern`, one line per difference (none: it matches). */
export function mismatches(pattern: unknown, actual: unknown, path = '$'): string[] {
  if (pattern === ELLIPSIS) return [];
  if (typeof pattern === 'string' && pattern.includes(ELLIPSIS)) {
    if (typeof actual !== 'string') return [`${path}: expected a string like ${JSON.stringify(pattern)}, got ${JSON.stringify(actual)}`];
    const parts = pattern.split(ELLIPSIS).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp(`^${parts.join('[\\s\\S]*')}$`).test(actual) ? [] : [`${path}: expected ${JSON.stringify(pattern)}, got ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${JSON.stringify(actual)}`];
    const out: string[] = [];
    for (let i = 0; i < pattern.length; i++) {
      if (pattern[i] === ELLIPSIS) return out;
      if (i >= actual.length) return [...out, `${path}[${i}]: missing (the answer has ${actual.length} elements)`];
      out.push(...mismatches(pattern[i], actual[i], `${path}[${i}]`));
    }
    return actual.length > pattern.length ? [...out, `${path}: ${actual.length - pattern.length} more elements than documented (end the array with "…")`] : out;
  }
  if (isObject(pattern)) {
    if (!isObject(actual)) return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.entries(pattern).flatMap(([key, value]) =>
      key in actual ? mismatches(value, actual[key], `${path}.${key}`) : [`${path}.${key}: missing from the answer`],
    );
  }
  return Object.is(pattern, actual) ? [] : [`${path}: expected ${JSON.stringify(pattern)}, got ${JSON.stringify(actual)}`];
}
