/**
 * Identical texts share one string: thousands of tickers send the very same
 * operation (a graphql-ws `subscribe` message, an SSE stream's query), and
 * each subscription keeps its text for as long as it runs. Bounded, and only
 * short texts: a cache, not a store.
 */
export function textInterner(max = 256, maxLength = 16_384): (text: string) => string {
  const texts = new Map<string, string>();
  return (text) => {
    if (text.length > maxLength) return text;
    const known = texts.get(text);
    if (known !== undefined) return known;
    if (texts.size >= max) texts.delete(texts.keys().next().value!);
    texts.set(text, text);
    return text;
  };
}
