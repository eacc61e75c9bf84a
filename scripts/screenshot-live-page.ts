/**
 * Takes the README's and docs/page-and-embed.md's screenshots of the demo story's live page in Debian's
 * Chromium, just after an editor published and pinned an entry through the
 * API: desktop and phone, light and dark (docs/live-page-{desktop,phone}-{light,dark}.png).
 * Run with `npx tsx scripts/screenshot-live-page.ts`.
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

const VIEWPORTS = { desktop: { width: 1100, height: 1400 }, phone: { width: 390, height: 844 } } as const;

const server = await startTestServer();
const browser = await launchBrowser();
try {
  const ids = await server.gql<{ story: { id: string; status: string }; person: { id: string }; place: { id: string } }>(
    `{ story(slug: "${demoStory.slug}") { id status } person(slug: "volodymyr-zelensky") { id } place(slug: "kiev") { id } }`,
  );
  // The screenshots show coverage in progress, whatever state the demo was seeded in.
  if (ids.data!.story.status !== 'LIVE') {
    const live = await server.edit(`mutation ($id: ID!) { setStoryStatus(input: { id: $id, status: LIVE }) { story { id } } }`, { id: ids.data!.story.id });
    if (live.errors) throw new Error(JSON.stringify(live.errors));
  }
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/live/${demoStory.slug}`);
  await page.waitForSelector('[data-connection="live"]');
  const published = await server.edit<{ createEntry: { entry: { id: string } } }>(
    `mutation ($input: CreateEntryInput!) { createEntry(input: $input) { entry { id } } }`,
    {
      input: {
        story: ids.data!.story.id,
        headline: 'Zelensky: «Pronti a discutere il documento aggiornato»',
        author: 'Redazione Esteri',
        body: 'Il presidente ucraino ha commentato in serata l’esito dei colloqui di Miami: «Siamo pronti a discutere il documento aggiornato», ha scritto su Telegram, dopo una giornata di allarmi aerei a Kiev.',
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
  await page.close();

  await mkdir('docs', { recursive: true });
  for (const [device, viewport] of Object.entries(VIEWPORTS)) {
    for (const colorScheme of ['light', 'dark'] as const) {
      const shot = await browser.context.newPage();
      await shot.emulateMedia({ colorScheme });
      await shot.setViewportSize(viewport);
      await shot.goto(`${server.url}/live/${demoStory.slug}`);
      await shot.waitForSelector('[data-connection="live"]');
      const path = `docs/live-page-${device}-${colorScheme}.png`;
      await shot.screenshot({ path });
      console.log(`wrote ${path}`);
      await shot.close();
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
