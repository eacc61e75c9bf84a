import { describe, expect, it } from 'vitest';
import { fold, foldString, nameTokens, tokenize } from '../../src/linking/normalise.js';

describe('fold', () => {
  it('lower-cases and strips diacritics in Latin and Cyrillic', () => {
    expect(foldString('Budënnovsk')).toBe('budennovsk');
    expect(foldString('ČEŠKÝ Krumlov')).toBe('cesky krumlov');
    expect(foldString('Ёлкино')).toBe('елкино');
    expect(foldString('Łódź, Straße, Ærø')).toBe('lodz, strasse, aero');
  });

  it('maps every folded character back to the input, across surrogate pairs and loose combining marks', () => {
    const input = 'a😀 Mu\u0308nster';
    const f = fold(input);
    expect(f.text).toBe('a😀 munster');
    const at = f.text.indexOf('munster');
    expect(input.slice(f.starts[at]!, f.ends[at + 'munster'.length - 1]!)).toBe('Mu\u0308nster');
    // The "u" that carried the loose diaeresis covers it too.
    expect(input.slice(f.starts[at + 1]!, f.ends[at + 1]!)).toBe('u\u0308');
  });

  it('folds typographic apostrophes and dashes to one form', () => {
    expect(foldString('dell’Onu – l‘altro')).toBe("dell'onu - l'altro");
  });
});

describe('tokenize', () => {
  it('splits at apostrophes and hyphens, reporting input offsets', () => {
    const text = "Nell’Ucraina, Ivano-Frankivsk e l'Aquila's";
    const tokens = tokenize(text);
    expect(tokens.map((t) => t.norm)).toEqual(['nell', 'ucraina', 'ivano', 'frankivsk', 'e', 'l', 'aquila', 's']);
    for (const t of tokens) expect(foldString(text.slice(t.start, t.end))).toBe(t.norm);
  });

  it('gives a name its folded words', () => {
    expect(nameTokens("Jean-Luc D'Alembert")).toEqual(['jean', 'luc', 'd', 'alembert']);
  });
});
