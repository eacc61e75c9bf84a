/**
 * How far the newsroom vouches for an entry (unverified, confirmed,
 * disputed) and the outlets it relies on. A change is one transaction under
 * the story's lock that writes the entry and a VERIFICATION_CHANGED event,
 * so tickers flip the badge the moment it commits, and a replay flips it at
 * the same point (the event's snapshot holds the entry's verification).
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Access } from '../access.js';
import { type EntryRow, type EntrySource, VERIFICATIONS, entries, nowMs } from '../db/schema.js';
import { clientError } from '../errors.js';
import { appendEntryEvent, lockEntry } from './entries.js';
import { optionalText, parseInput, text, webUrl } from './validation.js';

export const SOURCE_LIMITS = { sources: 20, outlet: 200, via: 200, url: 2_000 } as const;

const httpUrl = webUrl({ schemes: ['http:', 'https:'], max: SOURCE_LIMITS.url });

const sourceSchema = z.object({
  outlet: text(SOURCE_LIMITS.outlet),
  url: httpUrl.nullish(),
  via: optionalText(SOURCE_LIMITS.via),
});

const setVerificationSchema = z.object({
  verification: z.enum(VERIFICATIONS),
  sources: z.array(sourceSchema).max(SOURCE_LIMITS.sources, `at most ${SOURCE_LIMITS.sources} sources`).nullish(),
});

export type SetVerificationInput = z.input<typeof setVerificationSchema> & { id: number };

/** Sets the entry's verification, and its sources when given (left out, they stay as they are). */
export async function setVerification(access: Access, input: SetVerificationInput): Promise<EntryRow> {
  const valid = parseInput(setVerificationSchema, input);
  const sources: EntrySource[] | undefined = valid.sources?.map((s) => ({ outlet: s.outlet, url: s.url ?? null, via: s.via ?? null }));
  return access.db.transaction(async (tx) => {
    const { story, entry } = await lockEntry(tx, input.id);
    if (entry.status === 'retracted') throw clientError('BAD_USER_INPUT', 'input.id: a retracted entry cannot be verified', { field: 'input.id' });
    const sameSources = sources === undefined || JSON.stringify(sources) === JSON.stringify(entry.sources);
    if (entry.verification === valid.verification && sameSources) return entry; // nothing changes, no event
    const [updated] = await tx
      .update(entries)
      .set({ verification: valid.verification, ...(sources !== undefined ? { sources } : {}), updatedAt: nowMs })
      .where(eq(entries.id, entry.id))
      .returning();
    await appendEntryEvent(tx, access, story, updated!, 'verification_changed');
    return updated!;
  });
}
