/// <reference lib="dom" />
/** The story page's script: the server rendered the ticker and left its state in a JSON block; take over from there. */
import { TICKER_DATA_ID } from '../document.js';
import type { TickerState } from '../page-data.js';
import { startTicker } from './ticker.js';
import { readerView } from './reader-view.js';

const data = document.getElementById(TICKER_DATA_ID);
const root = document.querySelector<HTMLElement>('[data-ticker]');
if (data?.textContent && root) {
  const state = JSON.parse(data.textContent) as TickerState;
  startTicker({
    root,
    state,
    endpoint: new URL('/graphql', window.location.href).toString(),
    view: readerView(state.story.language, `/live/${encodeURIComponent(state.story.slug)}`, false),
  });
}
