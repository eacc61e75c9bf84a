/**
 * A tiny view tree shared by the server and the browser. Views describe
 * markup as data; the server serialises it with every text and attribute
 * escaped (toHtml), the browser builds DOM nodes from it with textContent and
 * setAttribute (src/site/browser/dom.ts). One description of the markup, and
 * no code path that turns an entry's text into HTML.
 */

export type Attributes = Record<string, string | number | boolean | null | undefined>;
export type Child = ViewNode | string | null | undefined | false | readonly Child[];

export interface ViewNode {
  tag: string;
  attrs: Attributes;
  children: Child[];
}

/** Tag and attribute names always come from our code; values and children may come from anyone. */
export function h(tag: string, attrs: Attributes = {}, ...children: Child[]): ViewNode {
  return { tag, attrs, children };
}

const VOID = new Set(['br', 'hr', 'img', 'input', 'link', 'meta']);

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export function toHtml(child: Child): string {
  if (child === null || child === undefined || child === false) return '';
  if (typeof child === 'string') return escapeHtml(child);
  if (Array.isArray(child)) return child.map(toHtml).join('');
  const node = child as ViewNode;
  let attrs = '';
  for (const [name, value] of Object.entries(node.attrs)) {
    if (value === null || value === undefined || value === false) continue;
    attrs += value === true ? ` ${name}` : ` ${name}="${escapeHtml(String(value))}"`;
  }
  if (VOID.has(node.tag)) return `<${node.tag}${attrs}>`;
  return `<${node.tag}${attrs}>${node.children.map(toHtml).join('')}</${node.tag}>`;
}

/**
 * JSON inside a <script> data block: "</script>" or "<!--" in an entry must
 * not end the block, so the characters that could start markup are escaped.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
