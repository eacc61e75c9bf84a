/**
 * Publishes an entry into a story through the HTTP API.
 *
 *   npm run example:publish -- --story ucraina-russia-negoziati-miami-2025-12-23 \
 *     --headline "Nuove sirene a Kiev" --body "Allarme aereo in tutta la regione." [--key-event]
 *
 * DIRETTA_URL (default http://localhost:$PORT, 4000) and DIRETTA_TOKEN (default: an
 * editor token minted from the local secret, as `npm run token` does).
 */
import { parseArgs } from 'node:util';
import { resolveJwtSecret } from '../src/auth/secret.js';
import { mintToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';

const { values } = parseArgs({
  options: {
    story: { type: 'string', default: 'ucraina-russia-negoziati-miami-2025-12-23' },
    headline: { type: 'string' },
    body: { type: 'string' },
    'key-event': { type: 'boolean', default: false },
    draft: { type: 'boolean', default: false },
  },
});
if (!values.headline || !values.body) {
  console.error('usage: npm run example:publish -- --story <slug> --headline <text> --body <text> [--key-event] [--draft]');
  process.exit(2);
}

const url = `${process.env.DIRETTA_URL ?? `http://localhost:${process.env.PORT || 4000}`}/graphql`;
const token = process.env.DIRETTA_TOKEN ?? (await mintToken(resolveJwtSecret(loadConfig(process.env)).secret, { role: 'editor', subject: 'example-script', expiresIn: 600 }));

async function graphql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  }).catch((error: unknown) => {
    // One line, not a stack: the usual cause is a server that is not running, or on another port.
    console.error(`Cannot reach Diretta at ${url} (${String((error as { cause?: { code?: string } }).cause?.code ?? error)}): is \`npm start\` running? Set DIRETTA_URL or PORT to point elsewhere.`);
    process.exit(1);
  });
  const result = (await response.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (result.errors?.length) throw new Error(result.errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('\n'));
  return result.data!;
}

const { story } = await graphql<{ story: { id: string } }>(/* GraphQL */ `query PublishEntryStory($slug: String!) { story(slug: $slug) { id } }`, { slug: values.story });
const { createEntry } = await graphql<{ createEntry: { entry: { id: string; status: string; publishedAt: string | null } } }>(
  /* GraphQL */ `mutation PublishEntry($input: CreateEntryInput!) { createEntry(input: $input) { entry { id status publishedAt } } }`,
  { input: { story: story.id, headline: values.headline, body: values.body, keyEvent: values['key-event'], publish: !values.draft, idempotencyKey: `example-${Date.now()}` } },
);
console.log(`${createEntry.entry.status.toLowerCase()} ${createEntry.entry.id}${createEntry.entry.publishedAt ? ` at ${createEntry.entry.publishedAt}` : ''}`);
