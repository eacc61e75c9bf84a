/**
 * The ticker's markup: the story's header, the pinned entry, the feed of
 * entries. Used by the server for the first render and by the browser for
 * every entry that arrives later, so both always produce the same markup.
 */
import { type Child, type ViewNode, h } from '../html.js';
import { entryAnchor } from '../../formats/live-blog-posting.js';
import type { StoryPage, StoryStatus, TickerEntry } from '../page-data.js';

export interface ViewOptions {
  /** Formats an ISO instant: the server writes UTC, the browser the reader's own time. */
  time(iso: string): string;
  /** The story's page: a path on the site itself, an absolute URL inside an embed. */
  storyHref: string;
  /** Inside another site's page the ticker is a section of it, so its headings start one level lower. */
  embed: boolean;
  /** The story's language: its text is marked with it, the page's own words are English. */
  language: string;
}

export const STORY_STATUS_LABELS: Record<StoryStatus, string> = {
  DRAFT: 'Draft',
  LIVE: 'Live coverage',
  PAUSED: 'Coverage paused',
  ENDED: 'Coverage ended',
};

const heading = (options: ViewOptions, level: 1 | 2 | 3) => `h${level + (options.embed ? 1 : 0)}`;

function timeOf(iso: string | null, options: ViewOptions): Child {
  return iso ? h('time', { datetime: iso }, options.time(iso)) : null;
}

function paragraphs(text: string): ViewNode[] {
  return text
    .split(/\n+/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => h('p', {}, p));
}

function quoteView(quote: TickerEntry['quotes'][number], options: ViewOptions): ViewNode {
  const who = quote.attribution || quote.speaker?.name || '';
  return h(
    'figure',
    { class: 'quote' },
    h('blockquote', { lang: options.language }, h('p', {}, quote.text)),
    h('figcaption', {}, '— ', h('cite', {}, who), quote.source ? `, ${quote.source}` : null),
  );
}

function chips(entry: TickerEntry): Child {
  if (entry.people.length === 0 && entry.places.length === 0) return null;
  return h(
    'ul',
    { class: 'chips', 'aria-label': 'People and places' },
    entry.people.map((p) => h('li', { class: 'chip chip-person', title: p.description ?? undefined }, h('span', { class: 'visually-hidden' }, 'Person: '), p.name)),
    entry.places.map((p) => h('li', { class: 'chip chip-place' }, h('span', { class: 'visually-hidden' }, 'Place: '), p.name)),
  );
}

/** One entry; a retracted one collapses into a single "withdrawn" line that keeps nothing of its text. */
export function entryView(entry: TickerEntry, options: ViewOptions): ViewNode {
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
        h('strong', { id: labelId }, 'Entry withdrawn'),
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
      h('a', { class: 'entry-time', href: `${options.storyHref}#${anchor}` }, timeOf(entry.publishedAt, options)),
      entry.keyEvent ? h('span', { class: 'badge badge-key' }, 'Key event') : null,
      entry.pinned ? h('span', { class: 'badge badge-pinned' }, 'Pinned') : null,
      corrections.length ? h('span', { class: 'badge badge-corrected' }, 'Corrected') : null,
      verificationBadge(entry),
      h(heading(options, 3), { id: labelId, class: 'entry-headline', lang: options.language }, entry.headline),
    ),
    entry.body ? h('div', { class: 'entry-body', lang: options.language }, paragraphs(entry.body)) : null,
    entry.quotes.map((q) => quoteView(q, options)),
    chips(entry),
    entry.sources?.length
      ? h('p', { class: 'sources' }, h('strong', {}, 'Sources: '), entry.sources.map((s, i) => [i ? '; ' : '', s.outlet, s.via ? ` citing ${s.via}` : '']))
      : null,
    corrections.length ? correctionsView(corrections, options) : entry.correctionNote ? h('p', { class: 'correction' }, h('strong', {}, 'Correction: '), h('span', { lang: options.language }, entry.correctionNote)) : null,
    entry.author ? h('p', { class: 'byline' }, entry.author) : null,
  );
}

const VERIFICATION_LABELS = { CONFIRMED: 'Confirmed', DISPUTED: 'Disputed' } as const;

/** Confirmed or disputed, said on the entry; unverified (the usual state of breaking news) says nothing. */
function verificationBadge(entry: TickerEntry): Child {
  const v = entry.verification;
  if (v !== 'CONFIRMED' && v !== 'DISPUTED') return null;
  return h('span', { class: `badge badge-verification badge-${v.toLowerCase()}`, 'data-verification': v.toLowerCase() }, VERIFICATION_LABELS[v]);
}

/** Every published correction note of an entry, newest first (each revision keeps its own). */
function correctionsView(corrections: { revision: number; correctionNote: string | null }[], options: ViewOptions): ViewNode {
  return h(
    'ul',
    { class: 'corrections', 'aria-label': 'Corrections' },
    corrections.map((c) => h('li', { class: 'correction', 'data-revision': String(c.revision) }, h('strong', {}, 'Correction: '), h('span', { lang: options.language }, c.correctionNote))),
  );
}

export function storyStatusView(status: StoryStatus): ViewNode {
  return h('p', { class: 'story-status', 'data-slot': 'status', 'data-status': status.toLowerCase() }, STORY_STATUS_LABELS[status]);
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

/** The whole ticker: the script fills its slots (data-slot) as events arrive. */
export function tickerView(content: ShellContent, options: ViewOptions): ViewNode {
  const { story } = content;
  const coverage = [
    story.coverageStartAt ? ['Coverage began ', timeOf(story.coverageStartAt, options)] : null,
    story.coverageEndAt ? [' · ended ', timeOf(story.coverageEndAt, options)] : null,
  ];
  return h(
    'div',
    { class: `diretta${options.embed ? ' diretta-embed' : ''}`, 'data-ticker': story.slug },
    h(
      options.embed ? 'div' : 'header',
      { class: 'masthead' },
      storyStatusView(story.status),
      h(
        heading(options, 1),
        { class: 'story-title', lang: story.language },
        options.embed ? h('a', { href: options.storyHref }, story.title) : story.title,
      ),
      story.summary ? h('p', { class: 'standfirst', lang: story.language }, story.summary) : null,
      h('p', { class: 'coverage', 'data-slot': 'coverage' }, coverage),
      h(
        'div',
        { class: 'controls' },
        h('p', { class: 'connection', 'data-slot': 'connection', 'data-connection': 'offline', hidden: true }, 'Offline'),
        h(
          'label',
          { class: 'toggle', 'data-slot': 'toggle', hidden: true },
          h('input', { type: 'checkbox', 'data-slot': 'key-only' }),
          ' Key events only',
        ),
      ),
    ),
    h(
      options.embed ? 'div' : 'main',
      { class: 'ticker-main' },
      h(
        'section',
        { class: 'pinned', 'aria-labelledby': 'diretta-pinned-title', 'data-slot': 'pinned-section', hidden: content.pinned ? undefined : true },
        h(heading(options, 2), { id: 'diretta-pinned-title', class: 'section-title' }, 'Pinned'),
        h('div', { 'data-slot': 'pinned' }, content.pinned ? entryView(content.pinned, options) : null),
      ),
      h(
        'section',
        { class: 'updates', 'aria-labelledby': 'diretta-feed-title' },
        h(heading(options, 2), { id: 'diretta-feed-title', class: 'section-title' }, 'Latest updates'),
        h('p', { class: 'notice', 'data-slot': 'notice', role: 'note', hidden: true }),
        h(
          'div',
          { class: 'feed', role: 'feed', id: 'diretta-feed', 'aria-labelledby': 'diretta-feed-title', 'data-slot': 'feed' },
          content.entries.map((e) => entryView(e, options)),
        ),
        h('p', { class: 'empty', 'data-slot': 'empty', hidden: content.entries.length > 0 || content.pinned ? true : undefined }, 'No entries yet.'),
        h(
          'p',
          { class: 'older', 'data-slot': 'older-line', hidden: content.olderCursor ? undefined : true },
          h('a', { href: olderHref(options.storyHref, content.olderCursor), 'data-slot': 'older' }, 'Older entries'),
        ),
      ),
    ),
    h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'data-slot': 'announcer' }),
  );
}

/** Without JavaScript "Older entries" is a plain link to the next page of the feed. */
export function olderHref(storyHref: string, cursor: string | null): string {
  return cursor ? `${storyHref}?after=${encodeURIComponent(cursor)}` : storyHref;
}
