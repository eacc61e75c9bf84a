/**
 * The few words per language that linking needs to know: common words that
 * are also names (so a lower-case "rose" is not Rose), and the grammar of
 * reported speech (speech verbs, auxiliaries, prepositions, titles) that
 * quote attribution reads sentences with. Kept as data, in one place, so a
 * new language is a new entry here rather than new code. All words are in
 * folded form (see normalise.ts).
 */

export interface Vocabulary {
  /** Single words that are also everyday words: a name spelled like one needs a capital and context. */
  common: ReadonlySet<string>;
  /** Single words that stay ambiguous even when capitalised (month names): linked only to a person already mentioned. */
  contextOnly: ReadonlySet<string>;
  /** Words that introduce reported speech. */
  speechVerbs: ReadonlySet<string>;
  /** "secondo", "according (to)": the speaker follows the word. */
  accordingTo: ReadonlySet<string>;
  /** Auxiliaries: a subject ends where they start ("Rossi | ha detto"). Adverbs are fillers. */
  auxiliaries: ReadonlySet<string>;
  /** A name right after one of these is a complement (the spokesman *of* Putin), not a subject. */
  prepositions: ReadonlySet<string>;
  /** Determiners, titles and nationality adjectives that can stand before a name in the same noun phrase. */
  nameModifiers: ReadonlySet<string>;
  /** Articles and possessives that start a noun phrase (a speaker described, not named). */
  determiners: ReadonlySet<string>;
  /** Conjunctions and adverbs that carry no subject ("e poi ha aggiunto"). */
  fillers: ReadonlySet<string>;
  /** Singular third-person pronouns: the speaker is whoever spoke last. */
  pronouns: ReadonlySet<string>;
  /** Words that end a speaker phrase ("che", "that"). */
  clauseWords: ReadonlySet<string>;
  /** Nouns that make a prepositional phrase a source ("sul suo canale Telegram", "in a statement"). */
  sourceNouns: ReadonlySet<string>;
  /** Prepositions that open a source phrase. */
  sourcePrepositions: ReadonlySet<string>;
}

const set = (words: string): ReadonlySet<string> => new Set(words.split(/\s+/).filter(Boolean));

/** Past participles of Italian speech verbs; every gender and number is generated. */
const itParticiples =
  'dett aggiunt scritt dichiarat affermat osservat sottolineat spiegat precisat ribadit commentat annunciat avvertit ' +
  'replicat rispost ammess denunciat assicurat conclus twittat riferit raccontat chiarit ricordat promess insistit ' +
  'esordit evidenziat confermat ripetut rivelat tuonat attaccat accusat parlat gridat urlat';

const itSpeech =
  itParticiples
    .split(' ')
    .flatMap((stem) => ['o', 'a', 'i', 'e'].map((end) => stem + end))
    .join(' ') +
  ' dice dicono afferma affermano dichiara dichiarano aggiunge aggiungono scrive scrivono spiega spiegano sottolinea ' +
  'sottolineano osserva osservano ribadisce ribadiscono avverte avvertono replica replicano risponde rispondono conclude ' +
  'precisa ammette denuncia assicura commenta annuncia racconta twitta chiarisce ricorda promette insiste conferma ' +
  'ripete rivela tuona parla parlano disse aggiunse scrisse dichiaro affermo spiego sottolineo osservo ribadi concluse rispose';

const enSpeech =
  'said says say told tells tell wrote writes added adds stated states declared declares explained explains noted notes ' +
  'stressed stresses warned warns insisted insists replied replies responded responds answered asked asks announced ' +
  'announces claimed claims argued argues admitted admits tweeted posted commented continued concluded observed remarked ' +
  'reiterated reiterates urged urges promised vowed vows recalled acknowledged confirmed confirms repeated revealed ' +
  'insisted conceded spoke speaks';

const it: Vocabulary = {
  common: set(
    // Surnames and place names that are everyday Italian words.
    'papa rosa speranza conte monti letta draghi meloni fico leone costa serra sole pace forte rossi bianchi neri grasso ' +
      'moro franco marino sala fontana gatti galli lupi ferro fini boccia prato massa cento bra lodi vita ala marina riva ' +
      'santo bella gentile russo bianco nero verde giovane re regina orso mare monte ponte porto campo ' +
      // Function words, in case a catalog alias is spelled like one.
      'il lo la i gli le un uno una di a da in con su per tra fra e o ma che non se del della al alla ha era sono ' +
      'come dove quando anche oggi ieri',
  ),
  contextOnly: set(''),
  speechVerbs: set(itSpeech),
  accordingTo: set('secondo'),
  auxiliaries: set('ha hanno aveva avevano avrebbe avrebbero avra era sono siamo stato stata stati state'),
  prepositions: set(
    'di del dello della dei degli delle dell d a al allo alla ai agli alle all ad da dal dallo dalla dai dagli dalle dall ' +
      'con col su sul sullo sulla sui sugli sulle sull per tra fra contro verso dopo senza in nel nello nella nei negli nelle nell ' +
      'presso secondo come oltre',
  ),
  nameModifiers: set(
    'il lo la i gli le l un uno una presidente ministro ministra premier primo vice vicepresidente leader capo segretario segretaria ' +
      'generale comandante portavoce sindaco sindaca governatore governatrice senatore senatrice deputato deputata ambasciatore ' +
      'ambasciatrice cancelliere re regina papa patriarca ex allenatore ct tecnico attaccante difensore capitano pilota ' +
      'tennista ciclista candidato candidata sfidante direttore direttrice commissario commissaria procuratore ' +
      'russo russa ucraino ucraina americano americana statunitense francese tedesco tedesca italiano italiana britannico ' +
      'britannica cinese israeliano israeliana palestinese iraniano iraniana turco turca polacco polacca spagnolo spagnola ' +
      'brasiliano brasiliana argentino argentina giapponese indiano indiana europeo europea uscente neoeletto neoeletta ' +
      'fonte fonti funzionario funzionari consigliere consigliera esponente manifestanti',
  ),
  determiners: set('il lo la i gli le l un uno una suo sua suoi sue loro questo questa quel quella alcuni alcune nessun'),
  fillers: set(
    'e ed ma poi anche inoltre quindi pero ieri oggi stamattina stamani stasera sera mattina notte pomeriggio infine ancora gia ' +
      'invece allora dunque sempre piu tardi successivamente lunedi martedi mercoledi giovedi venerdi sabato domenica ' +
      'intanto nel frattempo pure cosi subito si',
  ),
  pronouns: set('lui lei egli ella'),
  clauseWords: set('che cui dove quando mentre perche se ma'),
  sourceNouns: set(
    'canale telegram twitter x facebook instagram tiktok youtube intervista comunicato nota dichiarazione conferenza post ' +
      'video videomessaggio messaggio discorso lettera podcast blog sito trasmissione diretta social',
  ),
  sourcePrepositions: set('su sul sulla sui sugli in nel nella nei durante a al alla all con tramite via attraverso'),
};

const en: Vocabulary = {
  common: set(
    'will may bush rose hope grant price young white black brown green king bill mark rich long cook case cross frost hill ' +
      'wood stone field park bond page bell hunt nice reading bath mobile split orange chad turkey guinea china sterling ' +
      'little sharp strong wise love joy faith grace dawn summer winter may ' +
      'the a an and or but of in on at to for with by from he she it we they i this that can must said new',
  ),
  contextOnly: set('may june april august march'),
  speechVerbs: set(enSpeech),
  accordingTo: set('according'),
  auxiliaries: set('has have had is was were will would did does been'),
  prepositions: set('of to with by for from against about on at in after before toward towards than like between via into over under according'),
  nameModifiers: set(
    'the a an president minister prime vice leader chief head secretary general commander spokesman spokeswoman spokesperson ' +
      'mayor governor senator congressman congresswoman representative ambassador chancellor king queen pope patriarch former ' +
      'coach manager striker defender captain driver candidate challenger director commissioner prosecutor judge ' +
      'mr mrs ms dr sir dame lord lady ' +
      'russian ukrainian american us french german italian british chinese israeli palestinian iranian turkish polish spanish ' +
      'brazilian argentine argentinian japanese indian european outgoing incumbent ' +
      'source sources official officials aide aides adviser advisor protesters',
  ),
  determiners: set('the a an his her its their this that these those some one'),
  fillers: set(
    'and but then also later earlier yesterday today tonight however again further finally meanwhile still so now ' +
      'monday tuesday wednesday thursday friday saturday sunday morning evening afternoon night',
  ),
  pronouns: set('he she'),
  clauseWords: set('that which who where when while because if but'),
  sourceNouns: set(
    'channel telegram twitter x facebook instagram tiktok youtube interview statement release conference post video message ' +
      'address speech letter podcast briefing broadcast blog website',
  ),
  sourcePrepositions: set('on in at during via through with'),
};

const vocabularies: Record<string, Vocabulary> = { it, en };

const union = (a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> => new Set([...a, ...b]);

// A language we have no words for still gets quote structure from the two we
// know (live blogs quote English and Italian verbs in other languages too),
// but no common-word list: we cannot tell its everyday words from names.
const fallback: Vocabulary = {
  common: new Set(),
  contextOnly: new Set(),
  speechVerbs: union(it.speechVerbs, en.speechVerbs),
  accordingTo: union(it.accordingTo, en.accordingTo),
  auxiliaries: union(it.auxiliaries, en.auxiliaries),
  prepositions: union(it.prepositions, en.prepositions),
  nameModifiers: union(it.nameModifiers, en.nameModifiers),
  determiners: union(it.determiners, en.determiners),
  fillers: union(it.fillers, en.fillers),
  pronouns: union(it.pronouns, en.pronouns),
  clauseWords: union(it.clauseWords, en.clauseWords),
  sourceNouns: union(it.sourceNouns, en.sourceNouns),
  sourcePrepositions: union(it.sourcePrepositions, en.sourcePrepositions),
};

/** The words of a language ('it', 'en', or a BCP 47 tag starting with one). */
export function vocabulary(language: string): Vocabulary {
  const primary = language.toLowerCase().split(/[-_]/)[0] ?? '';
  return vocabularies[primary] ?? fallback;
}

/** Particles that belong to a surname: "von der Leyen", "Le Pen", "da Silva". */
export const SURNAME_PARTICLES: ReadonlySet<string> = set('von van der den de di da del della dos das du des le la al el bin ibn ben mac ter');

/** Italian articles that a place name can lose after a preposition ("all'Aquila", "alla Spezia"). */
export const PLACE_ARTICLES: ReadonlySet<string> = set('l la il lo le i gli');
