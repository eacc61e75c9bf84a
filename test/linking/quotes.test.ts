import { describe, expect, it } from 'vitest';
import { buildMatcher, findMentions, type Catalog } from '../../src/linking/matcher.js';
import { findQuoteSpans } from '../../src/linking/quote-marks.js';
import { findQuotes, type Quote } from '../../src/linking/quotes.js';

const catalog: Catalog = {
  people: [
    { id: 1, name: 'Marco Bellini', aliases: [] },
    { id: 2, name: 'Giulia Ferraris', aliases: [] },
    { id: 3, name: 'Anna Kowalczyk', aliases: [] },
    { id: 4, name: 'Pedro Alvarez', aliases: [] },
    { id: 5, name: 'John Harper', aliases: [] },
    { id: 6, name: 'Emily Carter', aliases: [] },
    { id: 7, name: 'Oleh Tymchuk', aliases: [] },
    { id: 8, name: 'Vitali Klitschko', aliases: ['Klitschko'] },
    { id: 9, name: 'Dmitri Orlov', aliases: [] },
    { id: 10, name: 'Sergei Lavrov', aliases: [] },
    { id: 11, name: 'Dmitry Peskov', aliases: [] },
    { id: 12, name: 'Vladimir Putin', aliases: [] },
  ],
  places: [
    { id: 101, name: 'Lione', aliases: ['Lyon'] },
    { id: 102, name: 'Leeds', aliases: [] },
    { id: 103, name: 'Kiev', aliases: ['Kyiv'] },
  ],
};
const matcher = buildMatcher(catalog);

function quotes(text: string, language: 'it' | 'en'): Quote[] {
  return findQuotes(text, findMentions(matcher, text, { language }), { language });
}
const said = (text: string, language: 'it' | 'en') => quotes(text, language).map((q) => [q.text, q.speakerId, q.attribution]);

describe('findQuoteSpans', () => {
  it('pairs «», “”, „“ and straight quotes, outermost only', () => {
    const text = '«Ha detto “mai”, non “forse”» e „so“ e "yes" e «aperta';
    const spans = findQuoteSpans(text).map((s) => text.slice(s.open + 1, s.close));
    expect(spans).toEqual(['Ha detto “mai”, non “forse”', 'so', 'yes']);
  });
});

describe('findQuotes: who spoke (Italian)', () => {
  it('reads a speaker before the quote, with a verb or a bare colon', () => {
    expect(said('Marco Bellini ha detto: «Non ci ritireremo dalla corsa».', 'it')).toEqual([['Non ci ritireremo dalla corsa', 1, null]]);
    expect(said('Bellini: «Vinceremo al primo turno».', 'it')).toEqual([['Vinceremo al primo turno', 1, null]]);
    expect(said('In serata Ferraris ha ribadito ai cronisti che il voto «è stato regolare in ogni seggio».', 'it')).toEqual([
      ['è stato regolare in ogni seggio', 2, null],
    ]);
  });

  it('reads a speaker after the quote', () => {
    expect(said('«Il voto è stato regolare», ha dichiarato Giulia Ferraris.', 'it')).toEqual([['Il voto è stato regolare', 2, null]]);
    expect(said('«Ripartiremo dal centro» – ha aggiunto il ministro Tymchuk – «e poi dalle periferie».', 'it')).toEqual([
      ['Ripartiremo dal centro', 7, null],
      ['e poi dalle periferie', 7, null],
    ]);
  });

  it('carries the speaker of the previous sentence', () => {
    expect(said('Tymchuk ha osservato che la diga è ormai satura. «Abbiamo poche ore per evacuare il villaggio».', 'it')).toEqual([
      ['Abbiamo poche ore per evacuare il villaggio', 7, null],
    ]);
    expect(said('Ferraris ha incontrato gli elettori a Lione. «Il risultato è chiaro», ha aggiunto.', 'it')).toEqual([
      ['Il risultato è chiaro', 2, null],
    ]);
    expect(said('«Non firmeremo», ha detto Kowalczyk. «Il testo va riscritto da capo».', 'it')).toEqual([
      ['Non firmeremo', 3, null],
      ['Il testo va riscritto da capo', 3, null],
    ]);
  });

  it('takes the person in an apposition, not the place in it', () => {
    expect(said('Vitali Klitschko, il sindaco di Kiev, ha dichiarato: «Le scuole resteranno chiuse».', 'it')).toEqual([
      ['Le scuole resteranno chiuse', 8, null],
    ]);
  });

  it('does not give the quote of a spokesman to the person he speaks for', () => {
    expect(said('Il portavoce di Bellini ha spiegato: «Nessun commento sui sondaggi».', 'it')).toEqual([
      ['Nessun commento sui sondaggi', null, 'Il portavoce di Bellini'],
    ]);
    expect(said('Il portavoce del presidente Tymchuk ha detto: «La diga regge».', 'it')).toEqual([['La diga regge', null, 'Il portavoce del presidente Tymchuk']]);
  });

  it('does not choose between two people', () => {
    expect(said('Bellini e Ferraris hanno detto: «Serve un accordo».', 'it')).toEqual([['Serve un accordo', null, 'Bellini e Ferraris']]);
    expect(said('Bellini ha incontrato Ferraris. «Serve un accordo».', 'it')).toEqual([]);
    expect(said('Bellini ha parlato, poi Ferraris ha replicato: «Serve un accordo».', 'it')).toEqual([['Serve un accordo', 2, null]]);
  });

  it('names a speaker outside the catalog, and never borrows a catalog name nearby', () => {
    expect(said('Dopo l’incontro con Bellini, il sindaco di Lione ha detto: «La città è pronta».', 'it')).toEqual([
      ['La città è pronta', null, 'il sindaco di Lione'],
    ]);
    expect(said('Secondo la Tass, «le trattative riprenderanno presto».', 'it')).toEqual([['le trattative riprenderanno presto', null, 'Tass']]);
  });

  it('finds the source where the text gives it', () => {
    const [q] = quotes('«Il voto è stato regolare», ha scritto Ferraris sul suo canale Telegram.', 'it');
    expect(q).toMatchObject({ speakerId: 2, source: 'sul suo canale Telegram' });
    const [r] = quotes("In un'intervista alla Bbc, Kowalczyk ha detto: «Nessuna tregua».", 'it');
    expect(r).toMatchObject({ speakerId: 3, source: "In un'intervista alla Bbc" });
  });

  it('ignores scare quotes and titles', () => {
    expect(said('La candidata ha definito la proposta «una follia» davanti al consiglio.', 'it')).toEqual([]);
    expect(said('Il film «La grande bellezza» torna in sala a Lione.', 'it')).toEqual([]);
  });

  it('reports the offsets of the quoted words', () => {
    const text = 'Bellini: «Vinceremo»';
    const [q] = quotes(text, 'it');
    expect(text.slice(q!.start, q!.end)).toBe('Vinceremo');
  });
});

describe('findQuotes: who spoke (English)', () => {
  it('reads “…,” X said and “…,” said X', () => {
    expect(said('“We will not give up,” Harper said.', 'en')).toEqual([['We will not give up', 5, null]]);
    expect(said('“It is over,” said the mayor of Leeds, John Harper.', 'en')).toEqual([['It is over', 5, null]]);
  });

  it('reads X told reporters: “…”, and a pronoun that continues', () => {
    expect(said('Emily Carter told reporters: “The flood barriers held overnight.” She added: “Nobody was hurt.”', 'en')).toEqual([
      ['The flood barriers held overnight.', 6, null],
      ['Nobody was hurt.', 6, null],
    ]);
  });

  it('leaves a quote by someone outside the catalog without a speaker', () => {
    expect(said('“The match was fixed,” a spokesman for the club said.', 'en')).toEqual([['The match was fixed', null, 'a spokesman']]);
    expect(said("Harper’s spokeswoman said: “He will not resign.”", 'en')).toEqual([['He will not resign.', null, 'Harper’s spokeswoman']]);
  });

  it('does not choose between two people in one sentence', () => {
    expect(said('Harper met Carter on Monday and said: “We agree on the budget.”', 'en')).toEqual([['We agree on the budget.', null, null]]);
    expect(said('After Harper spoke, “it is finished,” the coach told Carter.', 'en')).toEqual([['it is finished', null, 'the coach']]);
  });

  it('finds the source', () => {
    const [q] = quotes('Pedro Alvarez wrote on X: “Leeds deserved the win.”', 'en');
    expect(q).toMatchObject({ speakerId: 4, source: 'on X' });
    const [r] = quotes('“We will rebuild,” Carter said in a statement.', 'en');
    expect(r).toMatchObject({ speakerId: 6, source: 'in a statement' });
  });

  it('ignores scare quotes', () => {
    expect(said('The so-called “peace plan” was criticised in Leeds.', 'en')).toEqual([]);
  });
});

describe('findQuotes: misattributions that must not happen', () => {
  const speaker = (text: string, language: 'it' | 'en') => quotes(text, language).map((q) => q.speakerId);

  it('gives reported speech to the one reported, not the reporter', () => {
    expect(speaker('Harper said Carter had told him: “I will resign.”', 'en')).toEqual([6]);
    expect(speaker('Secondo Bellini, Ferraris avrebbe detto: «Mai con loro».', 'it')).toEqual([2]);
    expect(speaker('«Mai con loro», avrebbe detto Ferraris secondo Bellini.', 'it')).toEqual([2]);
    expect(speaker('Harper said the minister had told him: “Not now.”', 'en')).toEqual([null]);
  });

  it('reads the passive', () => {
    expect(speaker('Carter was asked by Harper: “Will you resign?”', 'en')).toEqual([5]);
    expect(speaker('Carter was asked: “Will you resign?”', 'en')).toEqual([null]);
  });

  it('does not take the object of a verb for the speaker', () => {
    expect(speaker('Bellini ha incontrato Ferraris e ha detto: «Siamo d’accordo».', 'it')).toEqual([1]);
    expect(speaker('Carter thanked Harper, who said: “It was nothing.”', 'en')).toEqual([null]);
    expect(speaker('Harper, who was interviewed by Carter, said: “I am not leaving.”', 'en')).toEqual([5]);
  });

  it('does not let a catalog name speak for a pair whose other half is outside the catalog', () => {
    expect(said('Macron e Ferraris hanno detto: «Basta».', 'it')).toEqual([['Basta', null, 'Macron e Ferraris']]);
    expect(speaker('Harper or Carter will say: “We won.”', 'en')).toEqual([null]);
  });

  it('does not hand a quote that ends its sentence to the next sentence’s subject', () => {
    expect(speaker('Orlov ha parlato a lungo. «Non ci fermeremo.» Lavrov ha poi parlato della Siria.', 'it')).toEqual([9]);
    expect(speaker('“We will win!” Harper said on Monday.', 'en')).toEqual([5]);
  });

  it('does not resolve a relative pronoun to the main clause’s subject', () => {
    expect(speaker('Ferraris ha risposto a Bellini, che aveva detto: «Sei incompetente».', 'it')).toEqual([null]);
  });

  it('does not read a colon after a clause naming two people as either one speaking', () => {
    expect(speaker('Bellini ha letto la lettera di Ferraris: «Cari colleghi, lascio».', 'it')).toEqual([null]);
  });

  it('reads a passive after the quote, and an audience before the speaker', () => {
    expect(speaker('“We must act,” Carter was told by Harper.', 'en')).toEqual([5]);
    expect(speaker('«Basta», ha detto Bellini a Ferraris.', 'it')).toEqual([1]);
    expect(said('«Nessun commento», ha detto a Bellini un funzionario.', 'it')).toEqual([['Nessun commento', null, 'un funzionario']]);
  });

  it('keeps the person a spokesman speaks for out, and the spokesman in', () => {
    expect(said('Il Cremlino, per bocca di Peskov, ha detto: «Nessun commento».', 'it')).toEqual([['Nessun commento', null, 'Cremlino']]);
    expect(speaker('Peskov, portavoce di Putin, ha detto: «Nessun commento».', 'it')).toEqual([11]);
    expect(speaker("Putin's spokesman Dmitry Peskov said: “No comment.”", 'en')).toEqual([11]);
  });

  it('does not give a reply to the one replied to', () => {
    expect(speaker('«A questo punto basta», ha detto Bellini. «Non è vero», ha replicato.', 'it')).toEqual([1, null]);
  });

  it('does not give a quoted phrase inside a sentence to the previous sentence’s speaker', () => {
    expect(speaker('Bellini ha parlato. «Vergogna» è la parola più usata sui social.', 'it')).toEqual([]);
    expect(speaker('Bellini ha parlato. «Non ci fermeremo mai più» è lo slogan della manifestazione.', 'it')).toEqual([null]);
    expect(speaker('Bellini ha parlato a lungo. «Non ci fermeremo mai più».', 'it')).toEqual([1]);
  });

  it('keeps a colon after circumstances with the verb before it', () => {
    expect(speaker('Bellini ha detto, in conferenza stampa: «Siamo pronti».', 'it')).toEqual([1]);
    expect(speaker('Bellini ha parlato, poi Lavrov: «Siamo pronti».', 'it')).toEqual([10]);
  });
});
