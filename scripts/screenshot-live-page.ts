/**
 * Takes the README's screenshot (docs/live-page.png): the demo story's live
 * page in Debian's Chromium, just after an editor published and pinned an
 * entry through the API. Run with `npx tsx scripts/screenshot-live-page.ts`.
 */
import { mkdir } from 'node:fs/promises';
import { entryAnchor } from '../src/formats/live-blog-posting.js';
import { demoStory } from '../src/seed/demo-story.js';
import { browserUnavailable, launchBrowser } from '../test/helpers/browser.js';
import { startTestServer } from '../test/helpers/server.js';

const unavailable = browserUnavailable();
if (unavailable) {
  console.error(unavailable);
  process.exit(1);
}

const server = await startTestServer();
const browser = await launchBrowser();
try {
  const ids = await server.gql<{ story: { id: string }; person: { id: string }; place: { id: string } }>(
    `{ story(slug: "${demoStory.slug}") { id } person(slug: "volodymyr-zelensky") { id } place(slug: "kiev") { id } }`,
  );
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 960, height: 1500 });
  await page.goto(`${server.url}/live/${demoStory.slug}`);
  await page.waitForSelector('[data-connection="live"]');
  const published = await server.edit<{ createEntry: { entry: { id: string } } }>(
    `mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`,
    {
      input: {
        story: ids.data!.story.id,
        headline: 'Zelensky: «Pronti a discutere il documento aggiornato»',
        author: 'Redazione Esteri',
        body: 'Il presidente ucraino ha commentato in serata l’esito dei colloqui di Miami, dopo una giornata di allarmi aerei a Kiev.',
        keyEvent: true,
        people: [ids.data!.person.id],
        places: [ids.data!.place.id],
        quotes: [{ text: 'Siamo pronti a discutere il documento aggiornato', speaker: ids.data!.person.id, source: 'Telegram' }],
      },
    },
  );
  if (published.errors) throw new Error(JSON.stringify(published.errors));
  const id = published.data!.createEntry.entry.id;
  await page.waitForSelector(`#${entryAnchor(id)}`);
  // The desk pins its newest summary on top, as newsrooms do.
  await server.edit(`mutation ($id: ID!) { pinEntry(input: { id: $id }) { entry { id } } }`, { id });
  await page.waitForSelector(`[data-slot="pinned"] > #${entryAnchor(id)}`);
  await page.waitForTimeout(3_000); // let the arrival highlight fade
  await mkdir('docs', { recursive: true });
  await page.screenshot({ path: 'docs/live-page.png' });
  console.log('wrote docs/live-page.png');
} finally {
  await browser.close();
  await server.stop();
}
