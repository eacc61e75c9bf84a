/// <reference lib="dom" />
/**
 * The ticker in the browser: takes over a rendered story (the page's or the
 * embed's), adopting the elements already rendered, follows its event
 * stream over graphql-ws (or, when the server holds readers' streams at a
 * GRIP proxy, over Server-Sent Events) and keeps the feed current, loads older entries
 * when the reader asks ("Older updates"), and resumes after a dropped
 * connection from the last event it received.
 *
 * Resuming is ours, not graphql-ws's: its retry would subscribe again with
 * the variables of the first subscribe, replaying everything since the page
 * loaded. Each attempt here is a fresh client subscribed with `after:` the
 * last cursor, so the server sends exactly what was missed, then live events.
 */
import { createClient } from 'graphql-ws';
import {
  type KeyEventItem,
  type OlderEntriesResult,
  type PlacedEntry,
  type StoryEventResult,
  type TickerEntry,
  type TickerState,
  storyEventsSubscription,
} from '../page-data.js';
import { type ViewOptions, agoView, connectionLabel, coverageView, entryView, keyEventItems, olderHref, storyStatusView } from '../views/story-view.js';
import { toElement } from './dom.js';
import { documentHashes, persistedGet } from './persisted.js';

/** Set when the server bundles the script (src/site/assets.ts): readers' streams are held at a GRIP proxy. */
declare const DIRETTA_HELD_STREAMS: boolean;

export interface TickerOptions {
  /** The element (or shadow root) holding the rendered tickerView. */
  root: Element | ShadowRoot;
  state: TickerState;
  /** http(s)://…/graphql of the API that serves the story. */
  endpoint: string;
  view: ViewOptions;
}

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

/** How often "3 min fa" is brought up to date. */
const RELATIVE_TIME_REFRESH_MS = 30_000;

/** A missed pong means the socket is dead even if no close event says so (sleeping laptops, lost Wi-Fi). */
const KEEP_ALIVE_MS = 15_000;
const PONG_TIMEOUT_MS = 5_000;
const MAX_RETRY_MS = 5_000;

/**
 * How long to wait before reconnecting. An instance turning readers away
 * (close 1013, LIVE_ADMISSION_RATE) says when to come back: its hint, plus
 * a little jitter. Otherwise a backoff with full jitter: after a deploy or
 * a crash every reader of the instance loses its socket at the same moment,
 * and readers who all waited the same 500 ms would come back together.
 */
function retryDelay(reason: unknown, attempt: number): number {
  const close = typeof reason === 'object' && reason !== null && 'code' in reason ? (reason as { code: number; reason?: string }) : null;
  const hint = close?.code === 1013 ? Number(/retry in (\d+) ms/.exec(close.reason ?? '')?.[1]) : Number.NaN;
  if (Number.isFinite(hint) && hint > 0) return hint + Math.random() * Math.min(1_000, hint / 2);
  const ceiling = Math.min(MAX_RETRY_MS, 1_000 * 2 ** attempt);
  return ceiling / 4 + Math.random() * ceiling;
}

/** An entry as an event or a load gave it, or only placed by the server (its element on the page carries the rest). */
type KnownEntry = TickerEntry | PlacedEntry;
const inFull = (entry: KnownEntry): entry is TickerEntry => 'headline' in entry;

function byNewest(a: KnownEntry, b: KnownEntry): number {
  const at = a.publishedAt ?? '';
  const bt = b.publishedAt ?? '';
  if (at !== bt) return at < bt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function slot<T extends Element = HTMLElement>(root: Element | ShadowRoot, name: string): T {
  const found = root.querySelector<T>(`[data-slot="${name}"]`);
  if (!found) throw new Error(`the ticker has no ${name} slot`);
  return found;
}

export function startTicker(options: TickerOptions): { stop(): void } {
  const { root, view, endpoint } = options;
  const { words } = view;
  const story = options.state.story;
  const entries = new Map<string, KnownEntry>();
  const rendered = new Map<string, { key: string; element: HTMLElement }>();
  /** Entries to mark: just arrived, or arrived while the connection was down. */
  const marks = new Map<string, 'new' | 'missed'>();
  let olderCursor = story.entries.pageInfo.hasNextPage ? story.entries.pageInfo.endCursor : null;
  let lastCursor = story.eventCursor;
  let stopped = false;

  const container = root instanceof ShadowRoot ? root.querySelector<HTMLElement>('[data-ticker]')! : (root as HTMLElement);
  const feed = slot(root, 'feed');
  const pinnedSlot = slot(root, 'pinned');
  const pinnedSection = slot(root, 'pinned-section');
  const empty = slot(root, 'empty');
  const notice = slot(root, 'notice');
  const announcer = slot(root, 'announcer');
  const connection = slot(root, 'connection');
  const toggle = slot(root, 'toggle');
  const keyOnly = slot<HTMLInputElement>(root, 'key-only');
  const olderLine = slot(root, 'older-line');
  const olderLink = slot<HTMLAnchorElement>(root, 'older');
  const pill = slot<HTMLButtonElement>(root, 'pill');
  const keyEventsBox = slot<HTMLDetailsElement>(root, 'key-events');
  const keyEventsList = slot(root, 'key-events-list');
  const keyEventsCount = slot(root, 'key-events-count');
  /** New entries that arrived while the reader was further down: counted on the pill, not pushed into the page. */
  const held = new Set<string>();
  const keyEvents = new Map<string, KeyEventItem>(story.keyEvents.edges.map((e) => [e.node.id, e.node]));
  let connectionState: ConnectionState = 'connecting';

  const addPage = (page: { edges: { node: KnownEntry }[] }) => {
    for (const { node } of page.edges) if (!entries.has(node.id)) entries.set(node.id, node);
  };
  addPage(story.entries);
  if (story.pinnedEntry) entries.set(story.pinnedEntry.id, story.pinnedEntry);
  // The entries rendered with the page are kept as they are: the script only places them (and a
  // page's data carries no second copy of their text), until an event brings one in full.
  for (const element of root.querySelectorAll<HTMLElement>('article[data-entry]')) {
    const entry = entries.get(element.dataset.entry ?? '');
    if (entry) rendered.set(entry.id, { key: JSON.stringify(entry), element });
  }

  // --- rendering -----------------------------------------------------------

  /** The entry's element: the one shown while it has not changed, else a new one; null for an entry known only by place whose element is gone. */
  function elementFor(entry: KnownEntry): HTMLElement | null {
    const key = JSON.stringify(entry);
    const known = rendered.get(entry.id);
    if (known && known.key === key) return known.element;
    if (!inFull(entry)) return null;
    const element = toElement(entryView(entry, view));
    const mark = marks.get(entry.id);
    if (mark) element.classList.add(mark === 'new' ? 'is-new' : 'is-missed');
    // "New" is for the moment it arrives; "missed" stays until the next reconnection.
    if (mark === 'new') marks.delete(entry.id);
    rendered.set(entry.id, { key, element });
    return element;
  }

  /** Puts exactly these elements, in this order, into the container, moving rather than recreating. */
  function place(into: HTMLElement, list: readonly KnownEntry[]) {
    list.forEach((entry, i) => {
      const element = elementFor(entry)!;
      if (into.children[i] !== element) into.insertBefore(element, into.children[i] ?? null);
    });
    while (into.children.length > list.length) into.lastElementChild!.remove();
  }

  function sync() {
    const focused = (root instanceof ShadowRoot ? root.activeElement : document.activeElement)?.closest<HTMLElement>('[data-entry]');
    const focusedId = focused?.dataset.entry;
    const all = [...entries.values()].filter((e) => e.status !== 'DRAFT' && !held.has(e.id) && (inFull(e) || rendered.has(e.id))).sort(byNewest);
    const pinned = all.find((e) => e.pinned && e.status === 'PUBLISHED') ?? null;
    const list = all.filter((e) => e !== pinned);
    place(pinnedSlot, pinned ? [pinned] : []);
    place(feed, list);
    list.forEach((entry, i) => {
      const element = rendered.get(entry.id)!.element;
      element.setAttribute('aria-posinset', String(i + 1));
      element.setAttribute('aria-setsize', olderCursor ? '-1' : String(list.length));
    });
    pinnedSection.hidden = !pinned;
    empty.hidden = all.length > 0;
    olderLine.hidden = !olderCursor;
    olderLink.href = olderHref(view.storyHref, olderCursor);
    pill.hidden = held.size === 0;
    pill.textContent = words.newUpdates(held.size);
    // An entry replaced while it had focus keeps it.
    if (focusedId && focused && !focused.isConnected) rendered.get(focusedId)?.element.focus({ preventScroll: true });
  }

  function announce(text: string) {
    // Clearing first makes screen readers announce the same text twice in a row too.
    announcer.textContent = '';
    window.setTimeout(() => {
      announcer.textContent = text;
    }, 50);
  }

  function setConnection(state: ConnectionState) {
    connectionState = state;
    connection.dataset.connection = state;
    // "Live" only while the story is: a paused or ended one is followed, not live.
    connection.textContent = connectionLabel(state, story.status, words);
  }

  /** Times in the reader's zone (the server wrote UTC), and "how long ago" as of now. */
  function refreshTimes(all: boolean) {
    for (const time of root.querySelectorAll<HTMLTimeElement>(all ? 'time[datetime]' : 'time.ago-time')) {
      if (time.classList.contains('ago-time')) time.replaceChildren(...agoView(time.dateTime, view).children.map((c) => toElement(c)));
      else time.textContent = view.clock.absolute(time.dateTime);
    }
  }
  refreshTimes(true);
  const refreshTimer = window.setInterval(() => refreshTimes(false), RELATIVE_TIME_REFRESH_MS);

  function renderKeyEvents() {
    const items = [...keyEvents.values()].sort((a, b) => ((a.publishedAt ?? '') < (b.publishedAt ?? '') ? 1 : -1));
    keyEventsList.replaceChildren(...keyEventItems(items, view).map((item) => toElement(item)));
    keyEventsCount.textContent = `(${items.length})`;
    keyEventsBox.hidden = items.length === 0;
  }
  // The summary is open where there is room for it; on a phone it is one line that opens on demand.
  if (window.matchMedia('(min-width: 48rem)').matches) keyEventsBox.open = true;

  /** Whether the reader has scrolled past the top of the feed: new entries would shift what they are reading. */
  function readerAway(): boolean {
    return feed.getBoundingClientRect().top < 0;
  }

  function releaseHeld(scroll: boolean) {
    if (held.size === 0) return;
    const first = [...held].map((id) => entries.get(id)!).sort(byNewest)[0];
    held.clear();
    sync();
    if (scroll && first) {
      const element = rendered.get(first.id)?.element;
      element?.scrollIntoView({ block: 'start' });
      element?.focus({ preventScroll: true });
    }
  }
  pill.addEventListener('click', () => releaseHeld(true));
  // Back at the top, the held entries take their place.
  const onScroll = () => {
    if (held.size > 0 && !readerAway()) releaseHeld(false);
  };
  window.addEventListener('scroll', onScroll, { passive: true });
  connection.hidden = false;
  toggle.hidden = false;
  sync();

  // --- live events ---------------------------------------------------------

  /** Where an entry we have not loaded belongs: above the oldest loaded one, or nowhere yet. */
  function belongs(entry: KnownEntry): boolean {
    const loaded = [...entries.values()].sort(byNewest);
    if (!options.state.atHead && loaded[0] && byNewest(entry, loaded[0]) < 0) return false;
    const oldest = loaded.at(-1);
    return !olderCursor || !oldest || byNewest(entry, oldest) <= 0;
  }

  let catchUp: { since: number; missed: number; timer: number } | null = null;
  let lostAt: number | null = null;

  function apply(event: StoryEventResult['storyEvents']) {
    lastCursor = event.cursor;
    if (event.story.status !== story.status) {
      story.status = event.story.status;
      slot(root, 'status').replaceWith(toElement(storyStatusView(story.status, words)));
      container.dataset.storyStatus = story.status.toLowerCase();
      setConnection(connectionState);
    }
    if (event.story.coverageEndAt !== story.coverageEndAt) {
      story.coverageEndAt = event.story.coverageEndAt;
      slot(root, 'coverage').replaceWith(toElement(coverageView(story, view)));
    }
    const entry = event.entry;
    if (!entry || entry.status === 'DRAFT') return;
    if (entry.keyEvent && entry.status === 'PUBLISHED') keyEvents.set(entry.id, { id: entry.id, headline: entry.headline, publishedAt: entry.publishedAt });
    else keyEvents.delete(entry.id);
    renderKeyEvents();
    const known = entries.has(entry.id);
    if (!known && !belongs(entry)) return;
    entries.set(entry.id, entry);
    if (!known && options.state.atHead && readerAway()) held.add(entry.id);
    if (entry.status !== 'PUBLISHED') held.delete(entry.id);
    const missed = catchUp !== null && Date.parse(event.occurredAt) <= catchUp.since;
    if (missed) {
      catchUp!.missed += 1;
      marks.set(entry.id, 'missed');
      rendered.delete(entry.id);
      summariseCatchUp();
    } else if (event.kind === 'PUBLISHED' && !known) {
      marks.set(entry.id, 'new');
      announce(words.newEntry(entry.headline));
    }
    sync();
  }

  function summariseCatchUp() {
    if (!catchUp) return;
    window.clearTimeout(catchUp.timer);
    const current = catchUp;
    current.timer = window.setTimeout(() => {
      const text = current.missed === 0 ? words.backLiveNothingMissed : words.backLiveMissed(current.missed);
      notice.textContent = text;
      notice.hidden = false;
      announce(text);
      if (catchUp === current) catchUp = null;
    }, 800);
  }

  const wsUrl = endpoint.replace(/^http/, 'ws');
  /** The live connection now (a graphql-ws client or a held stream), until it is lost. */
  let live: { close(): void } | null = null;
  let attempt = 0;
  let retryTimer = 0;

  /** The connection is up: "Live", and after a drop, the reader is told what it missed. */
  function connected() {
    attempt = 0;
    setConnection('live');
    if (lostAt !== null) {
      for (const [id, mark] of marks) {
        if (mark !== 'missed') continue;
        marks.delete(id);
        rendered.delete(id);
      }
      sync();
      catchUp = { since: Date.now(), missed: 0, timer: 0 };
      summariseCatchUp();
      lostAt = null;
    }
  }

  /** The connection is gone: say so at once, and try again from the last cursor, waiting longer each time. */
  function retry(current: { close(): void }, reason: unknown) {
    if (reason) console.warn('diretta: live connection lost', reason);
    current.close();
    if (live === current) live = null;
    if (stopped) return;
    lostAt ??= Date.now();
    setConnection('reconnecting');
    const wait = retryDelay(reason, attempt);
    attempt += 1;
    retryTimer = window.setTimeout(connect, wait);
  }

  function connect() {
    if (stopped) return;
    window.clearTimeout(retryTimer);
    setConnection(lostAt === null ? 'connecting' : 'reconnecting');
    if (DIRETTA_HELD_STREAMS && typeof EventSource === 'function') followHeld();
    else followOverWebSocket();
  }

  /**
   * The server holds readers' streams at a GRIP proxy (src/transport/grip.ts): the story's events over
   * Server-Sent Events, from the last cursor. Each attempt is a new stream with `after:` the last cursor
   * (rather than EventSource's own retry), so that a server streaming it directly resumes it as exactly.
   */
  function followHeld() {
    const url = new URL(endpoint);
    url.searchParams.set('query', storyEventsSubscription);
    url.searchParams.set('variables', JSON.stringify({ story: story.id, after: lastCursor }));
    const source = new EventSource(url.toString());
    let done = false;
    const current = { close: () => source.close() };
    live = current;
    const lost = (reason: unknown) => {
      if (done) return;
      done = true;
      window.removeEventListener('offline', offline);
      retry(current, reason);
    };
    const offline = () => lost(new Error('the browser went offline'));
    window.addEventListener('offline', offline);
    source.addEventListener('open', () => connected());
    source.addEventListener('next', (event) => {
      const message = JSON.parse((event as MessageEvent<string>).data) as { data?: StoryEventResult | null; errors?: unknown[] };
      if (message.errors?.length) return lost(message.errors);
      if (message.data) apply(message.data.storyEvents);
    });
    source.addEventListener('complete', () => lost(null));
    source.addEventListener('error', () => lost(new Error('the event stream failed')));
  }

  function followOverWebSocket() {
    let pongTimer = 0;
    let socket: WebSocket | null = null;
    let done = false;
    const current = createClient({
      url: wsUrl,
      lazy: true,
      retryAttempts: 0,
      keepAlive: KEEP_ALIVE_MS,
      on: {
        connected: (opened) => {
          socket = opened as WebSocket;
          connected();
        },
        ping: (received) => {
          if (!received) {
            pongTimer = window.setTimeout(() => {
              // Say so now: on a dead link the close event can take a minute (the close handshake
              // waits for a peer that is gone), and "● Live" must not stay green meanwhile.
              lost(new Error('no pong: the connection is dead'));
              socket?.close(4408, 'Pong timeout');
            }, PONG_TIMEOUT_MS);
          }
        },
        pong: (received) => {
          if (received) window.clearTimeout(pongTimer);
        },
        closed: () => window.clearTimeout(pongTimer),
      },
    });
    const handle = { close: () => void current.dispose() };
    live = handle;
    const lost = (reason: unknown) => {
      if (done) return;
      done = true;
      retry(handle, reason);
    };
    current.subscribe<StoryEventResult>(
      { query: storyEventsSubscription, variables: { story: story.id, after: lastCursor } },
      {
        next: (message) => {
          if (message.errors?.length) return lost(message.errors);
          if (message.data) apply(message.data.storyEvents);
        },
        error: lost,
        complete: () => lost(null),
      },
    );
  }

  const onOnline = () => {
    if (!live && !stopped) connect();
  };
  window.addEventListener('online', onOnline);
  connect();

  // --- older entries -------------------------------------------------------

  let loading: Promise<void> | null = null;

  async function fetchOlder(): Promise<TickerEntry[]> {
    if (!olderCursor) return [];
    const response = await persistedGet(endpoint, documentHashes.olderEntries, { slug: story.slug, first: options.state.pageSize, after: olderCursor });
    const body = (await response.json()) as { data?: OlderEntriesResult | null; errors?: unknown[] };
    const page = body.data?.story?.entries;
    if (!page) throw new Error(`could not load older entries: ${JSON.stringify(body.errors ?? response.status)}`);
    addPage(page);
    olderCursor = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    sync();
    return page.edges.map((e) => e.node);
  }

  function loadOlder(): Promise<TickerEntry[]> {
    if (loading || !olderCursor) return Promise.resolve([]);
    feed.setAttribute('aria-busy', 'true');
    let result: TickerEntry[] = [];
    loading = fetchOlder()
      .then((loaded) => {
        result = loaded;
      })
      .catch((error: unknown) => console.warn('diretta:', error))
      .finally(() => {
        loading = null;
        feed.removeAttribute('aria-busy');
      });
    return loading.then(() => result);
  }

  // Older updates load when the reader asks, one page at a time, through the API (the first view is
  // kept small: PAGE_ENTRIES entries). Without the script the same control is a link to the next page.
  olderLink.addEventListener('click', (event) => {
    event.preventDefault();
    // Keyboard and click users land on the first entry that was loaded (the first key event, when only those show).
    void loadOlder().then((loaded) => {
      const shown = loaded.filter((e) => e.status !== 'DRAFT' && (!keyOnly.checked || e.keyEvent));
      const first = shown[0] ?? loaded.find((e) => e.status !== 'DRAFT');
      if (first) rendered.get(first.id)?.element.focus();
    });
  });

  // --- key events only, keyboard ------------------------------------------

  keyOnly.addEventListener('change', () => {
    container.classList.toggle('key-only', keyOnly.checked);
    announce(keyOnly.checked ? words.showingKeyOnly : words.showingAll);
  });

  // The ARIA feed pattern: Page Down / Page Up (and j / k) move between entries.
  container.addEventListener('keydown', (event: Event) => {
    const key = (event as KeyboardEvent).key;
    const from = (event.target as HTMLElement).closest<HTMLElement>('article[data-entry]');
    if (!from || !['PageDown', 'PageUp', 'j', 'k'].includes(key)) return;
    const visible = [...container.querySelectorAll<HTMLElement>('article[data-entry]')].filter((a) => a.offsetParent !== null);
    const index = visible.indexOf(from);
    const next = visible[key === 'PageDown' || key === 'j' ? index + 1 : index - 1];
    if (next) {
      event.preventDefault();
      next.focus();
    }
  });

  return {
    stop() {
      stopped = true;
      window.clearTimeout(retryTimer);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('scroll', onScroll);
      window.clearInterval(refreshTimer);
      live?.close();
    },
  };
}
