/**
 * Trusted documents: the operations this server knows by their hash, run
 * through @graphql-yoga/plugin-persisted-operations. A client sends
 * `extensions: { persistedQuery: { version: 1, sha256Hash } }` (what APQ
 * clients send: the hash is the SHA-256, in hex, of the document's text)
 * instead of the text, so a GET's URL stays short and shared caches can
 * keep its answer (./edge-cache.ts).
 *
 * The readers' pages' and the embed's operations are always trusted; apps
 * add theirs from a file (TRUSTED_DOCUMENTS_FILE, see loadTrustedDocuments).
 * With TRUSTED_DOCUMENTS_ONLY, an anonymous request may run nothing else:
 * the text of a trusted document is accepted (it is the same operation),
 * any other text is refused. A request with a valid token (editors, apps
 * with a key) keeps arbitrary operations, and GraphiQL with it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type GraphQLSchema, parse, validate } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { createGraphQLError } from 'graphql-yoga';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Context } from '../context.js';
import type { Metrics } from '../observability/metrics.js';

/** The id APQ clients compute: SHA-256 of the text, hex. */
export const documentHash = (text: string) => createHash('sha256').update(text).digest('hex');

/** Trusted documents by id (an APQ hash, or an id an app's manifest gives). */
export type TrustedDocuments = ReadonlyMap<string, string>;

const ID = /^[A-Za-z0-9_:.-]{1,128}$/;

/**
 * The trusted documents: the built-in ones (by their hash) and those of
 * `file`, a JSON file that is either an object of id → document (the
 * persisted-documents.json GraphQL Codegen's client preset writes) or an
 * array of documents (each known by its SHA-256, as APQ clients send).
 * Every document of a file is also known by its own hash, so an APQ client
 * and a manifest's ids both work. Each is parsed and validated against the
 * schema; every problem is reported at once, naming the file and the id.
 */
export function loadTrustedDocuments(schema: GraphQLSchema, builtIn: readonly string[], file: string | null): { documents: TrustedDocuments; problems: string[] } {
  const documents = new Map<string, string>();
  for (const text of builtIn) documents.set(documentHash(text), text);
  const problems: string[] = [];
  if (!file) return { documents, problems };
  let content: unknown;
  try {
    content = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { documents, problems: [`TRUSTED_DOCUMENTS_FILE: cannot read ${file} as JSON: ${(error as Error).message}`] };
  }
  const entries: [string | null, unknown][] = Array.isArray(content)
    ? content.map((text) => [null, text])
    : content !== null && typeof content === 'object'
      ? Object.entries(content)
      : [];
  if (entries.length === 0) problems.push(`TRUSTED_DOCUMENTS_FILE: ${file} holds no documents (an object of id → document, or an array of documents)`);
  for (const [index, [givenId, text]] of entries.entries()) {
    const where = givenId === null ? `document ${index}` : `document "${givenId}"`;
    if (givenId !== null && !ID.test(givenId)) problems.push(`TRUSTED_DOCUMENTS_FILE: ${where}: an id is 1 to 128 letters, digits, or _ : . -`);
    if (typeof text !== 'string' || text.trim() === '') {
      problems.push(`TRUSTED_DOCUMENTS_FILE: ${where} is not the text of a GraphQL document`);
      continue;
    }
    try {
      const errors = validate(schema, parse(text));
      if (errors.length > 0) {
        problems.push(`TRUSTED_DOCUMENTS_FILE: ${where} does not validate: ${errors.map((e) => e.message).join('; ')}`);
        continue;
      }
    } catch (error) {
      problems.push(`TRUSTED_DOCUMENTS_FILE: ${where} does not parse: ${(error as Error).message}`);
      continue;
    }
    documents.set(documentHash(text), text);
    if (givenId !== null && ID.test(givenId)) documents.set(givenId, text);
  }
  return { documents, problems };
}

export interface TrustedDocumentsOptions {
  documents: TrustedDocuments;
  /** TRUSTED_DOCUMENTS_ONLY: anonymous requests run trusted documents only. */
  only: boolean;
  /** Whether the request carries a valid token (checked only when an untrusted text comes with `only`). */
  authenticated(request: Request): Promise<boolean>;
  /** Counts the operations refused by TRUSTED_DOCUMENTS_ONLY. */
  metrics?: Metrics | null;
}

export interface TrustedDocumentsPlugins {
  plugins: Plugin<Context>[];
  /** Whether the request's operation is a trusted document (by hash, or by its very text). */
  isTrusted(request: Request): boolean;
}

type PersistedParams = { query?: string; extensions?: Record<string, unknown> };

const hashOf = (params: PersistedParams): string | null => {
  const persisted = params.extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
  return persisted?.version === 1 && typeof persisted.sha256Hash === 'string' ? persisted.sha256Hash : null;
};

export function useTrustedDocuments({ documents, only, authenticated, metrics = null }: TrustedDocumentsOptions): TrustedDocumentsPlugins {
  const trusted = new WeakSet<Request>();
  // Marks trusted requests; with `only`, a trusted text becomes its hash, so the persisted plugin runs it as such.
  const marker: Plugin<Context> = {
    onParams({ request, params, setParams }) {
      const given = params as PersistedParams;
      if (typeof given.query === 'string') {
        const id = documentHash(given.query);
        if (!documents.has(id)) return;
        trusted.add(request);
        if (only) setParams({ ...params, query: undefined, extensions: { ...given.extensions, persistedQuery: { version: 1, sha256Hash: id } } });
        return;
      }
      const id = hashOf(given);
      if (id !== null && documents.has(id)) trusted.add(request);
    },
  };
  const persisted = usePersistedOperations<Context>({
    getPersistedOperation: (id) => documents.get(id) ?? null,
    allowArbitraryOperations: only ? (request) => authenticated(request) : true,
    customErrors: {
      notFound: {
        // The message APQ clients look for, to send the text next.
        message: 'PersistedQueryNotFound',
        extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', field: 'extensions.persistedQuery.sha256Hash' },
      },
      keyNotFound: {
        message: 'extensions.persistedQuery: send a query, or the sha256Hash of a trusted document',
        extensions: { code: 'BAD_USER_INPUT', field: 'extensions.persistedQuery' },
      },
      persistedQueryOnly: () => {
        metrics?.refused.trustedDocumentsOnly.inc();
        return createGraphQLError(
          'query: without a token this server runs trusted documents only (TRUSTED_DOCUMENTS_ONLY): send the sha256Hash of a registered document in extensions.persistedQuery',
          { extensions: { code: 'PERSISTED_QUERY_ONLY', field: 'query', http: { status: 403 } } },
        );
      },
    },
  }) as Plugin<Context>;
  // Only for what is the plugin's business: a hash, or (with `only`) a text. A request with neither is left to
  // Yoga, which answers it as before (no query: 400 BAD_REQUEST; an empty one: GRAPHQL_PARSE_FAILED).
  const persistedParams = persisted.onParams!;
  const scoped: Plugin<Context> = {
    ...persisted,
    onParams(payload) {
      const params = payload.params as PersistedParams;
      if (hashOf(params) === null && !(only && typeof params.query === 'string' && params.query !== '')) return undefined;
      return persistedParams(payload);
    },
  };
  return { plugins: [marker, scoped], isTrusted: (request) => trusted.has(request) };
}
