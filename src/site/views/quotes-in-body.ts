/**
 * Quotes shown once. A reported quote is usually in the entry's text already
 * («…» and all): there it is highlighted in place, with its speaker as a
 * tooltip and for screen readers; only a quote the text does not contain is
 * set apart as a pull quote below it.
 */
import { type Child, type ViewNode, h } from '../html.js';
import type { TickerEntry } from '../page-data.js';

type Quote = TickerEntry['quotes'][number];

const whoSaid = (quote: Quote) => quote.attribution || quote.speaker?.name || '';

/** The quote's text as it would appear in a body: trimmed, without a closing full stop the body may not repeat. */
const needle = (quote: Quote) => quote.text.trim().replace(/[.。]$/u, '');

function paragraphs(text: string): string[] {
  return text
    .split(/\n+/)
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Whether the body carries this quote (then it is highlighted there, not repeated). */
export function quotedInBody(quote: Quote, body: string): boolean {
  const text = needle(quote);
  return text.length > 0 && paragraphs(body).some((p) => p.includes(text));
}

/** A paragraph with each quote it contains wrapped in a <q> mark (first occurrence, quotes in order of position). */
function highlighted(paragraph: string, quotes: readonly Quote[]): Child[] {
  const found = quotes
    .map((quote) => ({ quote, text: needle(quote), at: paragraph.indexOf(needle(quote)) }))
    .filter((f) => f.text.length > 0 && f.at >= 0)
    .sort((a, b) => a.at - b.at);
  const out: Child[] = [];
  let from = 0;
  for (const f of found) {
    if (f.at < from) continue; // overlaps a quote already marked
    out.push(paragraph.slice(from, f.at));
    const who = whoSaid(f.quote);
    out.push(h('mark', { class: 'quote-inline', 'data-quote': f.quote.id, title: who ? `— ${who}${f.quote.source ? `, ${f.quote.source}` : ''}` : undefined }, f.text));
    from = f.at + f.text.length;
  }
  out.push(paragraph.slice(from));
  return out.filter((c) => c !== '');
}

/** The entry's text as paragraphs, its quotes marked where they stand. */
export function entryBody(entry: TickerEntry): ViewNode[] {
  return paragraphs(entry.body ?? '').map((p) => h('p', {}, highlighted(p, entry.quotes)));
}

/** The quotes the text does not contain, as pull quotes with their speaker. */
export function pullQuotes(entry: TickerEntry, language: string): ViewNode[] {
  return entry.quotes
    .filter((q) => !quotedInBody(q, entry.body ?? ''))
    .map((quote) => {
      const who = whoSaid(quote);
      return h(
        'figure',
        { class: 'quote' },
        h('blockquote', { lang: language }, h('p', {}, quote.text)),
        h('figcaption', {}, '— ', h('cite', {}, who), quote.source ? `, ${quote.source}` : null),
      );
    });
}
