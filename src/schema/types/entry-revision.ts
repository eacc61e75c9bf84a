/** Entry.revisions: the public history of an entry, each revision with its own correction note. */
import type { EntryRevisionRow } from '../../db/schema.js';
import { readPage } from '../../loaders/keyset.js';
import { type RevisionKey, entryRevisionPages, revisionOrder, revisionsByIds } from '../../loaders/revisions.js';
import { canSeeUnpublished } from '../../viewer.js';
import { builder } from '../builder.js';
import { EntryRef } from './entry.js';

// A Node (node(id:) fetches it again), so that Relay tooling's connection rules hold and clients can cache it by ID.
export const EntryRevisionRef = builder.loadableNode('EntryRevision', {
  description: 'An entry as one edit left it: what it said then, who stood behind it, and the note that explained the change.',
  id: { resolve: (r: EntryRevisionRow) => r.id, parse: Number },
  load: (ids: number[], ctx) => revisionsByIds(ctx, ids),
  sort: (r) => r.id,
  fields: (t) => ({
    revision: t.exposeInt('revision', { description: 'The revision number: 1 is the entry as first written.' }),
    revisedAt: t.expose('createdAt', { type: 'DateTime', description: 'When this revision was written.' }),
    by: t.exposeString('author', {
      nullable: true,
      description: 'Who stands behind this revision for readers: the entry\'s byline as it was at this revision (a display name, never an account id).',
    }),
    editor: t.string({
      nullable: true,
      description: 'The account that wrote this revision (the token\'s subject). Editors only: null for readers.',
      resolve: (r, _args, ctx) => (canSeeUnpublished(ctx.viewer) ? r.editor : null),
    }),
    correctionNote: t.exposeString('correctionNote', { nullable: true, description: 'The public note explaining this revision\'s change; null when it gave none.' }),
    headline: t.exposeString('headline', { description: 'The headline as it was at this revision.' }),
    body: t.exposeString('body', { description: 'The text as it was at this revision.' }),
  }),
});

const EntryRevisionConnection = builder.connectionObject(
  { type: EntryRevisionRef, name: 'EntryRevisionConnection', description: 'A page of an entry\'s revisions.' },
  { name: 'EntryRevisionEdge', description: 'A revision in a page of revisions.' },
);

builder.objectField(EntryRef, 'revisions', (t) =>
  t.loadable({
    type: EntryRevisionConnection,
    description:
      'The entry\'s revisions, newest first, up to the revision this entry object is at (an entry in a past event lists the history it had then). Readers see the revisions published entries went public with; drafts\' and retracted entries\' histories are for editors only.',
    byPath: true,
    args: {
      ...t.arg.connectionArgs(),
      correctionsOnly: t.arg.boolean({ defaultValue: false, description: 'Only revisions that carry a correction note.' }),
    },
    load: async (keys: RevisionKey[], ctx, args) =>
      entryRevisionPages(ctx, keys, readPage(args, revisionOrder, args.correctionsOnly ? 'Entry.revisions:corrections' : 'Entry.revisions'), args.correctionsOnly ?? false),
    resolve: (entry) => ({ entryId: entry.id, upTo: entry.revision }),
  }),
);
