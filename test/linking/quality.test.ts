/**
 * The quality targets of issue #12, held on the annotated corpus (counts, not
 * timings: the timing lives in bench/linking-quality.ts, where a loaded CI
 * machine cannot fail the suite).
 */
import { describe, expect, it } from 'vitest';
import { buildMatcher } from '../../src/linking/matcher.js';
import { corpusCatalog, corpusEntries } from '../fixtures/linking-corpus/index.js';
import { scoreCorpus } from '../fixtures/linking-corpus/score.js';
import { locate } from '../fixtures/linking-corpus/types.js';

describe('linking quality on the corpus', () => {
  const score = scoreCorpus(buildMatcher(corpusCatalog), corpusEntries);

  it('has the corpus the targets are measured on', () => {
    expect(corpusEntries.filter((e) => e.language === 'it').length).toBeGreaterThanOrEqual(20);
    expect(corpusEntries.filter((e) => e.language === 'en').length).toBeGreaterThanOrEqual(20);
    expect(corpusCatalog.people.length).toBeGreaterThanOrEqual(30);
    expect(corpusCatalog.places.length).toBeGreaterThanOrEqual(30);
    expect(new Set(corpusEntries.map((e) => e.id)).size).toBe(corpusEntries.length);
    // Every gold mention is found in its text (a typo would silently lower recall).
    for (const entry of corpusEntries) expect(() => locate(entry)).not.toThrow();
    expect(score.quotes.gold).toBeGreaterThanOrEqual(40);
  });

  it('finds people with precision ≥ 0.95 and recall ≥ 0.9', () => {
    expect(score.people.precision, score.errors.join('\n')).toBeGreaterThanOrEqual(0.95);
    expect(score.people.recall, score.errors.join('\n')).toBeGreaterThanOrEqual(0.9);
  });

  it('finds places with precision ≥ 0.95 and recall ≥ 0.9', () => {
    expect(score.places.precision, score.errors.join('\n')).toBeGreaterThanOrEqual(0.95);
    expect(score.places.recall, score.errors.join('\n')).toBeGreaterThanOrEqual(0.9);
  });

  it('gives ≥ 0.8 of quotes their right speaker and none a wrong one', () => {
    expect(score.quotes.rightFraction, score.errors.join('\n')).toBeGreaterThanOrEqual(0.8);
    expect(score.quotes.wrongSpeaker, score.errors.join('\n')).toBe(0);
  });
});
