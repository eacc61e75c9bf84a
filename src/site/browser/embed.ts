/// <reference lib="dom" />
/**
 * The ticker for other sites:
 *   <script src="https://diretta.example/embed.js" data-story="slug"></script>
 * renders the story right after the script tag, inside a shadow root so that
 * the host page's styles and ours leave each other alone, and follows it live
 * from the API that served this script.
 */
import { ENTRIES_PER_LOAD, type StoryPageResult } from '../page-data.js';
import { documentHashes, persistedGet } from './persisted.js';
import { h } from '../html.js';
import { shellContent, tickerView } from '../views/story-view.js';
import { toElement } from './dom.js';
import { startTicker } from './ticker.js';
import { readerView } from './reader-view.js';

/** The stylesheet's versioned path, set when the server bundles this script (src/site/assets.ts). */
declare const DIRETTA_STYLESHEET_PATH: string;

async function mount(script: HTMLScriptElement) {
  script.dataset.direttaMounted = 'true';
  const slug = script.dataset.story;
  if (!slug) {
    console.warn('diretta: the embed script needs data-story="<story slug>"');
    return;
  }
  const base = new URL(script.src, window.location.href).origin;
  const endpoint = `${base}/graphql`;
  // An element of our own, not a <div>: the host page's rules for div never match it.
  const host = document.createElement('diretta-live');
  script.after(host);
  const shadow = host.attachShadow({ mode: 'open' });
  const stylesheet = document.createElement('link');
  stylesheet.rel = 'stylesheet';
  stylesheet.href = `${base}${DIRETTA_STYLESHEET_PATH}`;
  const styled = new Promise((resolve) => {
    stylesheet.addEventListener('load', resolve);
    stylesheet.addEventListener('error', resolve);
  });
  shadow.append(stylesheet);

  // By hash, with GET: every host page of this story asks the same URL, which a shared cache answers.
  const response = await persistedGet(endpoint, documentHashes.storyPage, { slug, first: ENTRIES_PER_LOAD, withJsonLd: false }).catch(() => null);
  const body = response ? ((await response.json().catch(() => null)) as { data?: StoryPageResult | null } | null) : null;
  const story = body?.data?.story;
  await styled;
  if (!story) {
    shadow.append(toElement(h('p', { class: 'diretta diretta-embed embed-error' }, `The live story "${slug}" could not be loaded.`)));
    return;
  }
  const view = readerView(story.language, `${base}/live/${encodeURIComponent(story.slug)}`, true);
  shadow.append(toElement(tickerView(shellContent(story), view)));
  startTicker({ root: shadow, state: { story, atHead: true, pageSize: ENTRIES_PER_LOAD }, endpoint, view });
}

// document.currentScript names this very tag; without it (some loaders), take every embed tag not yet mounted.
const current = document.currentScript;
const tags =
  current instanceof HTMLScriptElement
    ? [current]
    : [...document.querySelectorAll<HTMLScriptElement>('script[data-story]')].filter((s) => !s.dataset.direttaMounted && /\/embed\.js(\?|$)/.test(s.src));
for (const tag of tags) void mount(tag);
