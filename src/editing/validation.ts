/**
 * Input rules for everything editors write. The database checks the same
 * things again (src/db/schema.ts); these give the client a precise message
 * naming each input field that failed, all at once.
 */
import { z } from 'zod';
import { clientError } from '../errors.js';

/** Trimmed text of bounded length; `min` 1 means it must not be blank. */
export const text = (max: number, min = 1) =>
  z
    .string()
    .transform((v) => v.trim())
    .pipe(z.string().min(min, min === 1 ? 'must not be blank' : `must be at least ${min} characters`).max(max, `must be at most ${max} characters`));

/** Optional text where an empty string means "clear it". */
export const optionalText = (max: number) =>
  z
    .string()
    .transform((v) => v.trim())
    .pipe(z.string().max(max, `must be at most ${max} characters`))
    .transform((v) => (v === '' ? null : v))
    .nullish();

export const slug = z
  .string()
  .max(120, 'must be at most 120 characters')
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be lower-case letters, digits and single hyphens, e.g. "kyiv-strikes"');

export const language = z
  .string()
  .max(35, 'must be at most 35 characters')
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag such as "it" or "en-GB"');

export const wikidataId = z.string().regex(/^Q[1-9][0-9]*$/, 'must be a Wikidata item id such as "Q212"').nullish();
export const aliases = z.array(text(200)).max(20, 'at most 20 aliases').optional();
export const idempotencyKey = z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').nullish();

export interface Problem {
  field: string;
  message: string;
}

/** Parses `input` with `schema`; on failure throws one BAD_USER_INPUT error listing every problem. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, prefix = 'input'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems: Problem[] = result.error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw invalidInput(problems);
}

export function invalidInput(problems: Problem[]) {
  const [first] = problems;
  return clientError('BAD_USER_INPUT', problems.map((p) => `${p.field}: ${p.message}`).join('; '), { field: first!.field, problems });
}
