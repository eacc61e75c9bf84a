/** `Entry.ninjs` and `Story.ninjs`: the IPTC ninjs 2.1 documents of src/formats/ninjs.ts. */
import { entryNinjsByIds, storyNinjsByIds } from '../../loaders/ninjs.js';
import { builder } from '../builder.js';
import { encodeGlobalId } from '../../global-id.js';
import { EntryRef } from './entry.js';
import { StoryRef } from './story.js';

builder.objectField(EntryRef, 'ninjs', (t) =>
  t.loadable({
    type: 'JSON',
    description:
      'The entry as an IPTC ninjs 2.1 document: `version` is its revision; `pubstatus` is `usable` once published, `canceled` once retracted (its body and mentions then gone) and `withheld` for a draft or a scheduled entry (editors only), a scheduled one with `embargoed` set to its publication time; people and places carry their Wikidata and GeoNames URIs.',
    load: (ids: number[], ctx) => entryNinjsByIds(ctx, ids, encodeGlobalId),
    resolve: (entry) => entry.id,
  }),
);

builder.objectField(StoryRef, 'ninjs', (t) =>
  t.loadable({
    type: 'JSON',
    description: `The story as an IPTC ninjs 2.1 \`composite\` document, its newest 50 entries as associations (also at \`/live/<slug>/ninjs.json\`); its \`version\` counts the story's events the caller can see (readers: the public ones, so drafts and scheduling move neither it nor the ETag).`,
    load: (ids: number[], ctx) => storyNinjsByIds(ctx, ids, encodeGlobalId),
    resolve: (story) => story.id,
  }),
);
