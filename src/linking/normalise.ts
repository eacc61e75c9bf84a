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
  starts: number[];
  /** ends[i]: index in the input just after that character (and any combining marks that followed it). */
  ends: number[];
}

/** A word of the folded text, with its span in the input. */
export interface Token {
  /** Folded form. */
  norm: string;
  /** Span in the input. */
  start: number;
  end: number;
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
  const starts: number[] = [];
  const ends: number[] = [];
  let text = '';
  let i = 0;
  while (i < input.length) {
    const code = input.codePointAt(i)!;
    const width = code > 0xffff ? 2 : 1;
    const ch = width === 1 ? input[i]! : input.slice(i, i + 2);
    const out = foldChar(ch);
    if (out.length === 0) {
      // A combining mark written on its own belongs to the letter before it:
      // a match ending on that letter should cover the mark too.
      if (ends.length > 0) ends[ends.length - 1] = i + width;
    } else {
      text += out;
      for (let k = 0; k < out.length; k++) {
        starts.push(i);
        ends.push(i + width);
      }
    }
    i += width;
  }
  return { text, starts, ends };
}

/** Folds a whole string, without offsets (for catalog names). */
export function foldString(input: string): string {
  return fold(input).text;
}

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * The words of a text: runs of letters and digits. Apostrophes and hyphens
 * split words, so "dell'Ucraina" yields dell + ucraina, "Zelensky's" yields
 * zelensky + s and "Ivano-Frankivsk" yields ivano + frankivsk: the name
 * stands as a whole word, and a catalog alias split the same way meets it.
 */
export function tokenize(input: string): Token[] {
  const folded = fold(input);
  const tokens: Token[] = [];
  for (const m of folded.text.matchAll(WORD)) {
    const from = m.index;
    const to = from + m[0].length;
    tokens.push({ norm: m[0], start: folded.starts[from]!, end: folded.ends[to - 1]! });
  }
  return tokens;
}

/** The folded words of a name, for building and comparing keys. */
export function nameTokens(name: string): string[] {
  return foldString(name).match(WORD) ?? [];
}
