import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Tx } from '../db/tenant.ts';

/**
 * A durable job queue in the same database (DESIGN.md: nothing else to run).
 * Jobs are enqueued in the caller's transaction, so a job exists if and only if
 * the change that asked for it committed. Workers claim due jobs with
 * `FOR UPDATE SKIP LOCKED` (several app servers can share the queue), run them,
 * and record progress, result or error; failures are retried with exponential
 * backoff up to `max_attempts`; a job whose worker died is reclaimed after
 * `staleAfterMs`.
 */
export interface JobContext {
  jobId: number;
  organisationId: string | null;
  attempt: number;
  /** Records progress (shown by the UI and CLI), e.g. { done: 40, total: 300 }. */
  progress(progress: Record<string, unknown>): Promise<void>;
}

export type JobHandler = (payload: Record<string, unknown>, ctx: JobContext) => Promise<Record<string, unknown> | void>;

export interface EnqueueOptions {
  organisationId?: string | null;
  runAt?: Date;
  maxAttempts?: number;
}

/** Adds a job in the caller's transaction (or directly on the database). Pass `runAt` from the app clock; it defaults to the database time. */
export async function enqueueJob(trx: Tx | Db, type: string, payload: Record<string, unknown>, opts: EnqueueOptions = {}): Promise<number> {
  const row = await trx
    .insertInto('jobs')
    .values({
      type,
      payload: JSON.stringify(payload),
      organisation_id: opts.organisationId ?? null,
      ...(opts.runAt ? { run_at: opts.runAt } : {}),
      ...(opts.maxAttempts ? { max_attempts: opts.maxAttempts } : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface JobRunnerOptions {
  db: Db;
  clock: Clock;
  handlers: Record<string, JobHandler>;
  /** Milliseconds a running job may go without finishing before another worker reclaims it. */
  staleAfterMs?: number;
  /** Base of the exponential backoff between attempts. */
  backoffMs?: number;
  workerId?: string;
  onError?: (error: unknown, job: { id: number; type: string }) => void;
}

export class JobRunner {
  readonly #opts: Required<Omit<JobRunnerOptions, 'onError'>> & Pick<JobRunnerOptions, 'onError'>;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<number> | null = null;
  #stopped = false;

  constructor(opts: JobRunnerOptions) {
    this.#opts = { staleAfterMs: 10 * 60_000, backoffMs: 5_000, workerId: `${hostname()}:${process.pid}`, ...opts };
  }

  /** Claims and runs due jobs until none is left; returns how many ran. Safe to call concurrently. */
  runDue(): Promise<number> {
    this.#running ??= this.#drain().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Polls every `intervalMs` until stop(). */
  start(intervalMs = 2_000): void {
    this.#stopped = false;
    const tick = () => {
      if (this.#stopped) return;
      this.runDue()
        .catch((error) => this.#opts.onError?.(error, { id: 0, type: '(poll)' }))
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(tick, intervalMs);
        });
    };
    this.#timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  async #drain(): Promise<number> {
    let ran = 0;
    for (;;) {
      const job = await this.#claim();
      if (!job) return ran;
      await this.#run(job);
      ran++;
    }
  }

  async #claim() {
    const { db, clock, handlers, staleAfterMs, workerId } = this.#opts;
    const now = clock.now();
    const types = Object.keys(handlers);
    if (types.length === 0) return null;
    const result = await sql<{ id: number; type: string; payload: Record<string, unknown>; organisation_id: string | null; attempts: number; max_attempts: number }>`
      UPDATE jobs SET status = 'running', locked_at = ${now}, locked_by = ${workerId}, attempts = attempts + 1
      WHERE id = (
        SELECT id FROM jobs
        WHERE type IN (${sql.join(types)})
          AND ((status = 'queued' AND run_at <= ${now})
            OR (status = 'running' AND locked_at < ${new Date(now.getTime() - staleAfterMs)}))
        ORDER BY run_at, id
        LIMIT 1
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id, type, payload, organisation_id, attempts, max_attempts`.execute(db);
    return result.rows[0] ?? null;
  }

  async #run(job: { id: number; type: string; payload: Record<string, unknown>; organisation_id: string | null; attempts: number; max_attempts: number }) {
    const { db, clock, handlers, backoffMs } = this.#opts;
    const handler = handlers[job.type]!;
    const ctx: JobContext = {
      jobId: job.id,
      organisationId: job.organisation_id,
      attempt: job.attempts,
      progress: async (progress) => {
        await db.updateTable('jobs').set({ progress: JSON.stringify(progress) }).where('id', '=', job.id).execute();
      },
    };
    try {
      const result = await handler(typeof job.payload === 'string' ? JSON.parse(job.payload) : job.payload, ctx);
      await db
        .updateTable('jobs')
        .set({ status: 'done', result: JSON.stringify(result ?? {}), finished_at: clock.now(), locked_at: null, last_error: null })
        .where('id', '=', job.id)
        .execute();
    } catch (error) {
      this.#opts.onError?.(error, job);
      const message = error instanceof Error ? error.message : String(error);
      const final = job.attempts >= job.max_attempts;
      await db
        .updateTable('jobs')
        .set({
          status: final ? 'failed' : 'queued',
          last_error: message.slice(0, 2000),
          locked_at: null,
          run_at: new Date(clock.now().getTime() + backoffMs * 2 ** (job.attempts - 1)),
          ...(final ? { finished_at: clock.now() } : {}),
        })
        .where('id', '=', job.id)
        .execute();
    }
  }
}

/** A job's state as shown to users (progress bars, CLI). */
export async function getJob(db: Db | Tx, id: number) {
  return db.selectFrom('jobs').select(['id', 'type', 'status', 'attempts', 'max_attempts', 'progress', 'result', 'last_error', 'created_at', 'finished_at', 'organisation_id']).where('id', '=', id).executeTakeFirst();
}
