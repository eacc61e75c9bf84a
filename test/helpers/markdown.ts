/**
 * Reading the docs as GitHub renders them, for test/docs.test.ts: fenced
 * code blocks with their info strings, relative links, and the anchors
 * GitHub gives headings.
 */

export interface CodeBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string's first word (`graphql`, `sh`…); empty when the fence has none. */
  lang: string;
  /** The info string's other words: `role=editor` → role: 'editor', a bare `answer` → answer: 'true'. */
  attrs: Record<string, string>;
  body: string;
}

const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;

/** Every fenced code block of a markdown text, in order (indented fences, in list items, included). */
export function codeBlocks(file: string, text: string): CodeBlock[] {
  const lines = text.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent, marker, info] = open as unknown as [string, string, string, string];
    const words = info.trim().split(/\s+/).filter(Boolean);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = FENCE.exec(lines[j]!);
      if (close && close[2]![0] === marker[0] && close[2]!.length >= marker.length && close[3]!.trim() === '') break;
      body.push(lines[j]!.startsWith(indent) ? lines[j]!.slice(indent.length) : lines[j]!.trimStart());
    }
    blocks.push({
      file,
      line: i + 1,
      lang: words[0] ?? '',
      attrs: Object.fromEntries(words.slice(1).map((w) => (w.includes('=') ? [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)] : [w, 'true']))),
      body: body.join('\n'),
    });
    i = j;
  }
  return blocks;
}

/** The text outside fenced code blocks (each block's lines blanked, so that line numbers stay). */
export function proseOf(text: string): string {
  const lines = text.split('\n');
  let fence: string | null = null;
  return lines
    .map((line) => {
      const match = FENCE.exec(line);
      if (fence === null && match) {
        fence = match[2]!;
        return '';
      }
      if (fence !== null) {
        if (match && match[2]![0] === fence[0] && match[2]!.length >= fence.length && match[3]!.trim() === '') fence = null;
        return '';
      }
      return line;
    })
    .join('\n');
}

export interface Link {
  line: number;
  target: string;
}

/** The targets of inline links and images (`[text](target)`, `![alt](target)`), outside code. */
export function linksOf(text: string): Link[] {
  const links: Link[] = [];
  proseOf(text)
    .split('\n')
    .forEach((line, i) => {
      const withoutCode = line.replace(/`[^`]*`/g, '');
      for (const match of withoutCode.matchAll(/!?\[(?:[^\]]|\][^(])*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) links.push({ line: i + 1, target: match[1]! });
    });
  return links;
}

/** The anchor GitHub gives a heading's text: lower case, punctuation dropped, spaces as hyphens. */
export function headingSlug(heading: string): string {
  const rendered = heading
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_]{1,2}([^*_]+)[*_]{1,2}/g, '$1');
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor a markdown text's headings give, duplicates numbered as GitHub numbers them. */
export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of proseOf(text).split('\n')) {
    const match = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!match) continue;
    const slug = headingSlug(match[1]!);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}
