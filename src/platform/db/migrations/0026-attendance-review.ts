import { type Kysely, sql } from 'kysely';
import { execScript } from '../sql-script.ts';

/**
 * A learner's signature that came after the trainer marked them absent or
 * excused does not change the trainer's word: the record keeps its status and
 * carries the signature with `review = 'pending'` until the trainer confirms
 * (the record becomes present or late from the signing time: 'confirmed') or
 * rejects it (the mark stays: 'rejected'); who decided and when beside it.
 * See ARCHITECTURE.md, "The trainer's word and the learner's signature".
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await execScript(
    db,
    `
    ALTER TABLE attendance_records
      ADD COLUMN review text CHECK (review IN ('pending', 'confirmed', 'rejected')),
      ADD COLUMN reviewed_by uuid,
      ADD COLUMN reviewed_at timestamptz;
    `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE attendance_records DROP COLUMN reviewed_at, DROP COLUMN reviewed_by, DROP COLUMN review`.execute(db);
}
