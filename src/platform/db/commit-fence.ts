import { AsyncLocalStorage } from 'node:async_hooks';
import type { Transaction } from 'kysely';
import type { Database } from './schema.ts';

/**
 * A check run as the last statement of every transaction opened by withTenant / withSystem within a scope
 * (an HTTP request holding an Idempotency-Key): it records, in that same transaction, that the request's
 * change committed, and throws to roll the transaction back when the request no longer owns its key.
 */
export type CommitFence = (trx: Transaction<Database>) => Promise<void>;

const fences = new AsyncLocalStorage<CommitFence>();

/** Runs `fn` (and everything it starts) under `fence`. */
export function runWithCommitFence<T>(fence: CommitFence, fn: () => T): T {
  return fences.run(fence, fn);
}

/** Applies the scope's fence, if any, inside `trx` before it commits. */
export async function applyCommitFence(trx: Transaction<Database>): Promise<void> {
  const fence = fences.getStore();
  if (fence) await fence(trx);
}
