/**
 * Finds the people and places of the catalog in a text. The catalog is
 * compiled once into a trie over folded alias words, so analysing an entry
 * is one walk over its words (no query per word, no regex per alias), and a
 * catalog of tens of thousands of aliases costs the same per word as a small
 * one. The rules that keep suggestions honest live here too: whole words,
 * longest match, a capital where a name needs one, and no link when two
 * entries of the catalog could be meant.
 */
import { type Token, nameTokens, tokenize } from './normalise.js';
import { PLACE_ARTICLES, SURNAME_PARTICLES, type Vocabulary, vocabulary } from './vocabulary.js';
import { linkingWork } from './work.js';

export type MentionKind = 'person' | 'place';

export interface CatalogPerson {
  id: number;
  name: string;
  aliases: string[];
}

export interface CatalogPlace {
  id: number;
  name: string;
  aliases: string[];
  kind?: string;
}

export interface Catalog {
  people: CatalogPerson[];
  places: CatalogPlace[];
}

export interface Mention {
  kind: MentionKind;
  id: number;
  /** The text as written (input.slice(start, end)). */
  text: string;
  /** UTF-16 offsets into the analysed text. */
  start: number;
  end: number;
}

export interface FindMentionsOptions {
  /** 'it', 'en', or another language tag (no common-word list for it). */
  language: string;
  /** People already linked in the story: their surname alone is theirs, even where it is ambiguous. */
  knownPersonIds?: readonly number[];
}

/** One way of reaching a target: an alias, a name, or a surname derived from one. */
interface Entry {
  kind: MentionKind;
  id: number;
  /** True for a surname we derived; false for a name or alias someone wrote in the catalog. */
  derived: boolean;
  /** The index of the alias's last capitalised word, which must be capitalised in the text too (-1: none). */
  capital: number;
}

interface Node {
  next: Map<string, Node> | undefined;
  entries: Entry[] | undefined;
  /** The distinct `capital` indexes of its entries (set on first use): what decides which of them a text admits. */
  capitals?: number[];
}

export interface Matcher {
  readonly root: Node;
  /** Number of distinct word sequences in the trie. */
  readonly keys: number;
}

const newNode = (): Node => ({ next: undefined, entries: undefined });

function isUpper(ch: string | undefined): boolean {
  return ch !== undefined && ch !== ch.toLowerCase() && ch === ch.toUpperCase();
}

/** The words of an alias with the index of the last one written with a capital. */
function aliasKey(alias: string): { words: string[]; capital: number } {
  const tokens = tokenize(alias);
  let capital = -1;
  tokens.forEach((t, i) => {
    if (isUpper(alias[t.start])) capital = i;
  });
  return { words: tokens.map((t) => t.norm), capital };
}

/**
 * The surname of a multi-word name: its last word with the particles before
 * it ("Ursula von der Leyen" → "von der Leyen", "Marine Le Pen" → "Le Pen").
 */
export function surnameOf(name: string): string | null {
  const words = name.trim().split(/\s+/);
  if (words.length < 2) return null;
  let from = words.length - 1;
  while (from > 1 && SURNAME_PARTICLES.has(nameTokens(words[from - 1]!).join(' '))) from--;
  return words.slice(from).join(' ');
}

/** Catalog names read between two looks at the clock while building in slices. */
const NAMES_PER_STEP = 200;

/**
 * Builds the trie, pausing (yield) every NAMES_PER_STEP catalog entries so
 * that a caller can hand the event loop back: building over 50,000 aliases
 * takes about a second, which must not stall every request meanwhile.
 */
function* buildSteps(catalog: Catalog): Generator<void, Matcher> {
  const root = newNode();
  let keys = 0;
  // Build-time index of each node's entries: a surname thousands of people share is one lookup per person, not a scan.
  const index = new Map<Node, Map<string, Entry>>();
  const add = (words: string[], entry: Entry) => {
    if (words.length === 0) return;
    let node = root;
    for (const word of words) {
      node.next ??= new Map();
      let child = node.next.get(word);
      if (!child) {
        child = newNode();
        node.next.set(word, child);
      }
      node = child;
    }
    let entries = index.get(node);
    if (!node.entries || !entries) {
      node.entries = [];
      entries = new Map();
      index.set(node, entries);
      keys++;
    }
    const key = `${entry.kind}:${entry.id}:${entry.derived}`;
    const same = entries.get(key);
    // One target reached by two spellings of the same words: keep the laxer capital rule.
    if (same) same.capital = Math.min(same.capital, entry.capital);
    else {
      entries.set(key, entry);
      node.entries.push(entry);
    }
  };

  let read = 0;
  for (const person of catalog.people) {
    if (++read % NAMES_PER_STEP === 0) yield;
    const written = [person.name, ...person.aliases];
    for (const name of written) {
      const { words, capital } = aliasKey(name);
      add(words, { kind: 'person', id: person.id, derived: false, capital });
    }
    for (const name of written) {
      const surname = surnameOf(name);
      if (!surname) continue;
      const { words, capital } = aliasKey(surname);
      // "Un" (Kim Jong Un), "Li": too short to stand alone without a catalog alias saying so.
      if (words.join('').length < 3) continue;
      add(words, { kind: 'person', id: person.id, derived: true, capital });
    }
  }
  for (const place of catalog.places) {
    if (++read % NAMES_PER_STEP === 0) yield;
    for (const name of [place.name, ...place.aliases]) {
      const { words, capital } = aliasKey(name);
      add(words, { kind: 'place', id: place.id, derived: false, capital });
      // Italian: "L'Aquila" is "all'Aquila", "La Spezia" is "alla Spezia".
      if (words.length > 1 && PLACE_ARTICLES.has(words[0]!) && capital > 0) {
        add(words.slice(1), { kind: 'place', id: place.id, derived: true, capital: capital - 1 });
      }
    }
  }
  return { root, keys };
}

export function buildMatcher(catalog: Catalog): Matcher {
  const steps = buildSteps(catalog);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * buildMatcher for a server: the same trie, built in slices of about
 * `sliceMs` with the event loop handed back between them, so that requests
 * keep being answered while a large catalog is read.
 */
export async function buildMatcherInSlices(catalog: Catalog, sliceMs = 10): Promise<Matcher> {
  const steps = buildSteps(catalog);
  let sliceStarted = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStarted >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStarted = performance.now();
    }
  }
}

/** A candidate that passed the spelling rules at one span of the text. */
interface Candidate {
  entry: Entry;
  /** Only to be linked to a person the story already mentions. */
  needsKnown: boolean;
}

interface Span {
  first: number;
  last: number;
  candidates: Candidate[];
}

const BREAK = /[,;:!?()[\]{}«»“”„"\n]/;

/** Whether two words of a text can belong to one name (no comma, no sentence end between them). */
function joined(text: string, prev: Token, next: Token): boolean {
  if (next.start - prev.end > 3) return false;
  const gap = text.slice(prev.end, next.start);
  if (BREAK.test(gap)) return false;
  // "J. Trump" keeps an initial's full stop; "Roma. Milano" is two sentences.
  return !gap.includes('.') || prev.end - prev.start === 1;
}

/** Whether a word opens a sentence: nothing but opening marks between it and a full stop or the start. */
function sentenceInitial(text: string, at: number): boolean {
  for (let i = at - 1; i >= 0; i--) {
    linkingWork.steps++;
    const ch = text[i]!;
    if (/[\s«“„"'‘(\-–—]/.test(ch)) continue;
    return /[.!?:…\n]/.test(ch);
  }
  return true;
}

/** "in May", "May 5", "early June": a month, whoever the story is about. */
function datePhrase(tokens: readonly Token[], at: number, words: Vocabulary): boolean {
  const before = tokens[at - 1]?.norm;
  const after = tokens[at + 1]?.norm;
  return (before !== undefined && (words.prepositions.has(before) || DATE_WORDS.has(before))) || (after !== undefined && /^\d/.test(after));
}

const DATE_WORDS = new Set(['early', 'late', 'mid', 'last', 'next', 'this', 'since', 'until', 'till', 'through', 'during']);

/**
 * The candidates of a node admitted at one span, per node and per what the
 * span's spelling decides (which capitals are there, a sentence start): a
 * surname shared by thousands of catalog people is weighed once per text,
 * not once per occurrence.
 */
type Admitted = Map<Node, Map<string, Candidate[]>>;

const NONE: Candidate[] = [];

function admit(node: Node, admitted: Admitted, text: string, tokens: readonly Token[], first: number, last: number, words: Vocabulary): Candidate[] {
  const entries = node.entries!;
  const single = first === last;
  const word = tokens[first]!;
  const common = single && words.common.has(word.norm);
  const contextOnly = single && words.contextOnly.has(word.norm);
  const initial = (common || contextOnly) && sentenceInitial(text, word.start);
  if (contextOnly && datePhrase(tokens, first, words)) return NONE;
  if (common && !isUpper(text[word.start])) return NONE;
  const capitals = (node.capitals ??= [...new Set(entries.map((e) => e.capital).filter((c) => c >= 0))]);
  let spelling = initial ? 'i' : '-';
  for (const c of capitals) {
    linkingWork.steps++;
    spelling += isUpper(text[tokens[first + c]!.start]) ? 'A' : 'a';
  }
  let byNode = admitted.get(node);
  if (!byNode) admitted.set(node, (byNode = new Map()));
  const known = byNode.get(spelling);
  if (known) return known;
  const out: Candidate[] = [];
  for (const entry of entries) {
    linkingWork.steps++;
    if (entry.capital >= 0 && !isUpper(text[tokens[first + entry.capital]!.start])) continue;
    out.push({ entry, needsKnown: contextOnly || initial });
  }
  byNode.set(spelling, out);
  return out;
}

/** Longest spans first, left to right; a span is kept even when it turns out ambiguous, so a shorter name inside it cannot be linked instead. */
function scan(matcher: Matcher, text: string, tokens: readonly Token[], words: Vocabulary): Span[] {
  const spans: Span[] = [];
  const admitted: Admitted = new Map();
  let i = 0;
  while (i < tokens.length) {
    let node: Node | undefined = matcher.root;
    let best: Span | undefined;
    for (let j = i; j < tokens.length; j++) {
      linkingWork.steps++;
      if (j > i && !joined(text, tokens[j - 1]!, tokens[j]!)) break;
      node = node.next?.get(tokens[j]!.norm);
      if (!node) break;
      if (node.entries) {
        const candidates = admit(node, admitted, text, tokens, i, j, words);
        if (candidates.length > 0) best = { first: i, last: j, candidates };
      }
    }
    if (best) {
      spans.push(best);
      i = best.last + 1;
    } else i++;
  }
  return spans;
}

type Target = { kind: MentionKind; id: number; derived: boolean };

/** resolve, once per list of candidates (admit shares them between spans spelt alike). */
function resolver(known: ReadonlySet<number>): (candidates: Candidate[]) => Target | null {
  const resolved = new Map<Candidate[], Target | null>();
  return (candidates) => {
    let target = resolved.get(candidates);
    if (target === undefined) {
      target = resolve(candidates, known);
      resolved.set(candidates, target);
    }
    return target;
  };
}

/** The one target a span means, or null when the catalog cannot say which. */
function resolve(candidates: Candidate[], known: ReadonlySet<number>): Target | null {
  linkingWork.steps += candidates.length;
  const targets = new Map<string, { kind: MentionKind; id: number; derived: boolean; needsKnown: boolean }>();
  for (const { entry, needsKnown } of candidates) {
    const key = `${entry.kind}:${entry.id}`;
    const seen = targets.get(key);
    if (seen) {
      seen.derived &&= entry.derived;
      seen.needsKnown &&= needsKnown;
    } else targets.set(key, { kind: entry.kind, id: entry.id, derived: entry.derived, needsKnown });
  }
  const all = [...targets.values()];
  // The story's own people come first: "Biden" in a story about Hunter Biden is Hunter.
  const inStory = all.filter((t) => t.kind === 'person' && known.has(t.id));
  if (inStory.length > 0) return inStory.length === 1 ? inStory[0]! : null;
  const pool = all.filter((t) => !t.needsKnown);
  // A name or alias someone wrote into the catalog outranks a surname we derived.
  const written = pool.filter((t) => !t.derived);
  if (written.length > 0) return written.length === 1 ? written[0]! : null;
  return pool.length === 1 ? pool[0]! : null;
}

export function findMentions(matcher: Matcher, text: string, options: FindMentionsOptions): Mention[] {
  const tokens = tokenize(text);
  const spans = scan(matcher, text, tokens, vocabulary(options.language));
  const known = new Set(options.knownPersonIds ?? []);
  const byKnown = resolver(known);
  const resolved = spans.map((span) => byKnown(span.candidates));
  // A person named earlier or later in the same text is in the story too: a
  // second pass lets their bare surname through (and makes a surname two of
  // them share ambiguous again).
  const named = new Set(known);
  resolved.forEach((target) => {
    if (target?.kind === 'person' && !target.derived) named.add(target.id);
  });
  const byNamed = resolver(named);
  const mentions: Mention[] = [];
  spans.forEach((span, i) => {
    const target = named.size > known.size ? byNamed(span.candidates) : resolved[i];
    if (!target) return;
    const start = tokens[span.first]!.start;
    const end = tokens[span.last]!.end;
    mentions.push({ kind: target.kind, id: target.id, text: text.slice(start, end), start, end });
  });
  return mentions;
}
