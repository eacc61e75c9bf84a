/**
 * Idempotency keys for create mutations. The key row is inserted in the same
 * transaction as the thing it creates: a concurrent retry waits on the
 * primary key until the first request commits, then finds its result; if the
 * first rolled back, the retry simply goes ahead.
 */
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Access } from '../access.js';
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

/**
 * Creates a row at most once per idempotency key: a retry with the same key
 * (and the same request) gets the row the first request created. Runs in the
 * caller's transaction, after whatever locks the caller took.
 */
export async function createOnce<T extends PgTable & { id: PgColumn }>(
  tx: Tx,
  access: Access,
  request: { operation: string; table: T; key: string | null | undefined; input: unknown },
  create: () => Promise<T['$inferSelect'] & { id: number }>,
): Promise<T['$inferSelect']> {
  const claim = await claimIdempotencyKey(tx, `${request.operation}:${access.viewer.subject}`, request.key, request.input);
  if (claim.existingId !== null) {
    const [existing] = await tx
      .select()
      .from(request.table as PgTable)
      .where(eq(request.table.id, claim.existingId));
    if (existing) return existing as T['$inferSelect'];
  }
  const created = await create();
  await claim.complete(created.id);
  return created;
}
