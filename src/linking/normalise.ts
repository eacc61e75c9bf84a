/**
 * Text folding for linking. Names are matched on a folded form (lower case,
 * no diacritics, one kind of apostrophe and dash) so that `Budënnovsk`,
 * `BUDENNOVSK` and `budennovsk` meet; but a suggestion must point at the
 * writer's own characters, so every folded character remembers which span of
 * the input (UTF-16 indices) it came from.
 */

export interface Folded {
  /** The folded text. */
  text: string;
  /** starts[i]: index in the input of the character that produced text[i]. */
  starts: Int32Array;
  /** ends[i]: index in the input just after that character (and any combining marks that followed it). */
  ends: Int32Array;
}

/** A word of the folded text, with its span in the input. */
export interface Token {
  /** Folded form. */
  readonly norm: string;
  /** Span in the input. */
  readonly start: number;
  readonly end: number;
}

// Letters that NFD does not decompose but that writers and catalogs swap
// with a plain Latin letter all the same.
const SPECIAL: Record<string, string> = {
  ß: 'ss',
  ẞ: 'ss',
  æ: 'ae',
  Æ: 'ae',
  œ: 'oe',
  Œ: 'oe',
  ø: 'o',
  Ø: 'o',
  đ: 'd',
  Đ: 'd',
  ð: 'd',
  Ð: 'd',
  ł: 'l',
  Ł: 'l',
  ı: 'i',
  þ: 'th',
  Þ: 'th',
  // Every apostrophe-like mark becomes ' so that "dell’Onu" and "dell'Onu" split alike.
  '\u2019': "'",
  '\u2018': "'",
  '\u02BC': "'",
  '\u00B4': "'",
  '`': "'",
  // Dashes and hyphens become '-'.
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2212': '-',
};

const COMBINING = /\p{M}/u;
const foldCache = new Map<string, string>();

/** The folded form of one code point ('' for a combining mark). */
export function foldChar(ch: string): string {
  const code = ch.charCodeAt(0);
  // ASCII needs no Unicode tables, and it is most of every text.
  if (ch.length === 1 && code < 0x80) return code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : ch === '`' ? "'" : ch;
  const cached = foldCache.get(ch);
  if (cached !== undefined) return cached;
  let out = SPECIAL[ch];
  if (out === undefined) {
    // NFD splits ë into e + U+0308 and ё into е + U+0308; dropping the marks folds both.
    out = '';
    for (const part of ch.normalize('NFD')) {
      if (COMBINING.test(part)) continue;
      const special = SPECIAL[part];
      out += special ?? part.toLowerCase();
    }
    // Lower-casing can itself produce marks (İ → i̇).
    out = out.normalize('NFD').replace(/\p{M}/gu, '');
  }
  if (foldCache.size < 10_000) foldCache.set(ch, out);
  return out;
}

/** Folds a text, keeping for every folded character the input span it came from. */
export function fold(input: string): Folded {
  // Typed buffers and one string at the end: a live blog entry is folded on
  // every keystroke of analysis, and per-character strings and pushes showed
  // in profiles. A fold can grow the text (ß → ss), hence the margin and growth.
  let codes = new Uint16Array(input.length + 16);
  let starts = new Int32Array(codes.length);
  let ends = new Int32Array(codes.length);
  let n = 0;
  const room = (extra: number) => {
    if (n + extra <= codes.length) return;
    const size = Math.max(codes.length * 2, n + extra);
    const grow = <T extends Uint16Array | Int32Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    codes = grow(codes, new Uint16Array(size));
    starts = grow(starts, new Int32Array(size));
    ends = grow(ends, new Int32Array(size));
  };
  let i = 0;
  while (i < input.length) {
    const code = input.charCodeAt(i);
    if (code < 0x80) {
      room(1);
      codes[n] = code >= 65 && code <= 90 ? code + 32 : code === 96 ? 39 : code;
      starts[n] = i;
      ends[n] = i + 1;
      n++;
      i++;
      continue;
    }
    const width = code >= 0xd800 && code <= 0xdbff && i + 1 < input.length ? 2 : 1;
    const out = foldChar(width === 1 ? input[i]! : input.slice(i, i + 2));
    if (out.length === 0) {
      // A combining mark written on its own belongs to the letter before it:
      // a match ending on that letter should cover the mark too.
      if (n > 0) ends[n - 1] = i + width;
    } else {
      room(out.length);
      for (let k = 0; k < out.length; k++) {
        codes[n] = out.charCodeAt(k);
        starts[n] = i;
        ends[n] = i + width;
        n++;
      }
    }
    i += width;
  }
  let text = '';
  for (let from = 0; from < n; from += 8192) text += String.fromCharCode(...codes.subarray(from, Math.min(n, from + 8192)));
  return { text, starts: starts.subarray(0, n), ends: ends.subarray(0, n) };
}

/** Folds a whole string, without offsets (for catalog names). */
export function foldString(input: string): string {
  return fold(input).text;
}

const WORD_CHAR = /^[\p{L}\p{N}]$/u;
const wordCode = new Map<number, boolean>();

/** Whether a folded UTF-16 unit is part of a word (letters and digits; astral characters are not). */
function isWordCode(c: number): boolean {
  if (c < 0x80) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
  if (c >= 0xd800 && c <= 0xdfff) return false;
  let known = wordCode.get(c);
  if (known === undefined) {
    known = WORD_CHAR.test(String.fromCharCode(c));
    wordCode.set(c, known);
  }
  return known;
}

let lastInput: string | undefined;
let lastTokens: readonly Token[] = [];

/**
 * The words of a text: runs of letters and digits. Apostrophes and hyphens
 * split words, so "dell'Ucraina" yields dell + ucraina, "Zelensky's" yields
 * zelensky + s and "Ivano-Frankivsk" yields ivano + frankivsk: the name
 * stands as a whole word, and a catalog alias split the same way meets it.
 * The last result is kept: mentions and quotes read the same text in turn.
 */
export function tokenize(input: string): readonly Token[] {
  if (input === lastInput) return lastTokens;
  const folded = fold(input);
  const text = folded.text;
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (!isWordCode(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < text.length && isWordCode(text.charCodeAt(j))) j++;
    tokens.push({ norm: text.slice(i, j), start: folded.starts[i]!, end: folded.ends[j - 1]! });
    i = j;
  }
  lastInput = input;
  lastTokens = tokens;
  return tokens;
}

/** The folded words of a name, for building and comparing keys. */
export function nameTokens(name: string): string[] {
  return tokenize(name).map((t) => t.norm);
}
