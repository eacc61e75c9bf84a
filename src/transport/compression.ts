/**
 * gzip for the bodies Diretta serves itself (the reader's pages and scripts,
 * GraphiQL's bundle) when the client accepts it: a story page is ~44 KB of
 * HTML and ~5 KB gzipped. Bodies of fixed content pass a memo so that they
 * are compressed once, on the first request that asks.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/** Below this, gzip's header and the CPU cost more than they save. */
const MIN_BYTES = 1024;

export interface GzipMemo {
  gzipped?: Promise<Buffer> | undefined;
}

/** The body to send and its Content-Encoding (absent when sent as is); add `vary: accept-encoding` either way. */
export async function encodeBody(req: IncomingMessage, body: Buffer, memo?: GzipMemo): Promise<{ body: Buffer; encoding?: 'gzip' }> {
  if (body.length <= MIN_BYTES || !/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return { body };
  const compressing = memo ? (memo.gzipped ??= gzipAsync(body, { level: 6 })) : gzipAsync(body, { level: 6 });
  try {
    return { body: await compressing, encoding: 'gzip' };
  } catch {
    if (memo) memo.gzipped = undefined;
    return { body };
  }
}

/**
 * Answers with `body` under `headers` (which carry its validators): 304 when
 * the client already has it (`fresh`), else 200 with the body gzipped when
 * accepted; HEAD gets the headers only.
 */
export async function sendBody(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  headers: Record<string, string | number>,
  options: { fresh: boolean; memo?: GzipMemo },
): Promise<void> {
  const all: Record<string, string | number> = { ...headers, vary: 'accept-encoding' };
  if (options.fresh) {
    res.writeHead(304, all);
    res.end();
    return;
  }
  const encoded = await encodeBody(req, body, options.memo);
  if (encoded.encoding) all['content-encoding'] = encoded.encoding;
  res.writeHead(200, { ...all, 'content-length': encoded.body.length });
  res.end(req.method === 'HEAD' ? undefined : encoded.body);
}
