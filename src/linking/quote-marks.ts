/**
 * Where the quotations of a text are: pairs of «…», “…”, „…“ and "…",
 * outermost only (a quote inside a quote belongs to the outer speaker).
 * Separate from attribution because pairing marks is a matter of
 * typography, the same in every language.
 *
 * One pass, with a constant amount of work per mark: a closing mark that
 * does not close the innermost quote looks for the outer one it closes
 * through links kept on the stack, never by rescanning it (thousands of
 * unmatched closing marks after thousands of opening ones took seconds).
 */
import { linkingWork } from './work.js';

export interface QuoteSpan {
  /** Index of the opening mark. */
  open: number;
  /** Index of the closing mark. */
  close: number;
}

interface Open {
  mark: string;
  at: number;
  /** Stack index of the nearest « at or below this one (-1: none): where a » goes. */
  guillemet: number;
  /** Stack index of the nearest “ or „ at or below this one (-1: none): where a ” goes. */
  curly: number;
}

/** Closing marks each opening mark accepts. */
const CLOSES: Record<string, string> = { '«': '»', '“': '”', '„': '“”', '"': '"' };

export function findQuoteSpans(text: string): QuoteSpan[] {
  const spans: QuoteSpan[] = [];
  const stack: Open[] = [];
  for (let i = 0; i < text.length; i++) {
    linkingWork.steps++;
    const code = text.charCodeAt(i);
    // Most characters are no mark at all: decide that on the code, without making a string.
    if (code !== 0x0a && code !== 0x22 && code !== 0xab && code !== 0xbb && (code < 0x201c || code > 0x201e)) continue;
    const ch = text[i]!;
    if (ch === '\n') {
      // A quotation left open at the end of a line was a stray mark: live-blog
      // quotes do not run across paragraphs, and one stray mark must not swallow the rest.
      linkingWork.steps += stack.length;
      stack.length = 0;
      continue;
    }
    const top = stack[stack.length - 1];
    if (top && CLOSES[top.mark]!.includes(ch)) {
      stack.pop();
      if (stack.length === 0) spans.push({ open: top.at, close: i });
      continue;
    }
    if (ch === '»' || ch === '”') {
      // Closes an outer mark if one is open further down (an inner quote left unclosed).
      const k = top ? (ch === '»' ? top.guillemet : top.curly) : -1;
      if (k >= 0) {
        const outer = stack[k]!;
        // Each mark dropped here was pushed once: the pass stays linear.
        linkingWork.steps += stack.length - k;
        stack.length = k;
        if (stack.length === 0) spans.push({ open: outer.at, close: i });
      }
      continue;
    }
    if (ch in CLOSES) {
      const at = stack.length;
      stack.push({
        mark: ch,
        at: i,
        guillemet: ch === '«' ? at : (top?.guillemet ?? -1),
        curly: ch === '“' || ch === '„' ? at : (top?.curly ?? -1),
      });
    }
  }
  return spans;
}
