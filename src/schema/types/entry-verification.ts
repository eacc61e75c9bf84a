/** Entry.verification and Entry.sources, and the mutation that changes them. */
import type { EntryRow, EntrySource } from '../../db/schema.js';
import { setVerification } from '../../editing/verification.js';
import { canSeeUnpublished } from '../../viewer.js';
import { builder } from '../builder.js';
import { parseNodeId } from '../../global-id.js';
import { EntryRef } from './entry.js';

export const VerificationEnum = builder.enumType('Verification', {
  description: 'How far the newsroom vouches for what an entry says.',
  values: {
    UNVERIFIED: { value: 'unverified', description: 'Reported, not yet verified by the newsroom (the default).' },
    CONFIRMED: { value: 'confirmed', description: 'The newsroom confirmed it.' },
    DISPUTED: { value: 'disputed', description: 'Contradicted or contested by other sources.' },
  } as const,
});

const EntrySourceRef = builder.objectRef<EntrySource>('EntrySource').implement({
  description: 'An outlet an entry relies on, e.g. "Tass citing the Defence Ministry".',
  fields: (t) => ({
    outlet: t.exposeString('outlet', { description: 'The outlet or channel, e.g. "Tass".' }),
    url: t.exposeString('url', { nullable: true, description: 'Where the outlet published it, when known, as the URL standard serialises it (spaces, quotes, `<` and `>` percent-encoded).' }),
    via: t.exposeString('via', { nullable: true, description: 'Whom the outlet cites, e.g. "the Defence Ministry".' }),
  }),
});

builder.objectFields(EntryRef, (t) => ({
  verification: t.field({
    type: VerificationEnum,
    description: 'How far the newsroom vouches for it; tickers receive VERIFICATION_CHANGED when it changes.',
    // Events written before verification existed have no value in their snapshot.
    resolve: (entry) => entry.verification ?? 'unverified',
  }),
  sources: t.field({
    type: [EntrySourceRef],
    description: 'The outlets it relies on, in the order the newsroom gives them (none for readers once it is retracted).',
    resolve: (entry, _args, ctx) => (entry.status === 'retracted' && !canSeeUnpublished(ctx.viewer) ? [] : (entry.sources ?? [])),
  }),
}));

const SourceInput = builder.inputType('EntrySourceInput', {
  description: 'An outlet an entry relies on.',
  fields: (t) => ({
    outlet: t.string({ required: true, description: 'The outlet or channel, up to 200 characters.' }),
    url: t.string({ description: 'Absolute http(s) URL where it published it, without user name or password; stored as the URL standard serialises it.' }),
    via: t.string({ description: 'Whom the outlet cites, up to 200 characters.' }),
  }),
});

builder.relayMutationField(
  'setVerification',
  {
    description: 'Sets how far the newsroom vouches for an entry, and optionally its sources.',
    inputFields: (t) => ({
      id: t.id({ required: true, description: 'The entry.' }),
      verification: t.field({ type: VerificationEnum, required: true, description: 'Unverified, confirmed or disputed.' }),
      sources: t.field({ type: [SourceInput], description: 'The outlets it relies on (at most 20), replacing the previous list; left out, the list stays as it is.' }),
    }),
  },
  {
    description: 'Changes an entry\'s verification (editors); tickers receive VERIFICATION_CHANGED with the entry as it now is.',
    resolve: async (_root, { input }, ctx) => ({
      entry: await setVerification(ctx, { id: parseNodeId(String(input.id), 'input.id', ['Entry']).id, verification: input.verification, sources: input.sources }),
    }),
  },
  {
    description: 'The entry after the change.',
    outputFields: (t) => ({ entry: t.field({ type: EntryRef, description: 'The entry.', resolve: (p: { entry: EntryRow }) => p.entry }) }),
  },
);
