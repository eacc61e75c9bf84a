import { describe, expect, it } from 'vitest';
import { buildMatcher, findMentions, surnameOf, type Catalog } from '../../src/linking/matcher.js';

const catalog: Catalog = {
  people: [
    { id: 1, name: 'Donald Trump', aliases: ['Trump'] },
    { id: 2, name: 'Volodymyr Zelensky', aliases: ['Zelenskyy', 'Zelensky'] },
    { id: 3, name: 'Sofia Marchetti', aliases: [] },
    { id: 4, name: 'Luca Marchetti', aliases: [] },
    { id: 5, name: 'Ursula von der Leyen', aliases: [] },
    { id: 6, name: 'Amber Rose', aliases: [] },
    { id: 7, name: 'Theresa May', aliases: [] },
    { id: 8, name: 'Enrico Letta', aliases: [] },
    { id: 9, name: 'Tomasz Wiśniewski', aliases: [] },
    { id: 10, name: 'Denzel Washington', aliases: [] },
  ],
  places: [
    { id: 101, name: 'Budënnovsk', aliases: [], kind: 'city' },
    { id: 102, name: 'Kiev', aliases: ['Kyiv', 'Kiew'], kind: 'city' },
    { id: 103, name: 'Sumy', aliases: [], kind: 'city' },
    { id: 104, name: 'regione di Sumy', aliases: ['oblast di Sumy', 'Sumy Oblast', 'Sumy region'], kind: 'region' },
    { id: 105, name: 'Ucraina', aliases: ['Ukraine'], kind: 'country' },
    { id: 106, name: 'Onu', aliases: ['Nazioni Unite', 'UN'], kind: 'organisation' },
    { id: 107, name: "L'Aquila", aliases: [], kind: 'city' },
    { id: 108, name: 'Washington', aliases: ['Washington DC'], kind: 'city' },
    { id: 109, name: 'Georgia', aliases: [], kind: 'country' },
    { id: 110, name: 'Georgia', aliases: [], kind: 'state' },
    { id: 111, name: 'Reading', aliases: [], kind: 'city' },
    { id: 112, name: 'Prato', aliases: [], kind: 'city' },
    { id: 113, name: 'Ivano-Frankivsk', aliases: [], kind: 'city' },
  ],
};
const matcher = buildMatcher(catalog);

const found = (text: string, language = 'it', knownPersonIds?: number[]) =>
  findMentions(matcher, text, { language, knownPersonIds }).map((m) => `${m.kind}:${m.id}:${m.text}`);

describe('findMentions', () => {
  it('is case- and accent-insensitive, and reports the text as written', () => {
    expect(found('Colpi su Budennovsk e su BUDËNNOVSK nella notte')).toEqual(['place:101:Budennovsk', 'place:101:BUDËNNOVSK']);
    expect(found('Nuove sirene a Budënnovsk')).toEqual(['place:101:Budënnovsk']);
  });

  it('reports UTF-16 offsets into the input', () => {
    const text = '😀 Delegazione arrivata a Kyiv';
    const [m] = findMentions(matcher, text, { language: 'it' });
    expect(text.slice(m!.start, m!.end)).toBe('Kyiv');
  });

  it('matches whole words only', () => {
    expect(found('La Trumpf ha chiuso lo stabilimento')).toEqual([]);
    expect(found('La stazione Kievskaja di Mosca è stata chiusa')).toEqual([]);
    expect(found('The Trumpf plant in Ditzingen closed', 'en')).toEqual([]);
  });

  it('prefers the longest name', () => {
    expect(found('Allerta nella regione di Sumy dopo il temporale')).toEqual(['place:104:regione di Sumy']);
    expect(found('Power cuts across the Sumy region tonight', 'en')).toEqual(['place:104:Sumy region']);
    expect(found('Il sindaco di Sumy ha chiuso le scuole')).toEqual(['place:103:Sumy']);
  });

  it('does not run a name across punctuation', () => {
    expect(found('Arrivati da Sumy. Oblast vuoto')).toEqual(['place:103:Sumy']);
  });

  it("handles Italian elision and articles, and the English possessive", () => {
    expect(found("Il piano dell'Ucraina è stato presentato all’Onu")).toEqual(['place:105:Ucraina', 'place:106:Onu']);
    expect(found("Scossa di terremoto all'Aquila, paura a L'Aquila")).toEqual(['place:107:Aquila', "place:107:L'Aquila"]);
    expect(found("Zelensky's office said Ukraine's grid held", 'en')).toEqual(['person:2:Zelensky', 'place:105:Ukraine']);
  });

  it('treats a hyphen like a space inside names', () => {
    expect(found('Allarme aereo a Ivano Frankivsk e a Ivano-Frankivsk')).toEqual(['place:113:Ivano Frankivsk', 'place:113:Ivano-Frankivsk']);
  });

  it('links a surname alone when it is unambiguous in the catalog', () => {
    expect(found('Von der Leyen è arrivata a Kiev, ha detto von der Leyen')).toEqual(['person:5:Von der Leyen', 'place:102:Kiev', 'person:5:von der Leyen']);
    expect(found('Wisniewski ha vinto la tappa')).toEqual(['person:9:Wisniewski']);
    expect(surnameOf('Marine Le Pen')).toBe('Le Pen');
  });

  it('does not link a surname two people share, unless the story already has one of them', () => {
    expect(found('Marchetti ha vinto il ballottaggio')).toEqual([]);
    expect(found('Marchetti ha vinto il ballottaggio', 'it', [4])).toEqual(['person:4:Marchetti']);
    expect(found('Sofia Marchetti ha votato a Prato. Marchetti ha poi parlato ai sostenitori')).toEqual([
      'person:3:Sofia Marchetti',
      'place:112:Prato',
      'person:3:Marchetti',
    ]);
    expect(found('Marchetti and Marchetti', 'en', [3, 4])).toEqual([]);
  });

  it('does not link a name two places share', () => {
    expect(found('Storms hit Georgia overnight', 'en')).toEqual([]);
  });

  it('prefers a name written in the catalog to a derived surname, and the story’s own people to both', () => {
    expect(found('Protests in Washington', 'en')).toEqual(['place:108:Washington']);
    expect(found('Washington was not at the premiere', 'en', [10])).toEqual(['person:10:Washington']);
  });

  it('needs a capital for people and capitalised place names', () => {
    expect(found('She planted a rose in the garden', 'en')).toEqual([]);
    expect(found('A rose and a trump card', 'en')).toEqual([]);
    expect(found('The singer Amber Rose and Rose performed', 'en')).toEqual(['person:6:Amber Rose', 'person:6:Rose']);
    expect(found('ha letta la lettera a prato, non a Prato')).toEqual(['place:112:Prato']);
  });

  it('reads a lower-case alias without asking for a capital where the catalog has none', () => {
    expect(found('Evacuazioni nell’oblast di Sumy')).toEqual(['place:104:oblast di Sumy']);
  });

  it('keeps common words that open a sentence for people the story already has', () => {
    expect(found('Reading the statement, the minister paused', 'en')).toEqual([]);
    expect(found('Flooding in Reading closed the station', 'en')).toEqual(['place:111:Reading']);
    expect(found('Letta ha parlato a lungo')).toEqual([]);
    expect(found('Letta ha parlato a lungo', 'it', [8])).toEqual(['person:8:Letta']);
    expect(found('Ha parlato Letta')).toEqual(['person:8:Letta']);
  });

  it('never takes a month for a person', () => {
    expect(found('In May, May said the vote would wait. Theresa May then left', 'en')).toEqual(['person:7:May', 'person:7:Theresa May']);
    expect(found('Elections on May 5', 'en', [7])).toEqual([]);
    expect(found('The vote happens in May, the minister said', 'en', [7])).toEqual([]);
  });

  it('builds a 50,000-alias catalog and reads 2,000 characters quickly', () => {
    const people = Array.from({ length: 25_000 }, (_, i) => ({ id: i + 1, name: `Nome${i} Cognome${i}`, aliases: [`Cognome${i}`] }));
    const big = buildMatcher({ people, places: [] });
    const text = ('Nome12 Cognome12 ha incontrato Cognome99 a Kiev. ' as string).repeat(40).slice(0, 2000);
    const started = performance.now();
    const mentions = findMentions(big, text, { language: 'it' });
    expect(performance.now() - started).toBeLessThan(200);
    expect(mentions.length).toBeGreaterThan(50);
  });
});
