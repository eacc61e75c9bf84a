/** Quotes and mentions: what an entry reports and who or what it is about. */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Context } from '../context.js';
import { type QuoteRow, entries, entryPeople, entryPlaces, quotes, nowMs } from '../db/schema.js';
import { clientError, notFound } from '../errors.js';
import { withConstraintErrors } from './database-errors.js';
import { lockEntry, record } from './entries.js';
import { claimIdempotencyKey } from './idempotency.js';
import { definedOnly } from './catalog.js';
import { idempotencyKey, optionalText, parseInput, text } from './validation.js';

const quoteFields = {
  text: text(5_000),
  speakerId: z.number().int().nullish(),
  attribution: optionalText(200),
  source: optionalText(120),
  context: optionalText(500),
};
const createQuoteSchema = z
  .object({ ...quoteFields, idempotencyKey })
  .refine((q) => q.speakerId != null || q.attribution != null, { message: 'give a speaker or an attribution', path: ['attribution'] });
const updateQuoteSchema = z.object({ ...quoteFields, text: quoteFields.text.optional() });

/** Quotes change what an entry shows, so tickers hear of them as an update of the entry. */
export async function createQuote(ctx: Context, entryId: number, input: z.input<typeof createQuoteSchema>): Promise<QuoteRow> {
  const valid = parseInput(createQuoteSchema, input);
  return withConstraintErrors(() =>
    ctx.db.transaction(async (tx) => {
      const { story, entry } = await lockEntry(tx, entryId, 'input.entry');
      const claim = await claimIdempotencyKey(tx, `createQuote:${ctx.viewer.subject}`, valid.idempotencyKey, { ...valid, entryId });
      if (claim.existingId !== null) return (await tx.select().from(quotes).where(eq(quotes.id, claim.existingId)))[0]!;
      const [quote] = await tx
        .insert(quotes)
        .values({ entryId, speakerId: valid.speakerId ?? null, attribution: valid.attribution ?? null, text: valid.text, source: valid.source ?? null, context: valid.context ?? null, language: story.language })
        .returning();
      await claim.complete(quote!.id);
      const [touched] = await tx.update(entries).set({ updatedAt: nowMs }).where(eq(entries.id, entry.id)).returning();
      await record(tx, ctx, story, touched!, 'updated');
      return quote!;
    }),
  );
}

export async function updateQuote(ctx: Context, id: number, input: z.input<typeof updateQuoteSchema>): Promise<QuoteRow> {
  const valid = parseInput(updateQuoteSchema, input);
  return withConstraintErrors(() =>
    ctx.db.transaction(async (tx) => {
      const [current] = await tx.select({ entryId: quotes.entryId }).from(quotes).where(eq(quotes.id, id));
      if (!current) throw notFound('input.id', 'No quote with that ID.');
      const { story, entry } = await lockEntry(tx, current.entryId);
      const [quote] = await tx
        .update(quotes)
        .set({ ...definedOnly(valid), updatedAt: nowMs })
        .where(eq(quotes.id, id))
        .returning();
      if (quote!.speakerId === null && !quote!.attribution) {
        throw clientError('BAD_USER_INPUT', 'input.attribution: give a speaker or an attribution', { field: 'input.attribution' });
      }
      const [touched] = await tx.update(entries).set({ updatedAt: nowMs }).where(eq(entries.id, entry.id)).returning();
      await record(tx, ctx, story, touched!, 'updated');
      return quote!;
    }),
  );
}

export type MentionTarget = { typename: 'Person' | 'Place'; id: number };

/** Links (or unlinks) an entry and a person or place; an unchanged link records nothing. */
export async function setMention(ctx: Context, entryId: number, target: MentionTarget, linked: boolean) {
  return withConstraintErrors(() =>
    ctx.db.transaction(async (tx) => {
      const { story, entry } = await lockEntry(tx, entryId, 'input.entry');
      const changed =
        target.typename === 'Person'
          ? linked
            ? await tx.insert(entryPeople).values({ entryId, personId: target.id }).onConflictDoNothing().returning({ entryId: entryPeople.entryId })
            : await tx.delete(entryPeople).where(and(eq(entryPeople.entryId, entryId), eq(entryPeople.personId, target.id))).returning({ entryId: entryPeople.entryId })
          : linked
            ? await tx.insert(entryPlaces).values({ entryId, placeId: target.id }).onConflictDoNothing().returning({ entryId: entryPlaces.entryId })
            : await tx.delete(entryPlaces).where(and(eq(entryPlaces.entryId, entryId), eq(entryPlaces.placeId, target.id))).returning({ entryId: entryPlaces.entryId });
      if (changed.length === 0) return entry;
      const [touched] = await tx.update(entries).set({ updatedAt: nowMs }).where(eq(entries.id, entry.id)).returning();
      await record(tx, ctx, story, touched!, 'updated');
      return touched!;
    }),
  );
}
