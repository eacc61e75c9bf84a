/**
 * Input rules for everything editors write. The database checks the same
 * things again (src/db/schema.ts); these give the client a precise message
 * naming each input field that failed, all at once.
 *
 * Every string stored goes through `guarded` (the text guard,
 * src/text-guard.ts), through text/optionalText/prose/optionalProse, the
 * URL rules or a pattern (slug, language) that admits less. Fields that are
 * prose (`prose`, `optionalProse`: an entry's body and correction note, a
 * quote and its context, a story's summary, a person's description, an
 * image's caption, a takedown's reason) take a word processor's line breaks
 * as line feeds; every other field refuses them with the other controls.
 */
import { z } from 'zod';
import { clientError } from '../errors.js';
import { describeForbidden, forbiddenCharacter, withPastedLineBreaks } from '../text-guard.js';

/** Prose takes pasted line breaks (U+000B, U+000C, U+0085) as line feeds; a line refuses them. */
export type TextKind = 'line' | 'prose';

/** A string the text guard passes, as given (not trimmed): a character feeds cannot carry is refused, naming where it is. */
export const guarded = (kind: TextKind = 'line') =>
  z.string().transform((given, ctx) => {
    const value = kind === 'prose' ? withPastedLineBreaks(given) : given;
    const found = forbiddenCharacter(value);
    if (!found) return value;
    ctx.addIssue({ code: 'custom', message: describeForbidden(found) });
    return z.NEVER;
  });

/** Trimmed text of bounded length; `min` 1 means it must not be blank. */
export const text = (max: number, min = 1, kind: TextKind = 'line') =>
  guarded(kind)
    .transform((v) => v.trim())
    .pipe(z.string().min(min, min === 1 ? 'must not be blank' : `must be at least ${min} characters`).max(max, `must be at most ${max} characters`));

/** Optional text where an empty string means "clear it". */
export const optionalText = (max: number, kind: TextKind = 'line') =>
  guarded(kind)
    .transform((v) => v.trim())
    .pipe(z.string().max(max, `must be at most ${max} characters`))
    .transform((v) => (v === '' ? null : v))
    .nullish();

/** Text pasted from elsewhere, line breaks and all (see the module comment). */
export const prose = (max: number, min = 1) => text(max, min, 'prose');
export const optionalProse = (max: number) => optionalText(max, 'prose');

/**
 * An absolute web URL, stored as the WHATWG URL standard serialises it (what
 * browsers do with it): spaces, quotes, `<` and `>` percent-encoded, the host
 * lower-cased, a default port dropped. Whoever pastes a stored URL into HTML
 * gets an attribute value that cannot end early. A URL with a user name or
 * password is refused: it would publish the credentials.
 */
export const webUrl = (options: { schemes: readonly ('http:' | 'https:')[]; max: number }) => {
  const wanted = options.schemes.map((s) => `${s}//`).join(' or ');
  return guarded()
    .transform((v) => v.trim())
    .pipe(z.string().max(options.max, `must be at most ${options.max} characters`))
    .transform((value, ctx) => {
      let url: URL | null = null;
      try {
        url = new URL(value);
      } catch {
        // not a URL: said below
      }
      if (!url || !(options.schemes as readonly string[]).includes(url.protocol) || url.hostname === '' || url.username !== '' || url.password !== '') {
        ctx.addIssue({ code: 'custom', message: `must be an absolute ${wanted} URL (without user name or password)` });
        return z.NEVER;
      }
      return url.href;
    })
    .pipe(z.string().max(options.max, `must be at most ${options.max} characters once normalised (percent-encoded)`));
};

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
export const idempotencyKey = guarded().pipe(z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters')).nullish();

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
