/**
 * A text as attribution reads it: a flat list of words, catalog names (one
 * item however many words), punctuation that matters to clauses, and whole
 * quotations (opaque: a name inside a quote never speaks it). Then cut into
 * sentences, which is not a split on full stops: a full stop inside a quote
 * or after an initial does not end a sentence.
 */
import type { Mention, MentionKind } from './matcher.js';
import { tokenize } from './normalise.js';
import type { QuoteSpan } from './quote-marks.js';

export type Item =
  | { type: 'word'; norm: string; start: number; end: number }
  | { type: 'name'; kind: MentionKind; id: number; start: number; end: number }
  | { type: 'punct'; ch: string; terminal: boolean; start: number; end: number }
  | { type: 'quote'; quote: number; start: number; end: number };

/** A sentence as a range of item indices [from, to). */
export interface Sentence {
  from: number;
  to: number;
}

const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'st', 'sig', 'sigg', 'dott', 'on', 'prof', 'gen', 'col', 'lt', 'sen', 'rep', 'gov', 'jr', 'sr', 'vs', 'ecc', 'avv', 'ing', 'mons']);

const CLAUSE_PUNCT = /[,;:.!?…()]/;
const DASHES = /[-–—]/;

export function buildItems(text: string, mentions: readonly Mention[], quotes: readonly QuoteSpan[]): Item[] {
  const tokens = tokenize(text);
  const names = [...mentions].sort((a, b) => a.start - b.start);
  const items: Item[] = [];
  let ti = 0;
  let mi = 0;
  let qi = 0;
  let pos = 0;

  const gap = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const ch = text[i]!;
      if (ch === '\n') {
        const last = items[items.length - 1];
        if (!(last?.type === 'punct' && last.ch === '\n')) items.push({ type: 'punct', ch, terminal: true, start: i, end: i + 1 });
      } else if (CLAUSE_PUNCT.test(ch)) {
        items.push({ type: 'punct', ch, terminal: isTerminal(text, i, items), start: i, end: i + 1 });
      } else if (DASHES.test(ch) && (/\s/.test(text[i - 1] ?? ' ') || /\s/.test(text[i + 1] ?? ' '))) {
        // A dash with a space beside it is a parenthesis (– ha detto Rossi –); inside a word it is a hyphen.
        items.push({ type: 'punct', ch: '–', terminal: false, start: i, end: i + 1 });
      }
    }
  };

  while (pos < text.length) {
    const quote = quotes[qi];
    const name = names[mi];
    const token = tokens[ti];
    const next = Math.min(quote?.open ?? Infinity, name?.start ?? Infinity, token?.start ?? Infinity);
    if (next === Infinity) break;
    gap(pos, next);
    if (quote && quote.open === next) {
      items.push({ type: 'quote', quote: qi, start: quote.open, end: quote.close + 1 });
      pos = quote.close + 1;
      qi++;
    } else if (name && name.start === next) {
      items.push({ type: 'name', kind: name.kind, id: name.id, start: name.start, end: name.end });
      pos = name.end;
      mi++;
    } else {
      items.push({ type: 'word', norm: token!.norm, start: token!.start, end: token!.end });
      pos = token!.end;
      ti++;
    }
    while (tokens[ti] && tokens[ti]!.start < pos) ti++;
    while (names[mi] && names[mi]!.start < pos) mi++;
  }
  gap(pos, text.length);
  return items;
}

function isTerminal(text: string, at: number, before: Item[]): boolean {
  const ch = text[at]!;
  if (!/[.!?…]/.test(ch)) return false;
  const after = text[at + 1];
  if (after !== undefined && !/\s/.test(after)) return false;
  if (ch !== '.') return true;
  const prev = before[before.length - 1];
  if (prev?.type === 'word') {
    // An initial ("George W. Bush") or an abbreviation ("Sig. Rossi") is not the end of a sentence.
    if (prev.end - prev.start === 1 && /\p{Lu}/u.test(text[prev.start]!)) return false;
    if (ABBREVIATIONS.has(prev.norm)) return false;
  }
  return true;
}

/**
 * Cuts the items into sentences. `quoteEnds` says whether a quotation ends
 * its sentence (its own text ends with a full stop and no "ha detto X"
 * follows it): only the caller knows the speech grammar for that.
 */
export function splitSentences(items: readonly Item[], quoteEnds: (index: number) => boolean): Sentence[] {
  const sentences: Sentence[] = [];
  let from = 0;
  items.forEach((item, i) => {
    const cut = (item.type === 'punct' && item.terminal) || (item.type === 'quote' && quoteEnds(i));
    if (cut) {
      if (i + 1 > from) sentences.push({ from, to: i + 1 });
      from = i + 1;
    }
  });
  if (from < items.length) sentences.push({ from, to: items.length });
  return sentences;
}
