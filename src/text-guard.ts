/**
 * The text guard: what characters a stored string may hold. Everything
 * Diretta stores may end up in XML (the Atom feeds), HTML and JSON, and XML
 * 1.0 cannot carry some characters at all, not even escaped: one of them in
 * a headline made every feed that showed the entry unreadable (issue #22).
 *
 * XML 1.0's Char is #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
 * [#x10000-#x10FFFF]. Refused here: the C0 controls but tab, LF and CR;
 * U+FFFE and U+FFFF; a surrogate that is not half of a pair (JSON can
 * spell one, `"\ud800"`; UTF-8 cannot store it). Also refused, although
 * XML 1.0 allows them: DEL and the C1 controls (U+007F–U+009F). XML 1.0
 * asks authors to avoid them and XML 1.1 requires them escaped; no text a
 * person writes holds one, and where one appears it is mis-decoded text
 * (Windows-1252 curly quotes read as Latin-1: U+0093, U+0094) that would
 * print as nothing or as boxes.
 *
 * Prose pasted from a word processor carries its line breaks as controls:
 * U+000B (a manual line break in Word), U+000C (a page break) and U+0085
 * (NEL, the line break of EBCDIC and of some converters). In fields that are
 * prose (src/editing/validation.ts says which) they become a line feed; in
 * any other field they are refused like the rest.
 */

/** The line-break controls a word processor pastes: a line feed in prose. */
// eslint-disable-next-line no-control-regex -- control characters are what this module is about
const PASTED_LINE_BREAK = /[\u000B\u000C\u0085]/g;

/** One character a stored string may not hold (a lone surrogate matches as itself with the `u` flag). */
// eslint-disable-next-line no-control-regex -- control characters are what this module is about
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|\p{Cs}/u;
const FORBIDDEN_GLOBAL = new RegExp(FORBIDDEN.source, 'gu');

export interface ForbiddenCharacter {
  /** As U+XXXX. */
  codePoint: string;
  /** Position in the string, counted in characters (code points) from 1, as an editor counts. */
  position: number;
}

const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

/** The first character `value` may not hold, or null when it holds none. */
export function forbiddenCharacter(value: string): ForbiddenCharacter | null {
  const match = FORBIDDEN.exec(value);
  if (!match) return null;
  return { codePoint: hex(match[0].codePointAt(0)!), position: [...value.slice(0, match.index)].length + 1 };
}

/** A word processor's line breaks (U+000B, U+000C, U+0085) as line feeds. */
export const withPastedLineBreaks = (value: string) => value.replace(PASTED_LINE_BREAK, '\n');

/** What a refusal says: which character, where, and what to do. */
export function describeForbidden(found: ForbiddenCharacter): string {
  return `contains ${found.codePoint} at character ${found.position}, a character that feeds (XML) cannot carry; remove it`;
}

/**
 * For output only: `value` without the characters XML cannot carry. Input
 * is refused before it is stored; this keeps a row written before the
 * guard existed from breaking a feed.
 */
export const xmlCarriable = (value: string) => value.replace(FORBIDDEN_GLOBAL, '');
