/// <reference lib="dom" />
/**
 * Builds DOM nodes from a view tree (src/site/html.ts): text goes in as text
 * nodes and attribute values through setAttribute, so an entry can never
 * inject markup, whatever it contains.
 */
import type { Child } from '../html.js';

export function toDom(child: Child, doc: Document = document): Node[] {
  if (child === null || child === undefined || child === false) return [];
  if (typeof child === 'string') return [doc.createTextNode(child)];
  if (Array.isArray(child)) return child.flatMap((c: Child) => toDom(c, doc));
  const node = child as Exclude<Child, string | null | undefined | false | readonly Child[]>;
  const element = doc.createElement(node.tag);
  for (const [name, value] of Object.entries(node.attrs)) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const c of node.children) element.append(...toDom(c, doc));
  return [element];
}

/** The one element a view describes. */
export function toElement(child: Child, doc: Document = document): HTMLElement {
  const [node] = toDom(child, doc);
  if (!(node instanceof HTMLElement)) throw new Error('the view is not an element');
  return node;
}
