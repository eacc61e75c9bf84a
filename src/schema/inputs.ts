import { badUserInput } from '../errors.js';
/**
 * GraphQL lets a client send `null` for an optional input field. For fields
 * that cannot be cleared (a title, a name), null means the same as leaving
 * the field out.
 */
export function undefinedIfNull<T extends Record<string, unknown>, K extends keyof T>(input: T, keys: readonly K[]): { [P in keyof T]: P extends K ? Exclude<T[P], null> : T[P] } {
  const copy: Record<string, unknown> = { ...input };
  for (const key of keys) if (copy[key as string] === null) copy[key as string] = undefined;
  return copy as { [P in keyof T]: P extends K ? Exclude<T[P], null> : T[P] };
}

/**
 * A `search:` argument: trimmed, blank meaning no search, refused by name
 * when longer than `max` (a longer search could never match, and costs a scan).
 */
export function searchArg(value: string | null | undefined, field = 'search', max = 200): string | null {
  const trimmed = value?.trim();
  if (!trimmed) return null;
  if (trimmed.length > max) throw badUserInput(field, `must be at most ${max} characters`);
  return trimmed;
}
