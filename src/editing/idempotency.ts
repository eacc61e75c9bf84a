/**
 * Idempotency keys for create mutations. The key row is inserted in the same
 * transaction as the thing it creates: a concurrent retry waits on the
 * primary key until the first request commits, then finds its result; if the
 * first rolled back, the retry simply goes ahead.
 */
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { idempotencyKeys } from '../db/schema.js';
import { clientError } from '../errors.js';

export interface IdempotencyClaim {
  /** The id created by an earlier request with this key, if any. */
  existingId: number | null;
  /** Records the id this request created; call it in the same transaction. */
  complete(resultId: number): Promise<void>;
}

export async function claimIdempotencyKey(tx: Tx, scope: string, key: string | null | undefined, request: unknown): Promise<IdempotencyClaim> {
  if (!key) return { existingId: null, complete: async () => {} };
  const requestHash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
  const inserted = await tx.insert(idempotencyKeys).values({ scope, key, requestHash }).onConflictDoNothing().returning({ key: idempotencyKeys.key });
  const where = and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key));
  if (inserted.length === 0) {
    const [previous] = await tx.select().from(idempotencyKeys).where(where);
    if (previous!.requestHash !== requestHash) {
      throw clientError('CONFLICT', 'input.idempotencyKey: already used for a different request', { field: 'input.idempotencyKey' });
    }
    return { existingId: previous!.resultId, complete: async () => {} };
  }
  return {
    existingId: null,
    complete: async (resultId) => {
      await tx.update(idempotencyKeys).set({ resultId }).where(where);
    },
  };
}
