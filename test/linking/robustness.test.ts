/**
 * Whatever the desk types — stray marks, emoji, combining accents, empty
 * text — analysis neither throws nor reports offsets that do not point at
 * what it says it found.
 */
import { describe, expect, it } from 'vitest';
import { buildMatcher, findMentions } from '../../src/linking/matcher.js';
import { findQuotes } from '../../src/linking/quotes.js';
import { corpusCatalog, corpusEntries } from '../fixtures/linking-corpus/index.js';

const matcher = buildMatcher(corpusCatalog);

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

const PIECES = [
  ...corpusEntries.flatMap((e) => e.text.split(/(?<=[ ,.:])/)),
  '«', '»', '“', '”', '„', '"', "'", '’', ':', ', ', '. ', '\n', '😀', 'e\u0301', 'Ё', ' – ', 'ha detto ', 'said ', 'Zelensky ', 'Kyiv', '...', '?! ',
];

describe('robustness', () => {
  it('handles empty and mark-only texts', () => {
    for (const text of ['', ' ', '«»', '“”', '"', '«', '» «', ':', '\n\n']) {
      const mentions = findMentions(matcher, text, { language: 'it' });
      expect(() => findQuotes(text, mentions, { language: 'it' })).not.toThrow();
    }
  });

  it('reports offsets that point at the reported text, on random texts', () => {
    const next = random(7);
    for (let run = 0; run < 300; run++) {
      let text = '';
      const length = 1 + Math.floor(next() * 60);
      for (let i = 0; i < length; i++) text += PIECES[Math.floor(next() * PIECES.length)]!;
      for (const language of ['it', 'en', 'fr']) {
        const mentions = findMentions(matcher, text, { language });
        for (const m of mentions) {
          expect(text.slice(m.start, m.end)).toBe(m.text);
          expect(m.start).toBeLessThan(m.end);
        }
        for (const q of findQuotes(text, mentions, { language })) {
          expect(text.slice(q.start, q.end)).toBe(q.text);
          expect(q.text.length).toBeGreaterThan(0);
          if (q.speakerId !== null) expect(mentions.some((m) => m.kind === 'person' && m.id === q.speakerId)).toBe(true);
        }
      }
    }
  });
});
