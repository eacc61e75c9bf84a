/** The HTML document around a page's view, with its data blocks and the one stylesheet and script it loads. */
import { type ViewNode, escapeHtml, jsonForScript, toHtml } from './html.js';

export interface DocumentParts {
  title: string;
  description?: string | null;
  /** The page's canonical URL, when the request said which host it was for. */
  canonical?: string | null;
  /** Other forms of the page, e.g. its feeds (`<link rel="alternate">`). */
  alternates?: { type: string; href: string; title: string }[];
  body: ViewNode[];
  /** schema.org JSON-LD for crawlers. */
  jsonLd?: unknown;
  /** State for the page's script (read with JSON.parse, never evaluated). */
  data?: unknown;
  /** Path of the page's script, if it has one. */
  script?: string;
  /** Element id the "skip to content" link jumps to. */
  skipTo: string;
  /** The page's language (a story page's is the story's); English by default. */
  lang?: string;
  /** The skip link's words, in that language. */
  skipText?: string;
  /** The stylesheet's URL (versioned: /assets/ticker.css?v=…). */
  stylesheet?: string;
}

export const TICKER_DATA_ID = 'diretta-data';

export function htmlDocument(parts: DocumentParts): string {
  const head = [
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    // No favicon request (and no 404) for a page that has no icon.
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(parts.title)}</title>`,
    parts.description ? `<meta name="description" content="${escapeHtml(parts.description)}">` : '',
    parts.canonical ? `<link rel="canonical" href="${escapeHtml(parts.canonical)}">` : '',
    ...(parts.alternates ?? []).map((a) => `<link rel="alternate" type="${escapeHtml(a.type)}" href="${escapeHtml(a.href)}" title="${escapeHtml(a.title)}">`),
    `<link rel="stylesheet" href="${escapeHtml(parts.stylesheet ?? '/assets/ticker.css')}">`,
    parts.jsonLd === undefined ? '' : `<script type="application/ld+json">${jsonForScript(parts.jsonLd)}</script>`,
    parts.data === undefined ? '' : `<script type="application/json" id="${TICKER_DATA_ID}">${jsonForScript(parts.data)}</script>`,
    parts.script ? `<script defer src="${escapeHtml(parts.script)}"></script>` : '',
  ].filter(Boolean);
  const skip = `<a class="skip-link" href="#${escapeHtml(parts.skipTo)}">${escapeHtml(parts.skipText ?? 'Skip to the content')}</a>`;
  // Readers' navigation: the site, nothing for developers (the API is theirs to find in docs/api.md).
  const nav = '<nav class="site-nav" aria-label="Diretta"><a href="/">Diretta</a></nav>';
  const footer = '<footer class="site-footer"><p>Diretta</p></footer>';
  return `<!doctype html>\n<html lang="${escapeHtml(parts.lang ?? 'en')}">\n<head>\n${head.join('\n')}\n</head>\n<body>\n${skip}\n${nav}\n${parts.body.map(toHtml).join('\n')}\n${footer}\n</body>\n</html>\n`;
}
