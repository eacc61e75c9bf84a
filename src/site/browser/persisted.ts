/// <reference lib="dom" />
/**
 * Trusted documents asked for by their hash, with GET (src/plugins/trusted-documents.ts):
 * the URL is short and the same for every reader of a story, so Varnish or a CDN keeps
 * the answer and purges it when the story moves (src/plugins/edge-cache.ts).
 */

/** The SHA-256 of each document the browser sends, baked in when the server bundles the script (src/site/assets.ts). */
declare const DIRETTA_DOCUMENT_HASHES: { storyPage: string; olderEntries: string };

export const documentHashes = DIRETTA_DOCUMENT_HASHES;

/** GETs a trusted document's answer; variables are written in the order given, so every reader asks the same URL. */
export async function persistedGet(endpoint: string, hash: string, variables: Record<string, unknown>): Promise<Response> {
  const url = new URL(endpoint);
  url.searchParams.set('extensions', JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }));
  url.searchParams.set('variables', JSON.stringify(variables));
  return fetch(url, { headers: { accept: 'application/graphql-response+json, application/json' } });
}
