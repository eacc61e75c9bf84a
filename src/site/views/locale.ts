/**
 * The page's own words and times in the story's language: an Italian story
 * reads "In diretta", "3 min fa", "23 dic, 14:05"; an English one "Live",
 * "3 min ago". Italian and English are written out; any other language falls
 * back to English, words and dates alike, so that a page never mixes two.
 * Dates and relative times come from Intl, on the server and in the browser.
 */
import type { StoryStatus } from '../page-data.js';

export interface Words {
  /** The BCP 47 tag the page's words and dates are in. */
  locale: 'it' | 'en';
  status: Record<StoryStatus, string>;
  /** The connection indicator: connecting, live on a live story, following a paused or ended one, reconnecting. */
  connecting: string;
  live: string;
  following: string;
  reconnecting: string;
  keyEvents: string;
  keyEventsOnly: string;
  keyEvent: string;
  pinned: string;
  corrected: string;
  correction: string;
  corrections: string;
  confirmed: string;
  disputed: string;
  sources: string;
  citing(via: string): string;
  latestUpdates: string;
  noEntries: string;
  /** The control that loads the next page of older entries (a link to it without JavaScript). */
  olderEntries: string;
  entryWithdrawn: string;
  peopleAndPlaces: string;
  person: string;
  place: string;
  byline(name: string): string;
  credit(name: string): string;
  coverageBegan: string;
  coverageEnded: string;
  justNow: string;
  newEntry(headline: string): string;
  newUpdates(count: number): string;
  showingKeyOnly: string;
  showingAll: string;
  backLiveNothingMissed: string;
  backLiveMissed(count: number): string;
  arrivedOffline: string;
  skipToContent: string;
  allStories: string;
}

const it: Words = {
  locale: 'it',
  status: { DRAFT: 'Bozza', LIVE: 'Diretta in corso', PAUSED: 'Diretta sospesa', ENDED: 'Diretta conclusa' },
  connecting: 'Connessione…',
  live: 'In diretta',
  following: 'Aggiornamenti attivi',
  reconnecting: 'Riconnessione…',
  keyEvents: 'Momenti chiave',
  keyEventsOnly: 'Solo i momenti chiave',
  keyEvent: 'Momento chiave',
  pinned: 'In evidenza',
  corrected: 'Corretto',
  correction: 'Correzione: ',
  corrections: 'Correzioni',
  confirmed: 'Confermato',
  disputed: 'Contestato',
  sources: 'Fonti: ',
  citing: (via) => ` che cita ${via}`,
  latestUpdates: 'Ultimi aggiornamenti',
  noEntries: 'Ancora nessun aggiornamento.',
  olderEntries: 'Aggiornamenti precedenti',
  entryWithdrawn: 'Aggiornamento ritirato',
  peopleAndPlaces: 'Persone e luoghi',
  person: 'Persona: ',
  place: 'Luogo: ',
  byline: (name) => `di ${name}`,
  credit: (name) => `Foto: ${name}`,
  coverageBegan: 'Diretta iniziata ',
  coverageEnded: ' · conclusa ',
  justNow: 'adesso',
  newEntry: (headline) => `Nuovo aggiornamento: ${headline}`,
  newUpdates: (n) => (n === 1 ? '1 nuovo aggiornamento' : `${n} nuovi aggiornamenti`),
  showingKeyOnly: 'Solo i momenti chiave.',
  showingAll: 'Tutti gli aggiornamenti.',
  backLiveNothingMissed: 'Di nuovo in diretta: durante l’interruzione non è arrivato nulla.',
  backLiveMissed: (n) => `Di nuovo in diretta: ${n === 1 ? 'è arrivato 1 aggiornamento' : `sono arrivati ${n} aggiornamenti`} durante l’interruzione, segnalati qui sotto.`,
  arrivedOffline: 'arrivato mentre eri offline',
  skipToContent: 'Vai al contenuto',
  allStories: 'Tutte le dirette',
};

const en: Words = {
  locale: 'en',
  status: { DRAFT: 'Draft', LIVE: 'Live coverage', PAUSED: 'Coverage paused', ENDED: 'Coverage ended' },
  connecting: 'Connecting…',
  live: 'Live',
  following: 'Following updates',
  reconnecting: 'Reconnecting…',
  keyEvents: 'Key events',
  keyEventsOnly: 'Key events only',
  keyEvent: 'Key event',
  pinned: 'Pinned',
  corrected: 'Corrected',
  correction: 'Correction: ',
  corrections: 'Corrections',
  confirmed: 'Confirmed',
  disputed: 'Disputed',
  sources: 'Sources: ',
  citing: (via) => ` citing ${via}`,
  latestUpdates: 'Latest updates',
  noEntries: 'No entries yet.',
  olderEntries: 'Older updates',
  entryWithdrawn: 'Entry withdrawn',
  peopleAndPlaces: 'People and places',
  person: 'Person: ',
  place: 'Place: ',
  byline: (name) => `By ${name}`,
  credit: (name) => `Photo: ${name}`,
  coverageBegan: 'Coverage began ',
  coverageEnded: ' · ended ',
  justNow: 'just now',
  newEntry: (headline) => `New entry: ${headline}`,
  newUpdates: (n) => (n === 1 ? '1 new update' : `${n} new updates`),
  showingKeyOnly: 'Showing key events only.',
  showingAll: 'Showing all entries.',
  backLiveNothingMissed: 'Back live: nothing was missed while the connection was down.',
  backLiveMissed: (n) => `Back live: ${n} ${n === 1 ? 'update' : 'updates'} arrived while the connection was down, marked below.`,
  arrivedOffline: 'arrived while you were offline',
  skipToContent: 'Skip to the content',
  allStories: 'All stories',
};

/** The words for a story's language ("it", "it-CH" → Italian; anything else → English). */
export function wordsFor(language: string): Words {
  return language.toLowerCase().split('-')[0] === 'it' ? it : en;
}

export interface Clock {
  /** "23 dic, 14:05": the day and time, in `timeZone` (the reader's own when undefined). */
  absolute(iso: string): string;
  /** "3 min fa", "2 h fa", "ieri": how long ago, from `now`. */
  relative(iso: string, now: number): string;
}

const RELATIVE_STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.35],
  ['month', 12],
  ['year', Infinity],
];

/** Times in the words' language; the server passes 'UTC' (and says so), the browser leaves the zone to the reader. */
export function clockFor(words: Words, timeZone?: string): Clock {
  const absolute = new Intl.DateTimeFormat(words.locale, {
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    ...(timeZone ? { timeZone, timeZoneName: 'short' } : {}),
  });
  const relative = new Intl.RelativeTimeFormat(words.locale, { numeric: 'auto', style: 'short' });
  return {
    absolute: (iso) => absolute.format(new Date(iso)),
    relative(iso, now) {
      let value = (Date.parse(iso) - now) / 60_000;
      if (Math.abs(value) < 1) return words.justNow;
      for (const [unit, size] of RELATIVE_STEPS) {
        if (Math.abs(value) < size) return relative.format(Math.trunc(value), unit);
        value /= size;
      }
      return relative.format(Math.trunc(value), 'year');
    },
  };
}
