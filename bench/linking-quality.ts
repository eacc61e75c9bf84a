/**
 * Linking quality and speed, the figures issue #12 asks for:
 *  - precision and recall of people and place mentions, and quotes found with
 *    the right speaker (and the count given to a wrong one), over the
 *    annotated corpus in test/fixtures/linking-corpus;
 *  - findMentions + findQuotes on a 2,000-character text against a catalog of
 *    50,000 aliases (p50/p99 over 1,000 runs), and the time to build it;
 *  - the hostile texts of issue #22 at the API's largest size (20,000
 *    characters): the slowest of 20 runs each, and the steps counted
 *    (src/linking/work.ts), against 50,000 aliases plus a surname 5,000 people
 *    share; and the longest slice of the catalog build on the server.
 * Run: npx tsx bench/linking-quality.ts
 */
import { availableParallelism, loadavg } from 'node:os';
import { type Catalog, buildMatcher, buildMatcherInSlices, findMentions } from '../src/linking/matcher.js';
import { linkingWork } from '../src/linking/work.js';
import { findQuotes } from '../src/linking/quotes.js';
import { corpusCatalog, corpusEntries } from '../test/fixtures/linking-corpus/index.js';
import { scoreCorpus } from '../test/fixtures/linking-corpus/score.js';

const ALIASES = 50_000;
const RUNS = 1_000;
const TEXT_LENGTH = 2_000;

/** A small deterministic generator, so every run measures the same catalog. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = 'ka lo mi ren tu sa vor ne li ba dru ska mel to rin zo pa gu vel ti mar no ska fe ri bel an or ul ch ev'.split(' ');

function syntheticCatalog(aliasCount: number): Catalog {
  const next = random(12);
  const word = () => {
    const n = 2 + Math.floor(next() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(next() * SYLLABLES.length)]!;
    return w[0]!.toUpperCase() + w.slice(1);
  };
  const catalog: Catalog = { people: [...corpusCatalog.people], places: [...corpusCatalog.places] };
  let aliases = catalog.people.reduce((n, p) => n + 1 + p.aliases.length, 0) + catalog.places.reduce((n, p) => n + 1 + p.aliases.length, 0);
  let id = 10_000;
  while (aliases < aliasCount) {
    if (next() < 0.6) {
      // A person: name plus one or two spellings, as catalogs of transliterated names have.
      const first = word();
      const last = word();
      const extra = next() < 0.5 ? [`${first[0]}. ${last}`] : [`${first} ${last}`, last];
      catalog.people.push({ id: id++, name: `${first} ${last}`, aliases: extra });
      aliases += 1 + extra.length;
    } else {
      const name = word();
      const extra = next() < 0.5 ? [`regione di ${name}`] : [];
      catalog.places.push({ id: id++, name, aliases: extra, kind: 'city' });
      aliases += 1 + extra.length;
    }
  }
  return catalog;
}

/** About 2,000 characters of live-blog text in both languages, with quotes, from the corpus. */
function sampleText(): string {
  let text = '';
  for (let i = 0; text.length < TEXT_LENGTH; i++) {
    const entry = corpusEntries[(i * 7) % corpusEntries.length]!;
    text += (text ? '\n\n' : '') + entry.text;
  }
  return text.slice(0, TEXT_LENGTH);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ms = (n: number) => `${n.toFixed(3)} ms`;
const fixed = (n: number) => n.toFixed(3);

// ——— quality ———
const score = scoreCorpus(buildMatcher(corpusCatalog), corpusEntries);
const languages = new Set(corpusEntries.map((e) => e.language));
console.log(`Corpus: ${corpusEntries.length} entries (${[...languages].map((l) => `${corpusEntries.filter((e) => e.language === l).length} ${l}`).join(', ')}); catalog ${corpusCatalog.people.length} people, ${corpusCatalog.places.length} places`);
for (const [label, s] of [['people', score.people], ['places', score.places]] as const) {
  console.log(`Mentions (${label}): precision ${fixed(s.precision)}  recall ${fixed(s.recall)}  (gold ${s.gold}, suggested ${s.predicted}, correct ${s.correct})`);
}
const q = score.quotes;
console.log(`Quotes: ${q.rightSpeaker}/${q.gold} with the right speaker (${fixed(q.rightFraction)}), found ${q.found}/${q.gold}, wrong speaker ${q.wrongSpeaker}`);
if (score.errors.length > 0) console.log(`Disagreements with the gold:\n  ${score.errors.join('\n  ')}`);

// ——— speed ———
const catalog = syntheticCatalog(ALIASES);
const aliasTotal = catalog.people.reduce((n, p) => n + 1 + p.aliases.length, 0) + catalog.places.reduce((n, p) => n + 1 + p.aliases.length, 0);
const builds: number[] = [];
let matcher = buildMatcher(catalog);
for (let i = 0; i < 3; i++) {
  const started = performance.now();
  matcher = buildMatcher(catalog);
  builds.push(performance.now() - started);
}
const text = sampleText();
// Two texts in turn, so no run reuses the previous run's word split (a server never sees one text twice in a row).
const texts = [text, text.slice(1) + ' '];
const analyse = (t: string) => {
  const mentions = findMentions(matcher, t, { language: 'it' });
  return findQuotes(t, mentions, { language: 'it' }).length + mentions.length;
};
for (let i = 0; i < 100; i++) analyse(texts[i % 2]!);
const times: number[] = [];
let found = 0;
for (let i = 0; i < RUNS; i++) {
  const t = texts[i % 2]!;
  const started = performance.now();
  found = analyse(t);
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
console.log(
  `Speed: catalog of ${aliasTotal} aliases (${catalog.people.length} people, ${catalog.places.length} places, ${matcher.keys} keys), built in ${ms(Math.min(...builds))} (best of 3)`,
);
console.log(
  `  findMentions + findQuotes on ${text.length} characters (${found} mentions and quotes): p50 ${ms(percentile(times, 50))}  p99 ${ms(percentile(times, 99))}  max ${ms(times[times.length - 1]!)} over ${RUNS} runs`,
);
// The tail is the machine's as much as ours: say how busy it was.
console.log(`  (${availableParallelism()} CPUs, load average ${loadavg()[0]!.toFixed(2)} during the run)`);

// ——— hostile texts (issue #22) ———
const HOSTILE_LENGTH = 20_000;
const HOSTILE_RUNS = 20;
const repeat = (piece: string) => piece.repeat(Math.ceil(HOSTILE_LENGTH / piece.length)).slice(0, HOSTILE_LENGTH);
const crowded: Catalog = { people: [...catalog.people], places: catalog.places };
for (let i = 0; i < 5_000; i++) crowded.people.push({ id: 1_000_000 + i, name: `Nome${i} Rossi`, aliases: [] });
const crowdedMatcher = buildMatcher(crowded);
const hostile: [string, string][] = [
  ['“×10,000 then »×10,000', '“'.repeat(10_000) + '»'.repeat(10_000)],
  ['«×10,000 then ”×10,000', '«'.repeat(10_000) + '”'.repeat(10_000)],
  ['one sentence of 5,000 quotes', repeat('«a» ')],
  ['a speaker, then 4,000 quotes', `Peskov ha detto: ${repeat('«a» ')}`.slice(0, HOSTILE_LENGTH)],
  ['straight quotes only', repeat('"')],
  ['a surname 5,000 people share', repeat('Rossi ha detto: «a». ')],
];
console.log(`Hostile texts of ${HOSTILE_LENGTH} characters (slowest of ${HOSTILE_RUNS} runs; catalog of ${aliasTotal} aliases + 5,000 people named Rossi):`);
for (const [label, hostileText] of hostile) {
  let slowest = 0;
  let steps = 0;
  for (let i = 0; i < HOSTILE_RUNS; i++) {
    // A different text each run (one more space), so that no run reuses the previous word split.
    const t = i % 2 ? `${hostileText} ` : hostileText;
    linkingWork.steps = 0;
    const started = performance.now();
    const mentions = findMentions(crowdedMatcher, t, { language: 'it' });
    findQuotes(t, mentions, { language: 'it' });
    slowest = Math.max(slowest, performance.now() - started);
    steps = linkingWork.steps;
  }
  console.log(`  ${label.padEnd(30)} ${ms(slowest).padStart(10)}  ${steps} steps (${(steps / hostileText.length).toFixed(1)} a character)`);
}

// The catalog build on a server hands the event loop back between slices: the longest time it holds it.
let longest = 0;
let last = performance.now();
const watch = setInterval(() => {
  const now = performance.now();
  longest = Math.max(longest, now - last);
  last = now;
}, 1);
const buildStarted = performance.now();
await buildMatcherInSlices(crowded);
clearInterval(watch);
console.log(`  catalog of ${aliasTotal + 5_000} aliases built in slices in ${ms(performance.now() - buildStarted)}; the event loop waited at most ${ms(longest)} meanwhile`);

