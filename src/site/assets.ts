/**
 * The pages' static files: the stylesheet, and the browser scripts bundled
 * from src/site/browser with esbuild (graphql-ws's browser client included)
 * the first time they are asked for. Nothing comes from another origin.
 */
import type { GzipMemo } from '../transport/compression.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { documentHash } from '../plugins/trusted-documents.js';
import { olderEntriesQuery, storyPageQuery } from './page-data.js';

export interface Asset extends GzipMemo {
  body: Buffer;
  contentType: string;
  etag: string;
  /** A digest of the content: pages link `path?v=<version>`, which may be cached for a year. */
  version: string;
}

/** A year: the longest a versioned asset needs, since any change to it changes its URL. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

/** The URL pages link the asset by: its path with its version, so that browsers keep it until it changes. */
export async function versionedPath(path: string, heldStreams = false): Promise<string> {
  const loaded = await asset(path, heldStreams);
  if (!loaded) throw new Error(`no asset at ${path}`);
  return `${path}?v=${loaded.version}`;
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The hashes of the documents the scripts ask for by hash (src/site/browser/persisted.ts). */
const DOCUMENT_HASHES = JSON.stringify({ storyPage: documentHash(storyPageQuery), olderEntries: documentHash(olderEntriesQuery) });

/**
 * `heldStreams`: the server holds readers' streams at a GRIP proxy (GRIP_URL), so the scripts follow
 * the story over SSE (src/site/browser/ticker.ts) rather than graphql-ws: a build of each script per mode.
 */
async function bundle(entry: string, heldStreams: boolean, define: Record<string, string> = {}): Promise<Buffer> {
  const result = await build({
    define: { DIRETTA_DOCUMENT_HASHES: DOCUMENT_HASHES, DIRETTA_HELD_STREAMS: JSON.stringify(heldStreams), ...define },
    entryPoints: [here(entry)],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  return Buffer.from(result.outputFiles[0]!.contents);
}

const sources: Record<string, { contentType: string; load: (heldStreams: boolean) => Promise<Buffer> }> = {
  '/assets/ticker.css': { contentType: 'text/css; charset=utf-8', load: () => readFile(here('./assets/ticker.css')) },
  '/assets/live-page.js': { contentType: 'text/javascript; charset=utf-8', load: (heldStreams) => bundle('./browser/live-page.ts', heldStreams) },
  // The embed links the stylesheet by its versioned URL (cached for a year), baked in when it is bundled:
  // embed.js itself is linked by its bare path from other sites, so it is revalidated and carries the change.
  '/embed.js': {
    contentType: 'text/javascript; charset=utf-8',
    load: async (heldStreams) => bundle('./browser/embed.ts', heldStreams, { DIRETTA_STYLESHEET_PATH: JSON.stringify(await versionedPath('/assets/ticker.css')) }),
  },
};

export const assetPaths: ReadonlySet<string> = new Set(Object.keys(sources));

const built = new Map<string, Promise<Asset>>();

/** The asset at `path`, built once per process (and mode); a failed build is tried again on the next request. */
export function asset(path: string, heldStreams = false): Promise<Asset> | null {
  const source = sources[path];
  if (!source) return null;
  const key = `${path}\u0000${heldStreams}`;
  let pending = built.get(key);
  if (!pending) {
    pending = source.load(heldStreams).then((body) => {
      const version = createHash('sha256').update(body).digest('base64url').slice(0, 22);
      return { body, contentType: source.contentType, etag: `"${version}"`, version };
    });
    pending.catch(() => built.delete(key));
    built.set(key, pending);
  }
  return pending;
}
