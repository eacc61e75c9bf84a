/**
 * Finds the quotations of a text and who said them. A misattributed quote is
 * the worst error a newsroom can publish, so attribution reads the sentence's
 * structure (the subject of the speech verb, an inverted "ha detto X", a
 * speaker carried over from the previous sentence) and gives up — speakerId
 * null, with the speaker phrase as written — whenever two people could have
 * spoken or the speaker is not in the catalog. It never takes "the nearest
 * name".
 */
import { type Item, type Sentence, buildItems, splitSentences } from './items.js';
import type { Mention } from './matcher.js';
import { findQuoteSpans } from './quote-marks.js';
import { type Vocabulary, vocabulary } from './vocabulary.js';
import { linkingWork } from './work.js';

export interface Quote {
  /** The quoted words, without the marks (and without a trailing comma of English punctuation). */
  text: string;
  /** UTF-16 offsets of `text` in the input. */
  start: number;
  end: number;
  /** The catalog person who said it; null unless the text says so unambiguously. */
  speakerId: number | null;
  /** The speaker as the text names them when they are not (or not surely) a catalog person: "il sindaco di Kiev", "Tass". */
  attribution: string | null;
  /** Where it was said, as the text puts it: "sul suo canale Telegram", "in a statement". */
  source: string | null;
}

export interface FindQuotesOptions {
  language: string;
}

/** Who a clause says is speaking. */
type Who =
  | { kind: 'person'; id: number }
  /** A speaker the catalog cannot name; `ambiguous` when it is two or more people of the catalog. */
  | { kind: 'phrase'; text: string | null; ambiguous?: boolean }
  /** Someone spoke but the text does not say who (a pronoun, or nothing): the last speaker. */
  | { kind: 'same' };

const NO_ONE: Who = { kind: 'phrase', text: null };
const MAX_PHRASE_WORDS = 8;

class Reader {
  readonly items: Item[];
  readonly sentences: Sentence[];
  private readonly sentenceOf: number[];
  /** Who spoke each quote (by item index), once resolved. */
  private readonly resolved = new Map<number, Who | null>();
  /*
   * What the readers below work out once and then only look up. Quotes are
   * attributed in text order, and each reader depends only on the text and on
   * the speakers of earlier quotes, so a stored answer is the one a second
   * call would give. Without them a sentence of thousands of quotes was read
   * again for every quote (quadratic: 0.1–0.5 s for 20,000 characters).
   */
  private readonly speechVerbs: Int8Array;
  private verbsBefore: Int32Array | null = null;
  private readonly verbSpeakers = new Map<number, Who>();
  private readonly previousSpeakers = new Map<number, Who | undefined>();
  private readonly settled = new Map<number, Who>();
  private readonly spokenBefore = new Map<number, number>();
  private readonly sources = new Map<number, string | null>();

  constructor(
    readonly text: string,
    mentions: readonly Mention[],
    private readonly spans: ReturnType<typeof findQuoteSpans>,
    private readonly words: Vocabulary,
  ) {
    this.items = buildItems(text, mentions, spans);
    this.speechVerbs = new Int8Array(this.items.length);
    this.sentences = splitSentences(this.items, (i) => this.endsSentence(i));
    this.sentenceOf = [];
    this.sentences.forEach((s, si) => {
      for (let i = s.from; i < s.to; i++) this.sentenceOf[i] = si;
    });
  }

  // ——— small readers ———

  /** Every read of an item is a step of the work (./work.ts). */
  item(i: number): Item | undefined {
    linkingWork.steps++;
    return this.items[i];
  }

  word(i: number): string | null {
    const item = this.item(i);
    return item?.type === 'word' ? item.norm : null;
  }

  isSpeechVerb(i: number): boolean {
    const known = this.speechVerbs[i];
    if (known) return known === 1;
    const w = this.word(i);
    const verb = w !== null && (this.words.speechVerbs.has(w) || this.isAccordingTo(i));
    if (i >= 0 && i < this.speechVerbs.length) this.speechVerbs[i] = verb ? 1 : 2;
    return verb;
  }

  /** The nearest speech verb before item i (-1: none), from one pass over the items. */
  verbBefore(i: number): number {
    if (!this.verbsBefore) {
      const before = new Int32Array(this.items.length + 1);
      let last = -1;
      for (let k = 0; k < this.items.length; k++) {
        before[k] = last;
        if (this.isSpeechVerb(k)) last = k;
      }
      before[this.items.length] = last;
      this.verbsBefore = before;
    }
    return this.verbsBefore[i]!;
  }

  /** "secondo Rossi", "according to Smith" — but not "il secondo giorno". */
  isAccordingTo(i: number): boolean {
    const w = this.word(i);
    if (w === null || !this.words.accordingTo.has(w)) return false;
    let k = i + 1;
    if (this.word(k) === 'to') k++;
    const next = this.item(k);
    if (!next) return false;
    if (next.type === 'name') return true;
    return next.type === 'word' && (this.capitalised(k) || this.words.determiners.has(next.norm));
  }

  capitalised(i: number): boolean {
    const item = this.item(i);
    return item !== undefined && /\p{Lu}/u.test(this.text[item.start]!);
  }

  isWordLike(i: number): boolean {
    const t = this.item(i)?.type;
    return t === 'word' || t === 'name';
  }

  isAux(i: number): boolean {
    const w = this.word(i);
    if (w === null) return false;
    // Folding makes "è" (is) the conjunction "e"; the written accent tells them apart.
    if (w === 'e') return /^[èÈ]/.test(this.text[this.item(i)!.start]!);
    return this.words.auxiliaries.has(w);
  }

  slice(from: number, to: number): string {
    return this.text.slice(this.item(from)!.start, this.item(to - 1)!.end);
  }

  quoteWords(i: number): number {
    const item = this.item(i)!;
    return this.text.slice(item.start + 1, item.end - 1).split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
  }

  quoteInner(i: number): string {
    const item = this.item(i)!;
    return this.text.slice(item.start + 1, item.end - 1).trim();
  }

  // ——— who a run of words names ———

  /** A name at k is a complement ("il portavoce di Putin", "Putin's spokesman"), not the one speaking. */
  isComplement(k: number, from: number): boolean {
    const after = this.item(k + 1);
    const item = this.item(k)!;
    if (after?.type === 'word' && after.norm === 's' && /^['’]$/.test(this.text.slice(item.end, after.start))) return true;
    for (let j = k - 1; j >= from; j--) {
      const w = this.word(j);
      if (w === null) return false;
      if (this.words.prepositions.has(w)) return true;
      if (!this.words.nameModifiers.has(w)) return false;
    }
    return false;
  }

  /**
   * Who the words [from, to) name as a speaker: one person, a phrase, or
   * undefined when they name no one (fillers, a prepositional phrase) and the
   * caller should look elsewhere.
   */
  zone(from: number, to: number): Who | undefined {
    let a = from;
    while (a < to && this.word(a) !== null && this.words.fillers.has(this.word(a)!)) a++;
    if (a >= to) return undefined;
    const people = new Set<number>();
    let coordinated = false;
    for (let k = a; k < to; k++) {
      const item = this.item(k)!;
      if (item.type !== 'name' || item.kind !== 'person') continue;
      if (!this.isComplement(k, a)) {
        people.add(item.id);
        // "Macron e Ferraris" with Macron outside the catalog is still two speakers.
        if (this.coordinated(k - 1, -1, a, to) || this.coordinated(k + 1, 1, a, to)) coordinated = true;
      }
    }
    if (coordinated) return { kind: 'phrase', text: this.phrase(a, to, 6), ambiguous: true };
    if (people.size === 1) return { kind: 'person', id: [...people][0]! };
    if (people.size > 1) {
      // "Rossi e Bianchi" is worth showing the editor; "Harper met Carter and" is not.
      let list = true;
      for (let k = a; k < to; k++) {
        const w = this.word(k);
        if (w !== null && !CONJUNCTIONS.has(w) && !this.words.nameModifiers.has(w) && !this.isAux(k)) list = false;
      }
      return { kind: 'phrase', text: list ? this.phrase(a, to, 6) : null, ambiguous: true };
    }
    const first = this.word(a);
    if (first !== null && this.words.pronouns.has(first) && to - a === 1) return { kind: 'same' };
    if (first !== null && (this.words.prepositions.has(first) || this.words.clauseWords.has(first) || /(ando|endo|ing)$/.test(first))) {
      // "Alla vigilia lo spagnolo": circumstances, then the subject described.
      for (let k = a + 1; k < to; k++) {
        const w = this.word(k);
        if (w !== null && this.words.determiners.has(w) && !this.words.prepositions.has(this.word(k - 1) ?? '')) return this.zone(k, to);
      }
      // "dopo l'incontro con Bellini", "per bocca di Peskov": circumstances only; look on.
      return undefined;
    }
    return { kind: 'phrase', text: this.phrase(a, to, MAX_PHRASE_WORDS) };
  }

  /** Whether the word next to a name (looking in direction `step`, past titles) joins it to another subject. */
  coordinated(k: number, step: 1 | -1, from: number, to: number): boolean {
    while (k >= from && k < to && this.word(k) !== null && this.words.nameModifiers.has(this.word(k)!)) k += step;
    if (k < from || k >= to) return false;
    const w = this.word(k);
    return w !== null && !this.isAux(k) && (COORDINATION.has(w) || ['e', 'ed', 'and', '&'].includes(w));
  }

  /** The speaker phrase as written, cut where a complement of place or audience starts ("il sindaco di Kiev | ai giornalisti"). */
  phrase(from: number, to: number, maxWords: number): string | null {
    let end = to;
    for (let k = from + 1; k < to; k++) {
      const w = this.word(k);
      if (w !== null && (this.words.clauseWords.has(w) || (this.words.prepositions.has(w) && !OF.has(w)) || this.words.auxiliaries.has(w))) {
        end = k;
        break;
      }
    }
    let start = from;
    // "la Tass", "the BBC": the name is the attribution.
    const first = this.word(start);
    if (first !== null && this.words.determiners.has(first) && end - start >= 2) {
      let proper = true;
      for (let k = start + 1; k < end; k++) if (!this.capitalised(k)) proper = false;
      if (proper) start++;
    }
    if (end - start > maxWords || end <= start) return null;
    return this.slice(start, end);
  }

  /** A short run that is one person and at most two words of title: "Vitali Klitschko", "il ministro Lavrov". */
  personOnly(from: number, to: number): number | null {
    const who = this.zone(from, to);
    if (who?.kind !== 'person') return null;
    let others = 0;
    for (let k = from; k < to; k++) if (this.item(k)!.type !== 'name') others++;
    return others <= 2 ? who.id : null;
  }

  /** The start of the clause segment ending at `to` (after the previous comma, colon, quote or sentence start). */
  segmentStart(to: number, floor: number): number {
    let k = to;
    while (k > floor && this.isWordLike(k - 1)) k--;
    return k;
  }

  // ——— the subject of a speech verb ———

  /** The subject before a speech verb: "Rossi ha detto", "Il portavoce, in serata, ha detto". */
  subjectBefore(verb: number, floor: number): Who | undefined {
    let to = verb;
    let nearest = true;
    while (to > floor) {
      const from = this.segmentStart(to, floor);
      // Only what precedes the segment's first verb is its subject ("Rossi ha incontrato Bianchi e ha detto").
      let end = from;
      while (end < to && !this.isAux(end) && !this.isSpeechVerb(end)) end++;
      const who = this.zone(from, end);
      if (who) {
        if (who.kind === 'phrase' && !who.ambiguous && !nearest && this.punct(from - 1) === ',') {
          // An apposition between commas: "Vitali Klitschko, il sindaco di Kiev, ha detto".
          const before = from - 1;
          const appositionFrom = this.segmentStart(before, floor);
          const opens = appositionFrom === floor || this.punct(appositionFrom - 1) !== ',';
          const id = appositionFrom < before && opens ? this.personOnly(appositionFrom, before) : null;
          if (id !== null) return { kind: 'person', id };
        }
        return who;
      }
      nearest = false;
      const boundary = this.item(from - 1);
      if (!boundary || from - 1 < floor) return undefined;
      // Walking back across an earlier quote: its speaker goes on speaking ("«…», ha detto Rossi, e ha aggiunto: «…»").
      if (boundary.type === 'quote') return this.resolved.get(from - 1) ?? undefined;
      if (boundary.type === 'punct' && boundary.ch === ':') return undefined;
      to = from - 1;
    }
    return undefined;
  }

  /** The subject after a speech verb (inverted): "ha detto Rossi", "said the mayor of Kyiv, Vitali Klitschko". */
  subjectAfter(verb: number): Who | undefined {
    let from = verb + 1;
    if (this.word(from) === 'to') from++;
    while (from < this.items.length && (this.isAux(from) || this.isFiller(from))) from++;
    let to = from;
    while (to < this.items.length && this.isWordLike(to) && !(this.word(to) !== null && this.words.clauseWords.has(this.word(to)!))) to++;
    if (to === from) return undefined;
    let who = this.zone(from, to);
    if (!who) {
      // "ha detto a Bellini un funzionario": the audience first, then the speaker.
      for (let j = from + 1; j < to && !who; j++) {
        const w = this.word(j);
        if (w !== null && this.words.determiners.has(w)) who = this.zone(j, to);
      }
    }
    if (who?.kind === 'phrase' && !who.ambiguous && this.punct(to) === ',') {
      const end = this.segmentEnd(to + 1);
      const id = end > to + 1 ? this.personOnly(to + 1, end) : null;
      if (id !== null) return { kind: 'person', id };
    }
    return who;
  }

  segmentEnd(from: number): number {
    let k = from;
    while (k < this.items.length && this.isWordLike(k)) k++;
    return k;
  }

  punct(i: number): string | null {
    const item = this.item(i);
    return item?.type === 'punct' ? item.ch : null;
  }

  /** Who a speech verb at `verb` gives the floor to, with the sentence starting at `floor`. */
  speakerOfVerb(verb: number, floor: number): Who {
    const key = verb * (this.items.length + 1) + floor;
    let who = this.verbSpeakers.get(key);
    if (!who) {
      who = this.readSpeakerOfVerb(verb, floor);
      this.verbSpeakers.set(key, who);
    }
    return who;
  }

  private readSpeakerOfVerb(verb: number, floor: number): Who {
    if (this.isAccordingTo(verb)) return this.subjectAfter(verb) ?? NO_ONE;
    // Right after a quote ("«…», ha detto il presidente") the words after the verb are its subject.
    if (floor === verb) return this.subjectAfter(verb) ?? this.unnamed(verb);
    const passive = this.passiveAgent(verb);
    if (passive) return passive;
    const ownFrom = this.segmentStart(verb, floor);
    const local = this.localSubject(verb, ownFrom);
    if (local) return local;
    // ", che aveva detto", ", who said": the speaker is the relative's antecedent, which we do not resolve.
    const opener = this.word(ownFrom);
    if (ownFrom > floor && opener !== null && RELATIVES.has(opener)) return NO_ONE;
    let ownEnd = ownFrom;
    while (ownEnd < verb && !this.isAux(ownEnd) && !this.isSpeechVerb(ownEnd)) ownEnd++;
    const own = this.zone(ownFrom, ownEnd);
    if (own) return own;
    // Nothing before the verb in its own clause: an inverted subject ("ha detto Rossi"),
    // unless the verb takes an object ("told reporters" names the audience).
    if (!OBJECT_VERBS.has(this.word(verb)!)) {
      const inverted = this.subjectAfter(verb);
      // Before a quote, what follows the verb is more often its object ("ha annunciato
      // nuove piste ciclabili"): only a person or a title names an inverted speaker.
      if (inverted && (inverted.kind === 'person' || this.titledPhrase(verb))) return inverted;
    }
    return this.subjectBefore(verb, floor) ?? this.unnamed(verb);
  }

  /** A speech verb without a subject continues the last speaker — unless it answers them ("ha replicato"). */
  unnamed(verb: number): Who {
    return REPLIES.has(this.word(verb)!) ? NO_ONE : { kind: 'same' };
  }

  /**
   * The subject right before the verb's auxiliaries, when it differs from the
   * clause's first subject: "Harper said Carter had told him", "Bellini ha
   * detto che Ferraris ha replicato". Undefined when the verb shares the
   * clause's subject ("Bellini ha incontrato Ferraris e ha detto") or the
   * name is one of several ("Macron e Merz hanno detto").
   */
  localSubject(verb: number, segment: number): Who | undefined {
    let k = verb - 1;
    while (k >= segment && (this.isAux(k) || (this.isFiller(k) && !CONJUNCTIONS.has(this.word(k)!)))) k--;
    if (k < segment) return undefined;
    const item = this.item(k)!;
    if (item.type === 'name' && item.kind === 'person') {
      if (this.isComplement(k, segment)) return undefined;
      let j = k - 1;
      while (j >= segment && this.word(j) !== null && this.words.nameModifiers.has(this.word(j)!)) j--;
      const before = this.word(j);
      if (before !== null && (CONJUNCTIONS.has(before) || COORDINATION.has(before))) return undefined;
      return { kind: 'person', id: item.id };
    }
    if (item.type !== 'word' || CONJUNCTIONS.has(item.norm)) return undefined;
    // A described subject of an embedded clause: "Harper said the minister had told him".
    for (let j = k; j >= segment; j--) {
      const w = this.word(j);
      if (w !== null && (this.words.clauseWords.has(w) || this.isSpeechVerb(j))) return this.zone(j + 1, k + 1);
    }
    return undefined;
  }

  /** "Carter was asked by Harper": the agent speaks, not the subject (null when the agent is not named). */
  passiveAgent(verb: number): Who | undefined {
    const before = this.word(verb - 1);
    if (before === null || !PASSIVE.has(before)) return undefined;
    let k = verb + 1;
    while (this.isFiller(k)) k++;
    const by = this.word(k);
    if (by === null || !AGENT.has(by)) return NO_ONE;
    const end = this.segmentEnd(k + 1);
    const who = end > k + 1 ? this.zone(k + 1, end) : undefined;
    return who?.kind === 'person' ? who : NO_ONE;
  }

  /** Whether the words after a verb start with a title ("il portavoce", "the mayor"), not any noun. */
  titledPhrase(verb: number): boolean {
    let k = verb + 1;
    while (this.isAux(k) || this.isFiller(k) || (this.word(k) !== null && this.words.determiners.has(this.word(k)!))) k++;
    const w = this.word(k);
    return w !== null && this.words.nameModifiers.has(w) && !this.words.determiners.has(w);
  }

  // ——— a quote's own sentence ———

  /**
   * "«…», ha detto Rossi", "“…,” Smith said", "“…,” he said": a speech verb
   * right after the quote whose subject is between them or after the verb.
   */
  verbAfter(q: number): { verb: number; from: number } | null {
    let k = q + 1;
    const p = this.punct(k);
    if (p === ',' || p === '–') k++;
    const from = k;
    while (k < this.items.length && k - from <= 8 && this.isWordLike(k)) {
      if (this.isSpeechVerb(k)) break;
      k++;
    }
    if (!this.isSpeechVerb(k)) return null;
    const first = this.word(from);
    // "«…» e ha aggiunto: «…»" starts a new clause: the verb belongs to the next quote.
    if (first !== null && CONJUNCTIONS.has(first)) return null;
    let m = k + 1;
    while (m < this.items.length && this.isWordLike(m)) m++;
    const stop = this.item(m);
    if (stop && (stop.type === 'quote' || (stop.type === 'punct' && stop.ch === ':'))) return null;
    // A quote that ends its own sentence ("«…fermeremo.» Lavrov ha poi parlato della Siria")
    // takes only a short tag after it ("“…!” Zelensky said on Monday."), and none after a
    // full stop, which English puts inside the marks only at a sentence's end.
    const inner = this.quoteInner(q);
    if (from === q + 1 && /[.!?…]$/.test(inner)) {
      if (inner.endsWith('.') || inner.endsWith('…')) return null;
      let words = 0;
      for (let j = k + 1; j < m; j++) if (!this.isFiller(j)) words++;
      if (words > 1) return null;
    }
    return { verb: k, from };
  }

  endsSentence(q: number): boolean {
    const inner = this.quoteInner(q);
    if (!/[.!?…]$/.test(inner)) return false;
    const next = this.item(q + 1);
    if (!next || next.type === 'punct') return false;
    if (next.type === 'word' && !this.capitalised(q + 1)) return false;
    return this.verbAfter(q) === null;
  }

  speakerOf(q: number): Who | null {
    if (this.resolved.has(q)) return this.resolved.get(q)!;
    const who = this.attribute(q);
    this.resolved.set(q, who);
    return who;
  }

  /** Who said the quote at item q; null when it is no reported speech at all (a title, a scare quote). */
  private attribute(q: number): Who | null {
    const sentence = this.sentences[this.sentenceOf[q]!]!;
    const after = this.verbAfter(q);
    if (after) {
      const passive = this.passiveAgent(after.verb);
      if (passive) return passive;
      const between = this.trimAux(after.from, after.verb);
      if (between > after.from) return this.zone(after.from, between) ?? this.unnamed(after.verb);
      return this.speakerOfVerb(after.verb, after.verb);
    }
    const before = this.verbBefore(q);
    const verb = before >= sentence.from ? before : -1;
    if (this.punct(q - 1) === ':' && (verb < 0 || this.segmentStart(q - 1, sentence.from) > verb)) {
      // "Rossi: «…»"; but "Rossi ha detto, in serata: «…»" is still the verb's.
      const labelled = this.colonSpeaker(q - 1, sentence.from);
      if (labelled || verb < 0) return labelled ?? NO_ONE;
    }
    if (verb >= 0) return this.speakerOfVerb(verb, sentence.from);
    const opensSentence = q === sentence.from || (q - 1 === sentence.from && this.punct(sentence.from) === '\n');
    const short = this.quoteWords(q) <= 3;
    if (opensSentence) {
      const next = this.item(q + 1);
      const alone = !next || q + 1 >= sentence.to || next.type === 'quote' || (next.type === 'punct' && next.terminal);
      // "«Vergogna» è la parola del giorno": a quoted phrase inside a sentence, not words someone just said.
      if (!alone) return short ? null : NO_ONE;
      return this.previousSpeaker(this.sentenceOf[q]!, 2, false) ?? null;
    }
    // Further on in the sentence: "«…» è quanto ha dichiarato Rossi".
    for (let k = q + 1; k < sentence.to; k++) {
      if (this.item(k)!.type === 'quote') break;
      if (this.isSpeechVerb(k)) return this.subjectAfter(k) ?? (short ? null : NO_ONE);
    }
    return null;
  }

  isFiller(i: number): boolean {
    const w = this.word(i);
    return w !== null && this.words.fillers.has(w);
  }

  trimAux(from: number, to: number): number {
    let end = to;
    while (end > from && (this.isAux(end - 1) || this.isFiller(end - 1))) end--;
    return end;
  }

  /**
   * "Rossi: «…»", "Milei ha difeso i tagli: «…»" — a colon without a speech
   * verb. The subject counts only when it is one person; a bare label ("Tass:")
   * counts when short. "Il messaggio era chiaro:" names no speaker.
   * Undefined when the words before the colon name no one at all ("ieri:").
   */
  colonSpeaker(colon: number, floor: number): Who | undefined {
    const from = this.segmentStart(colon, floor);
    if (from === colon) return undefined;
    let end = from;
    while (end < colon && !this.isAux(end)) end++;
    const who = this.zone(from, end);
    if (!who) return undefined;
    if (who?.kind === 'person') {
      // "Bellini ha letto la lettera di Ferraris:" — whose words follow is anyone's guess.
      for (let k = end; k < colon; k++) {
        const item = this.item(k)!;
        if (item.type === 'name' && item.kind === 'person' && item.id !== who.id) return NO_ONE;
      }
      return who;
    }
    if (end === colon && who?.kind === 'phrase' && !who.ambiguous && who.text !== null && colon - from <= 3 && this.capitalised(from)) return who;
    return NO_ONE;
  }

  /**
   * The speaker of sentence `si - 1`, for a sentence that goes on quoting
   * without naming anyone. With `subject`, a sentence without a speech verb
   * still gives its subject ("Rossi è arrivata a Lione. «…», ha aggiunto"):
   * Italian drops the pronoun of the subject it continues.
   */
  previousSpeaker(si: number, depth: number, subject: boolean): Who | undefined {
    const key = si * 8 + depth * 2 + (subject ? 1 : 0);
    if (this.previousSpeakers.has(key)) return this.previousSpeakers.get(key);
    const who = this.readPreviousSpeaker(si, depth, subject);
    this.previousSpeakers.set(key, who);
    return who;
  }

  private readPreviousSpeaker(si: number, depth: number, subject: boolean): Who | undefined {
    if (si === 0 || depth === 0) return undefined;
    const prev = this.sentences[si - 1]!;
    let who: Who | undefined;
    for (let k = prev.to - 1; k >= prev.from && !who; k--) {
      const item = this.item(k)!;
      if (item.type === 'quote') {
        const said = this.speakerOf(k);
        if (said) who = said;
      } else if (this.isSpeechVerb(k)) who = this.speakerOfVerb(k, prev.from);
    }
    if (!who && subject) {
      let end = prev.from;
      while (end < prev.to && this.isWordLike(end) && !this.isAux(end)) end++;
      const first = this.zone(prev.from, end);
      if (first?.kind === 'person') who = first;
    }
    if (who?.kind === 'same') return this.previousSpeaker(si - 1, depth - 1, subject) ?? NO_ONE;
    return who;
  }

  /**
   * Who said the quote at item q (which has a speaker), with "same" (a
   * pronoun or no subject) resolved to the speaker before it: the nearest
   * earlier quote of the sentence that has one, or the previous sentence.
   * A loop, not a recursion: a sentence of thousands of "same" quotes is one chain.
   */
  settle(q: number): Who {
    const chain: number[] = [];
    let result: Who | undefined;
    for (let k = q; result === undefined; ) {
      const known = this.settled.get(k);
      if (known) {
        result = known;
        break;
      }
      chain.push(k);
      const who = this.speakerOf(k)!;
      if (who.kind !== 'same') {
        result = who;
        break;
      }
      const earlier = this.spokenQuoteBefore(k);
      if (earlier < 0) {
        const prev = this.previousSpeaker(this.sentenceOf[k]!, 2, true);
        result = prev && prev.kind !== 'same' ? prev : NO_ONE;
        break;
      }
      k = earlier;
    }
    for (const k of chain) this.settled.set(k, result);
    return result;
  }

  /** The nearest quote before q in q's sentence that has a speaker (-1: none); past a quote without one, its own answer is reused. */
  private spokenQuoteBefore(q: number): number {
    const from = this.sentences[this.sentenceOf[q]!]!.from;
    let found = -1;
    for (let k = q - 1; k >= from; k--) {
      if (this.item(k)!.type !== 'quote') continue;
      if (this.speakerOf(k)) {
        found = k;
        break;
      }
      const known = this.spokenBefore.get(k);
      if (known !== undefined) {
        found = known;
        break;
      }
    }
    this.spokenBefore.set(q, found);
    return found;
  }

  /** Where the words were said, as the sentence puts it ("sul suo canale Telegram", "in a statement"): one answer per sentence. */
  source(q: number): string | null {
    const si = this.sentenceOf[q]!;
    if (!this.sources.has(si)) this.sources.set(si, this.sentenceSource(si));
    return this.sources.get(si)!;
  }

  private sentenceSource(si: number): string | null {
    const sentence = this.sentences[si]!;
    for (let k = sentence.from; k < sentence.to; k++) {
      const w = this.word(k);
      if (w === null || !this.words.sourceNouns.has(w)) continue;
      if (w === 'x' && this.text[this.item(k)!.start] !== 'X') continue;
      let from = -1;
      for (let j = k - 1; j >= Math.max(sentence.from, k - 3) && this.isWordLike(j); j--) {
        const p = this.word(j);
        if (p !== null && this.words.sourcePrepositions.has(p)) from = j;
      }
      if (from < 0) continue;
      let to = k + 1;
      while (to < sentence.to && to - k <= 5 && this.item(to)!.type === 'word') {
        const n = this.word(to)!;
        if (this.isSpeechVerb(to) || this.isAux(to) || this.words.clauseWords.has(n)) break;
        to++;
      }
      return this.slice(from, to);
    }
    return null;
  }
}

const OF = new Set(['di', 'del', 'dello', 'della', 'dei', 'degli', 'delle', 'dell', 'd', 'of']);
/** English speech verbs followed by their audience, never by an inverted subject. */
const OBJECT_VERBS = new Set(['told', 'tells', 'tell', 'asked', 'asks', 'urged', 'urges', 'promised', 'warned', 'warns', 'reminded', 'assured', 'assures', 'informed']);
/** Relative pronouns: a clause they open has its subject elsewhere. */
const RELATIVES = new Set(['che', 'cui', 'quale', 'quali', 'who', 'which']);
/** Answers: said without a subject, they are someone else's turn. */
const REPLIES = new Set([
  ...['replicat', 'rispost', 'ribattut', 'obiettat'].flatMap((stem) => ['o', 'a', 'i', 'e'].map((end) => stem + end)),
  ...'replica replicano risponde rispondono ribatte rispose replied replies responded responds answered answers retorted countered'.split(' '),
]);
/** Words that coordinate two subjects ("Macron e Merz"). */
const COORDINATION = new Set(['o', 'od', 'or', 'ne', 'nor', 'oppure', 'nonche']);
/** Auxiliaries of the passive: "was asked", "è stato detto". */
const PASSIVE = new Set(['was', 'were', 'is', 'are', 'been', 'being', 'stato', 'stata', 'stati', 'state', 'viene', 'venne', 'vengono']);
const AGENT = new Set(['by', 'da', 'dal', 'dallo', 'dalla', 'dai', 'dagli', 'dalle', 'dall']);
const CONJUNCTIONS = new Set(['e', 'ed', 'ma', 'and', 'but', 'che', 'that', 'mentre', 'while']);

export function findQuotes(text: string, mentions: readonly Mention[], options: FindQuotesOptions): Quote[] {
  const spans = findQuoteSpans(text);
  if (spans.length === 0) return [];
  const people = mentions.filter((m) => m.kind === 'person');
  const reader = new Reader(text, people, spans, vocabulary(options.language));
  const quotes: Quote[] = [];
  reader.items.forEach((item, q) => {
    linkingWork.steps++;
    if (item.type !== 'quote') return;
    const raw = reader.speakerOf(q);
    if (!raw) return;
    const inner = reader.quoteInner(q);
    if (inner.length === 0) return;
    const who = reader.settle(q);
    // Keep the words, not the English comma that closes a quote before "he said".
    const body = inner.replace(/,$/, '').trimEnd();
    if (body.length === 0) return;
    const start = text.indexOf(body, item.start + 1);
    quotes.push({
      text: body,
      start,
      end: start + body.length,
      speakerId: who.kind === 'person' ? who.id : null,
      attribution: who.kind === 'phrase' ? who.text : null,
      source: reader.source(q),
    });
  });
  return quotes;
}
