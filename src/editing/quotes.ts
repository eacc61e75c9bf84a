/** Quotes: what an entry reports someone said. Tickers hear of them as an update of the entry. */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Access } from '../access.js';
import { type QuoteRow, quotes, nowMs } from '../db/schema.js';
import { clientError, notFound } from '../errors.js';
import { definedOnly } from './catalog.js';
import { withConstraintErrors } from './database-errors.js';
import { lockEntry, touchEntry } from './entries.js';
import { createOnce } from './idempotency.js';
import { SPEAKER_OR_ATTRIBUTION, namesSomeone, namesSomeoneRule, quoteFields } from './quote-rules.js';
import { idempotencyKey, parseInput } from './validation.js';

const createQuoteSchema = z.object({ ...quoteFields, idempotencyKey }).refine(...namesSomeoneRule);
const updateQuoteSchema = z.object({ ...quoteFields, text: quoteFields.text.optional() });

export async function createQuote(access: Access, entryId: number, input: z.input<typeof createQuoteSchema>): Promise<QuoteRow> {
  const valid = parseInput(createQuoteSchema, input);
  return withConstraintErrors(() =>
    access.db.transaction(async (tx) => {
      const { story, entry } = await lockEntry(tx, entryId, 'input.entry');
      return createOnce(tx, access, { operation: 'createQuote', table: quotes, key: valid.idempotencyKey, input: { ...valid, entryId } }, async () => {
        const [quote] = await tx
          .insert(quotes)
          .values({ entryId, speakerId: valid.speakerId ?? null, attribution: valid.attribution ?? null, text: valid.text, source: valid.source ?? null, context: valid.context ?? null, language: story.language })
          .returning();
        await touchEntry(tx, access, story, entry.id);
        return quote!;
      });
    }),
  );
}

export async function updateQuote(access: Access, id: number, input: z.input<typeof updateQuoteSchema>): Promise<QuoteRow> {
  const valid = parseInput(updateQuoteSchema, input);
  return withConstraintErrors(() =>
    access.db.transaction(async (tx) => {
      const [current] = await tx.select({ entryId: quotes.entryId }).from(quotes).where(eq(quotes.id, id));
      if (!current) throw notFound('input.id', 'No quote with that ID.');
      const { story, entry } = await lockEntry(tx, current.entryId);
      const [quote] = await tx
        .update(quotes)
        .set({ ...definedOnly(valid), updatedAt: nowMs })
        .where(eq(quotes.id, id))
        .returning();
      if (!namesSomeone(quote!)) throw clientError('BAD_USER_INPUT', `input.attribution: ${SPEAKER_OR_ATTRIBUTION}`, { field: 'input.attribution' });
      await touchEntry(tx, access, story, entry.id);
      return quote!;
    }),
  );
}

/**
 * An editor's verdict on a quote linking suggested: confirmed, readers see it;
 * rejected, nobody does and linking does not suggest it again. Correcting a
 * suggestion first (updateQuote) and then confirming it is the way to fix a
 * speaker. Confirming a confirmed quote changes nothing; only a suggestion
 * can be rejected (a quote an editor wrote is corrected, not rejected).
 */
export async function decideQuote(access: Access, id: number, status: 'confirmed' | 'rejected'): Promise<QuoteRow> {
  return access.db.transaction(async (tx) => {
    const [current] = await tx.select({ entryId: quotes.entryId }).from(quotes).where(eq(quotes.id, id));
    if (!current) throw notFound('input.id', 'No quote with that ID.');
    const { story, entry } = await lockEntry(tx, current.entryId);
    const [quote] = await tx.select().from(quotes).where(eq(quotes.id, id));
    if (quote!.status === status) return quote!;
    if (quote!.status !== 'suggested') {
      throw clientError('BAD_USER_INPUT', `input.id: the quote is ${quote!.status}, not a suggestion`, { field: 'input.id', status: quote!.status.toUpperCase() });
    }
    const [decided] = await tx.update(quotes).set({ status, updatedAt: nowMs }).where(eq(quotes.id, id)).returning();
    await touchEntry(tx, access, story, entry.id);
    return decided!;
  });
}
