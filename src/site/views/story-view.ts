/**
 * The ticker's markup: the story's header, the key events at a glance, the
 * pinned entry, the feed of entries. Used by the server for the first render
 * and by the browser for every entry that arrives later, so both always
 * produce the same markup. Every word and time is in the story's language
 * (./locale.ts).
 */
import { type Child, type ViewNode, h } from '../html.js';
import { entryAnchor } from '../../formats/live-blog-posting.js';
import type { KeyEventItem, StoryPage, StoryStatus, TickerEntry } from '../page-data.js';
import type { Clock, Words } from './locale.js';
import { entryBody, pullQuotes } from './quotes-in-body.js';

export interface ViewOptions {
  /** Absolute and relative times: the server writes UTC, the browser the reader's own time. */
  clock: Clock;
  /** What "now" is for relative times ("3 min fa"). */
  now(): number;
  /** The page's words, in the story's language. */
  words: Words;
  /** The story's page: a path on the site itself, an absolute URL inside an embed. */
  storyHref: string;
  /** Inside another site's page the ticker is a section of it, so its headings start one level lower. */
  embed: boolean;
  /** The story's language: its text is marked with it. */
  language: string;
}

/** The front page's labels (a page about every story, in English). */
export const STORY_STATUS_LABELS: Record<StoryStatus, string> = {
  DRAFT: 'Draft',
  LIVE: 'Live coverage',
  PAUSED: 'Coverage paused',
  ENDED: 'Coverage ended',
};

const heading = (options: ViewOptions, level: 1 | 2 | 3) => `h${level + (options.embed ? 1 : 0)}`;

/** A time as a date and clock time ("23 dic, 14:05"). */
function timeOf(iso: string | null, options: ViewOptions): Child {
  return iso ? h('time', { datetime: iso }, options.clock.absolute(iso)) : null;
}

/** An entry's time: how long ago ("3 min fa", kept current by the script), then the clock time. */
export function agoView(iso: string, options: ViewOptions): ViewNode {
  return h(
    'time',
    { datetime: iso, class: 'ago-time' },
    h('span', { class: 'ago', 'data-ago': '' }, options.clock.relative(iso, options.now())),
    h('span', { class: 'at' }, options.clock.absolute(iso)),
  );
}

/** An image with its caption and credit: an entry's (loaded as it scrolls into view) or the story's lead image (at once, it is at the top). */
function figureOf(media: TickerEntry['media'][number], options: ViewOptions, lead = false): ViewNode {
  const caption = media.caption || media.credit;
  return h(
    'figure',
    { class: lead ? 'lead-image' : 'entry-media' },
    h('img', {
      src: media.url,
      alt: media.alt,
      width: media.width ?? undefined,
      height: media.height ?? undefined,
      loading: lead ? undefined : 'lazy',
      decoding: 'async',
      referrerpolicy: 'no-referrer',
    }),
    caption
      ? h(
          'figcaption',
          {},
          media.caption ? h('span', { class: 'caption', lang: options.language }, media.caption) : null,
          media.credit ? h('span', { class: 'credit' }, options.words.credit(media.credit)) : null,
        )
      : null,
  );
}

function chips(entry: TickerEntry, words: Words): Child {
  if (entry.people.length === 0 && entry.places.length === 0) return null;
  return h(
    'ul',
    { class: 'chips', 'aria-label': words.peopleAndPlaces },
    entry.people.map((p) => h('li', { class: 'chip chip-person', title: p.description ?? undefined }, h('span', { class: 'visually-hidden' }, words.person), p.name)),
    entry.places.map((p) => h('li', { class: 'chip chip-place' }, h('span', { class: 'visually-hidden' }, words.place), p.name)),
  );
}

/**
 * The marks beside an entry's time: key event, pinned, corrected. One list,
 * so that another mark (a verification badge) slots in here and nowhere else.
 */
export function entryMarks(entry: TickerEntry, words: Words): ViewNode[] {
  const marks: ViewNode[] = [];
  if (entry.keyEvent) marks.push(h('span', { class: 'badge badge-key' }, words.keyEvent));
  if (entry.pinned) marks.push(h('span', { class: 'badge badge-pinned' }, words.pinned));
  if (entry.correctionNote || entry.corrections?.edges.some((e) => e.node.correctionNote)) marks.push(h('span', { class: 'badge badge-corrected' }, words.corrected));
  const verification = verificationBadge(entry, words);
  if (verification) marks.push(verification);
  return marks;
}

/** One entry; a retracted one collapses into a single "withdrawn" line that keeps nothing of its text. */
export function entryView(entry: TickerEntry, options: ViewOptions): ViewNode {
  const { words } = options;
  const anchor = entryAnchor(entry.id);
  const labelId = `${anchor}-title`;
  const common = { id: anchor, 'data-entry': entry.id, tabindex: 0, 'aria-labelledby': labelId };
  if (entry.status === 'RETRACTED') {
    return h(
      'article',
      { ...common, class: 'entry entry-withdrawn', 'data-status': 'retracted' },
      h(
        'p',
        { class: 'withdrawn-line' },
        timeOf(entry.publishedAt, options),
        ' ',
        h('strong', { id: labelId }, words.entryWithdrawn),
        ' ',
        h('span', { class: 'withdrawn-headline', lang: options.language }, entry.headline),
        entry.correctionNote ? [' — ', h('span', { class: 'withdrawn-note', lang: options.language }, entry.correctionNote)] : null,
      ),
    );
  }
  const corrections = (entry.corrections?.edges ?? []).map((e) => e.node).filter((c) => c.correctionNote);
  const classes = ['entry', entry.keyEvent && 'entry-key', entry.pinned && 'entry-pinned', corrections.length && 'entry-corrected'].filter(Boolean).join(' ');
  return h(
    'article',
    { ...common, class: classes, 'data-status': 'published', 'data-key-event': entry.keyEvent ? 'true' : 'false' },
    h(
      'header',
      { class: 'entry-head' },
      h('a', { class: 'entry-time', href: `${options.storyHref}#${anchor}` }, entry.publishedAt ? agoView(entry.publishedAt, options) : null),
      entryMarks(entry, words),
      h(heading(options, 3), { id: labelId, class: 'entry-headline', lang: options.language }, entry.headline),
    ),
    entry.body ? h('div', { class: 'entry-body', lang: options.language }, entryBody(entry)) : null,
    entry.media.map((m) => figureOf(m, options)),
    pullQuotes(entry, options.language),
    chips(entry, words),
    entry.sources?.length
      ? h('p', { class: 'sources' }, h('strong', {}, words.sources), entry.sources.map((s, i) => [i ? '; ' : '', s.outlet, s.via ? words.citing(s.via) : '']))
      : null,
    corrections.length
      ? correctionsView(corrections, options)
      : entry.correctionNote
        ? h('p', { class: 'correction' }, h('strong', {}, words.correction), h('span', { lang: options.language }, entry.correctionNote))
        : null,
    entry.author ? h('p', { class: 'byline' }, words.byline(entry.author)) : null,
  );
}

/** Confirmed or disputed, said on the entry; unverified (the usual state of breaking news) says nothing. */
function verificationBadge(entry: TickerEntry, words: Words): ViewNode | null {
  const v = entry.verification;
  if (v !== 'CONFIRMED' && v !== 'DISPUTED') return null;
  return h('span', { class: `badge badge-verification badge-${v.toLowerCase()}`, 'data-verification': v.toLowerCase() }, v === 'CONFIRMED' ? words.confirmed : words.disputed);
}

/** Every published correction note of an entry, newest first (each revision keeps its own). */
function correctionsView(corrections: { revision: number; correctionNote: string | null }[], options: ViewOptions): ViewNode {
  return h(
    'ul',
    { class: 'corrections', 'aria-label': options.words.corrections },
    corrections.map((c) =>
      h('li', { class: 'correction', 'data-revision': String(c.revision) }, h('strong', {}, options.words.correction), h('span', { lang: options.language }, c.correctionNote)),
    ),
  );
}

export function storyStatusView(status: StoryStatus, words: Words): ViewNode {
  return h('p', { class: 'story-status', 'data-slot': 'status', 'data-status': status.toLowerCase() }, words.status[status]);
}

/** The key events, newest first, each a link to its entry: the story at a glance. */
export function keyEventItems(items: readonly KeyEventItem[], options: ViewOptions): ViewNode[] {
  return items.map((item) =>
    h(
      'li',
      { 'data-key-entry': item.id },
      h('a', { href: `#${entryAnchor(item.id)}` }, item.publishedAt ? timeOf(item.publishedAt, options) : null, ' ', h('span', { lang: options.language }, item.headline)),
    ),
  );
}

export function keyEventsView(items: readonly KeyEventItem[], options: ViewOptions): ViewNode {
  return h(
    'details',
    { class: 'key-events', 'data-slot': 'key-events', hidden: items.length ? undefined : true },
    h('summary', {}, options.words.keyEvents, ' ', h('span', { class: 'count', 'data-slot': 'key-events-count' }, `(${items.length})`)),
    h('ol', { 'data-slot': 'key-events-list' }, keyEventItems(items, options)),
  );
}

export interface ShellContent {
  story: StoryPage;
  pinned: TickerEntry | null;
  /** The feed, newest first, without the pinned entry (it sits on top). */
  entries: TickerEntry[];
  /** Cursor to continue the feed from, or null when the oldest entry is shown. */
  olderCursor: string | null;
}

/** A story as the API returned it, laid out: the pinned entry on top, the rest of the page below. */
export function shellContent(story: StoryPage): ShellContent {
  const pinned = story.pinnedEntry;
  return {
    story,
    pinned,
    entries: story.entries.edges.map((e) => e.node).filter((e) => e.id !== pinned?.id),
    olderCursor: story.entries.pageInfo.hasNextPage ? story.entries.pageInfo.endCursor : null,
  };
}

/** The connection indicator's words: "Live" only while the story itself is live. */
export function connectionLabel(state: 'connecting' | 'live' | 'reconnecting', status: StoryStatus, words: Words): string {
  if (state === 'live') return status === 'LIVE' ? words.live : words.following;
  return state === 'connecting' ? words.connecting : words.reconnecting;
}

/** When coverage began and, once it has, ended. */
export function coverageView(story: Pick<StoryPage, 'coverageStartAt' | 'coverageEndAt'>, options: ViewOptions): ViewNode {
  return h(
    'p',
    { class: 'coverage', 'data-slot': 'coverage' },
    story.coverageStartAt ? [options.words.coverageBegan, timeOf(story.coverageStartAt, options)] : null,
    story.coverageEndAt ? [options.words.coverageEnded, timeOf(story.coverageEndAt, options)] : null,
  );
}

/** The whole ticker: the script fills its slots (data-slot) as events arrive. */
export function tickerView(content: ShellContent, options: ViewOptions): ViewNode {
  const { story } = content;
  const { words } = options;
  return h(
    'div',
    { class: `diretta${options.embed ? ' diretta-embed' : ''}`, 'data-ticker': story.slug, 'data-story-status': story.status.toLowerCase(), lang: words.locale },
    h(
      options.embed ? 'div' : 'header',
      { class: 'masthead' },
      h(
        'div',
        { class: 'status-line' },
        storyStatusView(story.status, words),
        h('p', { class: 'connection', 'data-slot': 'connection', 'data-connection': 'offline', hidden: true }, words.connecting),
      ),
      h(
        heading(options, 1),
        { class: 'story-title', lang: story.language },
        options.embed ? h('a', { href: options.storyHref }, story.title) : story.title,
      ),
      story.summary ? h('p', { class: 'standfirst', lang: story.language }, story.summary) : null,
      // The host page of an embed has its own picture: the lead image is the story page's.
      story.image && !options.embed ? figureOf(story.image, options, true) : null,
      coverageView(story, options),
    ),
    h(
      options.embed ? 'div' : 'main',
      { class: 'ticker-main' },
      h(
        'div',
        { class: 'controls' },
        keyEventsView(story.keyEvents.edges.map((e) => e.node), options),
        h('label', { class: 'toggle', 'data-slot': 'toggle', hidden: true }, h('input', { type: 'checkbox', 'data-slot': 'key-only' }), ' ', words.keyEventsOnly),
      ),
      h(
        'section',
        { class: 'pinned', 'aria-labelledby': 'diretta-pinned-title', 'data-slot': 'pinned-section', hidden: content.pinned ? undefined : true },
        h(heading(options, 2), { id: 'diretta-pinned-title', class: 'section-title' }, words.pinned),
        h('div', { 'data-slot': 'pinned' }, content.pinned ? entryView(content.pinned, options) : null),
      ),
      h(
        'section',
        { class: 'updates', 'aria-labelledby': 'diretta-feed-title' },
        h(heading(options, 2), { id: 'diretta-feed-title', class: 'section-title' }, words.latestUpdates),
        h('button', { type: 'button', class: 'new-pill', 'data-slot': 'pill', hidden: true }),
        h('p', { class: 'notice', 'data-slot': 'notice', role: 'note', hidden: true }),
        h(
          'div',
          { class: 'feed', role: 'feed', id: 'diretta-feed', 'aria-labelledby': 'diretta-feed-title', 'data-slot': 'feed' },
          content.entries.map((e) => entryView(e, options)),
        ),
        h('p', { class: 'empty', 'data-slot': 'empty', hidden: content.entries.length > 0 || content.pinned ? true : undefined }, words.noEntries),
        h(
          'p',
          { class: 'older', 'data-slot': 'older-line', hidden: content.olderCursor ? undefined : true },
          h('a', { href: olderHref(options.storyHref, content.olderCursor), 'data-slot': 'older' }, words.olderEntries),
        ),
      ),
    ),
    h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'data-slot': 'announcer' }),
  );
}

/** "Older updates": with the script it loads the next page through the API on demand; without it, a plain link to that page. */
export function olderHref(storyHref: string, cursor: string | null): string {
  return cursor ? `${storyHref}?after=${encodeURIComponent(cursor)}` : storyHref;
}
