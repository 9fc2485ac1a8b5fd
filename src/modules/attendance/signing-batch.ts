import { CompiledQuery } from 'kysely';
import { type Db, queryPrepared } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';

/**
 * Group read and group commit for the signing burst.
 *
 * Group read (readLinkSigningState): a link signing's first statement reads the
 * link's state (emarge_link_signing_states, platform/db/definitions/). Signings arriving
 * while a read is in flight queue their token hashes; the next read takes them
 * all (at most 128) in one statement: one round trip, one transaction, one
 * function call for the lot instead of one each. As for writes, there is no
 * timer: the first signing finding the reader idle is read at once, alone.
 *
 * Group commit for the signing burst. A signing that is ready to write (checked,
 * rendered, evidence hashed) joins a queue; a flush writes every queued row of
 * one organisation in ONE statement, so ONE transaction and ONE commit
 * (emarge_write_signatures, the one signing write: see writeRows). There is no timer: the first row
 * finding the writer idle is written at once, alone; the rows that arrive while
 * that write is in flight wait for the next flush, so a burst is written in
 * batches about the size of what arrives during one write.
 *
 * Each caller's promise settles only after its transaction committed (or failed):
 * - 'written': this row is committed (its 201 is durable);
 * - 'skipped': its record, sheet or link changed (already signed, sheet locked or
 *   amended, link spent): nothing was written for it, the others in its batch
 *   were; the caller takes the locking path, which answers why;
 * - 'failed': the batch statement failed as a whole (nothing of it was written):
 *   the caller writes its row alone, so one bad row cannot fail others.
 *
 * Rows that need webhook deliveries get them in the batch's transaction (a tenant
 * transaction then, instead of the statement alone).
 */
export type BatchOutcome = 'written' | 'skipped' | 'failed';

export interface BatchedRow {
  organisationId: string;
  signatureId: string;
  /** The row as JSON object members after '{' (the write adds its position "i"): see signingRowMembers in record-signature.ts. */
  members: string;
  /** Writes what must commit with this signature (webhook deliveries), in the batch's transaction; null: nothing. */
  emit: ((trx: Tx) => Promise<void>) | null;
}

interface Pending extends BatchedRow {
  settle: (outcome: BatchOutcome) => void;
}

/**
 * Writes in flight at once per database: one, the classic group commit (measured in bench:signing against two:
 * larger batches, ~0.1-0.25 ms less PostgreSQL CPU per signing, higher throughput).
 */
const MAX_IN_FLIGHT = 1;
/** Rows per statement at most (about 8 KB each). */
const MAX_BATCH = 128;

const WRITE_SIGNATURES_SQL = 'SELECT w AS id FROM emarge_write_signatures($1::uuid, $2::jsonb) AS w';

class SignatureBatcher {
  readonly db: Db;
  queue: Pending[] = [];
  inFlight = 0;

  constructor(db: Db) {
    this.db = db;
  }

  add(row: BatchedRow): Promise<BatchOutcome> {
    return new Promise((settle) => {
      this.queue.push({ ...row, settle });
      this.pump();
    });
  }

  pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const organisationId = this.queue[0]!.organisationId;
      const batch: Pending[] = [];
      const rest: Pending[] = [];
      for (const p of this.queue) (p.organisationId === organisationId && batch.length < MAX_BATCH ? batch : rest).push(p);
      this.queue = rest;
      this.inFlight += 1;
      void this.flush(organisationId, batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  async flush(organisationId: string, batch: Pending[]): Promise<void> {
    let written: Set<string>;
    try {
      written = await writeRows({ db: this.db }, organisationId, batch);
    } catch {
      for (const p of batch) p.settle('failed');
      return;
    }
    for (const p of batch) p.settle(written.has(p.signatureId) ? 'written' : 'skipped');
  }
}

/** The rows as the JSON array emarge_write_signatures takes (each row's position "i" first). */
function rowsJson(rows: readonly BatchedRow[]): string {
  return `[${rows.map((p, i) => `{"i":${i},${p.members}`).join(',')}]`;
}

/**
 * Writes rows of one organisation through emarge_write_signatures
 * (platform/db/definitions/emarge_write_signatures.sql), the only signing write:
 * in `trx` when given (the locking path's tenant transaction: the caller emits
 * what must commit with it), else as one statement of its own — prepared on
 * PostgreSQL — or, when a row needs webhook deliveries, one tenant transaction
 * with them. Returns the signature ids written; throws when the statement fails.
 */
export async function writeRows(on: { db: Db } | { trx: Tx }, organisationId: string, rows: readonly BatchedRow[]): Promise<Set<string>> {
  const params = [organisationId, rowsJson(rows)];
  if ('trx' in on) return new Set((await on.trx.executeQuery<{ id: string }>(CompiledQuery.raw(WRITE_SIGNATURES_SQL, params))).rows.map((r) => r.id));
  const { db } = on;
  if (rows.some((p) => p.emit)) {
    return withTenant(db, organisationId, async (tenantTrx) => {
      const result = await tenantTrx.executeQuery<{ id: string }>(CompiledQuery.raw(WRITE_SIGNATURES_SQL, params));
      const ids = new Set(result.rows.map((r) => r.id));
      for (const p of rows) if (p.emit && ids.has(p.signatureId)) await p.emit(tenantTrx);
      return ids;
    });
  }
  return new Set((await queryPrepared<{ id: string }>(db, 'emarge_write_signatures', WRITE_SIGNATURES_SQL, params)).map((r) => r.id));
}

const READ_STATES_SQL = 'SELECT * FROM emarge_link_signing_states($1::text[])';

/** One caller waiting for its link's state. */
interface PendingRead {
  tokenHash: string;
  resolve: (row: Record<string, unknown> | null) => void;
  reject: (err: unknown) => void;
}

class LinkStateReader {
  readonly db: Db;
  queue: PendingRead[] = [];
  reading = false;

  constructor(db: Db) {
    this.db = db;
  }

  read(tokenHash: string): Promise<Record<string, unknown> | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ tokenHash, resolve, reject });
      if (!this.reading) void this.drain();
    });
  }

  async drain(): Promise<void> {
    this.reading = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const rows = await queryPrepared<Record<string, unknown> & { token_hash: string }>(this.db, 'emarge_link_signing_states', READ_STATES_SQL, [batch.map((p) => p.tokenHash)]);
          const byToken = new Map(rows.map((r) => [r.token_hash, r]));
          for (const p of batch) p.resolve(byToken.get(p.tokenHash) ?? null);
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.reading = false;
    }
  }
}

/** One instance of `make(db)` per database, made on first use. */
function perDatabase<T>(make: (db: Db) => T): (db: Db) => T {
  const instances = new WeakMap<Db, T>();
  return (db) => {
    let instance = instances.get(db);
    if (!instance) {
      instance = make(db);
      instances.set(db, instance);
    }
    return instance;
  };
}

const readerOf = perDatabase((db) => new LinkStateReader(db));
const batcherOf = perDatabase((db) => new SignatureBatcher(db));

/** The state a link signing needs (see emarge_link_signing_states), read with the other links queued meanwhile; null: no such link. */
export function readLinkSigningState<R>(db: Db, tokenHash: string): Promise<R | null> {
  return readerOf(db).read(tokenHash) as Promise<R | null>;
}

/** Queues one prepared signature for the next group commit on this database; settles after its transaction. */
export function writeSignatureBatched(db: Db, row: BatchedRow): Promise<BatchOutcome> {
  return batcherOf(db).add(row);
}
