/**
 * Linking takes work in proportion to its input, whatever the input: the
 * hostile texts of issue #22 (thousands of opening marks, then thousands of
 * closing marks that close none of them; a sentence of thousands of quotes;
 * a surname thousands of catalog people share) once took seconds of one
 * core. Counted, not timed: linkingWork (src/linking/work.ts) counts the
 * steps taken, and ten times the text must cost about ten times the steps.
 */
import { describe, expect, it } from 'vitest';
import { type Catalog, type Matcher, buildMatcher, buildMatcherInSlices, findMentions } from '../../src/linking/matcher.js';
import { type QuoteSpan, findQuoteSpans } from '../../src/linking/quote-marks.js';
import { findQuotes } from '../../src/linking/quotes.js';
import { linkingWork } from '../../src/linking/work.js';
import { corpusCatalog } from '../fixtures/linking-corpus/index.js';

/** The pairing as it was before it was made linear (it rescanned its stack for every closing mark): the reference for what pairs. */
function referenceSpans(text: string): QuoteSpan[] {
  const closes: Record<string, string> = { '«': '»', '“': '”', '„': '“”', '"': '"' };
  const spans: QuoteSpan[] = [];
  let stack: { mark: string; at: number }[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') {
      stack = [];
      continue;
    }
    const top = stack[stack.length - 1];
    if (top && closes[top.mark]!.includes(ch)) {
      stack.pop();
      if (stack.length === 0) spans.push({ open: top.at, close: i });
      continue;
    }
    if (ch === '»' || ch === '”') {
      const k = stack.findLastIndex((o) => closes[o.mark]!.includes(ch));
      if (k >= 0) {
        const outer = stack[k]!;
        stack = stack.slice(0, k);
        if (stack.length === 0) spans.push({ open: outer.at, close: i });
      }
      continue;
    }
    if (ch in closes) stack.push({ mark: ch, at: i });
  }
  return spans;
}

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

const repeat = (piece: string, length: number) => piece.repeat(Math.ceil(length / piece.length)).slice(0, length);
const halves = (a: string, b: string) => (length: number) => repeat(a, length / 2) + repeat(b, length / 2);

/** Texts built to make a careless algorithm quadratic, by length. */
const HOSTILE: Record<string, (length: number) => string> = {
  '“ then »': halves('“', '»'),
  '« then ”': halves('«', '”'),
  '„ then »': halves('„', '»'),
  '«“ then »': halves('«“', '»'),
  '“« then ”': halves('“«', '”'),
  'straight quotes': (n) => repeat('"', n),
  'closing marks only': (n) => repeat('»”', n),
  'one long sentence of quotes': (n) => repeat('«a» ', n),
  'quotes after commas': (n) => repeat('«a», ', n),
  'quotes after a colon': (n) => repeat(': «a» ', n),
  'a speaker and a colon': (n) => repeat('Peskov: «a» ', n),
  'one speech verb, many quotes': (n) => `Peskov ha detto: ${repeat('«a» ', n - 20)}`,
  'many subjects before one verb': (n) => `${repeat('il portavoce, ', n - 40)}ha detto: «a» «b» «c»`,
  'quotes that end sentences': (n) => repeat('«a.» ', n),
  'pronoun speakers': (n) => repeat('«a», ha aggiunto. ', n),
  'scare quotes, then speakers': (n) => repeat('«a» ', n / 2) + repeat('«b», ha detto. ', n / 2),
  'speech verbs': (n) => repeat('ha detto ', n),
  'sources': (n) => repeat('sul suo canale «a» ', n),
  'names': (n) => repeat('Peskov ', n),
  'names and conjunctions': (n) => repeat('Peskov e Zelensky e ', n),
  'one letter': (n) => repeat('a', n),
  'spaces': (n) => `a${repeat(' ', n - 2)}a`,
  'newlines': (n) => repeat('«\n', n),
  'capitals': (n) => repeat('A ', n),
  'combining marks': (n) => repeat('e\u0301', n),
};

function steps(matcher: Matcher, text: string): number {
  linkingWork.steps = 0;
  const mentions = findMentions(matcher, text, { language: 'it' });
  findQuotes(text, mentions, { language: 'it' });
  return linkingWork.steps;
}

describe('quote pairing', () => {
  it('pairs exactly as the rescanning pairing did, on random runs of marks', () => {
    const next = random(22);
    const marks = ['«', '»', '“', '”', '„', '"', 'a', ' ', '\n'];
    for (let run = 0; run < 2_000; run++) {
      const length = 1 + Math.floor(next() * 40);
      let text = '';
      for (let i = 0; i < length; i++) text += marks[Math.floor(next() * marks.length)]!;
      expect(findQuoteSpans(text), JSON.stringify(text)).toEqual(referenceSpans(text));
    }
  });

  it('takes one step per character and per mark it drops, however the marks are arranged', () => {
    for (const [name, make] of Object.entries(HOSTILE)) {
      // The reference is the quadratic one: compared on short texts, counted on long ones.
      expect(findQuoteSpans(make(2_000)), name).toEqual(referenceSpans(make(2_000)));
      linkingWork.steps = 0;
      findQuoteSpans(make(20_000));
      expect(linkingWork.steps, name).toBeLessThanOrEqual(2 * 20_000);
    }
  });
});

describe('linking is linear in its text', () => {
  const matcher = buildMatcher(corpusCatalog);

  it.each(Object.keys(HOSTILE))('%s: ten times the text, at most about ten times the work', (name) => {
    const make = HOSTILE[name]!;
    const small = steps(matcher, make(2_000));
    const large = steps(matcher, make(20_000));
    expect(small).toBeGreaterThan(0);
    // Linear work is 10× (plus a little for the parts that do not grow); quadratic work would be 100×.
    expect(large / small, `${small} → ${large} steps`).toBeLessThanOrEqual(11);
    // And a small constant per character: at the API's largest text, a few tens of milliseconds at most.
    expect(large, name).toBeLessThanOrEqual(10 * 20_000);
  });

  it('weighs a surname thousands of catalog people share once per text, not once per occurrence', () => {
    const catalog: Catalog = { people: [...corpusCatalog.people], places: corpusCatalog.places };
    const sharing = 5_000;
    for (let i = 0; i < sharing; i++) catalog.people.push({ id: 100_000 + i, name: `Nome${i} Rossi`, aliases: [] });
    const crowded = buildMatcher(catalog);
    for (const text of [repeat('Rossi ', 20_000), repeat('Rossi ha detto: «a». ', 20_000), repeat('«a.» Rossi ', 20_000)]) {
      const work = steps(crowded, text);
      // Every occurrence used to weigh all 5,000 of them (10⁷ steps, 11 s).
      expect(work).toBeLessThanOrEqual(10 * text.length + 4 * sharing);
    }
    // Still ambiguous: no link to any of them.
    expect(findMentions(crowded, 'Rossi ha parlato.', { language: 'it' })).toEqual([]);
  });

  it('builds the same matcher in slices as at once', async () => {
    const sliced = await buildMatcherInSlices(corpusCatalog, 0);
    const whole = buildMatcher(corpusCatalog);
    expect(sliced.keys).toBe(whole.keys);
    const text = 'Dmitrij Peskov ha detto a Kiev: «Nessuna svolta». Zelensky a Kharkiv.';
    expect(findMentions(sliced, text, { language: 'it' })).toEqual(findMentions(whole, text, { language: 'it' }));
  });
});
