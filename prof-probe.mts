import { buildApp } from './src/app.js';
import { loadConfig } from './src/config.js';
import { createLogger } from './src/logger.js';
import { mintToken } from './src/auth/tokens.js';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
const secret = 'test-secret-that-is-long-enough-for-hs256';
const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SEED_DEMO: 'false', RATE_LIMIT_MUTATIONS: '0', RATE_LIMIT_EXPENSIVE: '0', REPLAY_COST_PER_MINUTE: '0', DATA_DIR: 'memory://' });
const app = await buildApp({ config, log: createLogger(config), jwtSecret: secret });
const url = await app.listen();
const token = await mintToken(secret, { role: 'editor', subject: 'p', expiresIn: 3600 });
const gql = async (query: string, variables?: unknown) => (await (await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) })).json()) as any;
const story = (await gql(`mutation { createStory(input: { slug: "load", title: "Load", language: "en", status: LIVE }) { story { id } } }`)).data.createStory.story.id;
let got = 0;
const clients = Array.from({ length: 20 }, () => { const c = createClient({ url: url.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } }); c.subscribe({ query: `subscription ($story: ID!) { storyEvents(story: $story) { cursor sequence kind entry { id } } }`, variables: { story } }, { next: () => { got++; }, error: () => {}, complete: () => {} }); return c; });
await new Promise((r) => setTimeout(r, 1000));
const t0 = performance.now();
await Promise.all([0, 1, 2, 3].map(async (w) => {
  for (let i = 0; i < 100; i++) {
    const created = await gql(`mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`, { input: { story, headline: `Writer ${w} entry ${i}`, body: 'Text.' } });
    const id = created.data.createEntry.entry.id;
    if (i % 2 === 0) await gql(`mutation ($input: UpdateEntryInput!) { updateEntry(input: $input) { entry { id } } }`, { input: { id, body: 'Edited.' } });
    if (i % 4 === 0) await gql(`mutation ($input: RetractEntryInput!) { retractEntry(input: $input) { entry { id } } }`, { input: { id } });
  }
}));
console.log(`700 mutations in ${(performance.now() - t0).toFixed(0)} ms, ${got} messages`);
await new Promise((r) => setTimeout(r, 1000));
console.log(`${got} messages`);
await Promise.all(clients.map((c) => c.dispose()));
await app.stop();
