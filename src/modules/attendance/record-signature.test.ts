import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { hashToken } from '../../platform/auth/tokens.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { makeAttendanceFixture, sampleStrokes } from './attendance-test-fixtures.ts';
import { loadAttendanceSession } from './attendance-session.ts';
import { createSigningLink } from './create-signing-link.ts';
import { ensureSheet } from './ensure-sheet.ts';
import { lockSigningState, recordSignature } from './record-signature.ts';
import { renderSignaturePng, signatureStrokesSchema } from './signature-strokes.ts';

type Fixture = Awaited<ReturnType<typeof makeAttendanceFixture>>;

/** Signing reads the record (locked) and the sheet in one statement, then writes everything in one statement gated on the sheet. */
describe('recordSignature: one locked read, one gated write', () => {
  let t: TestContext;
  let f: Fixture;
  const link = (personId: string) =>
    withTenant(t.db, f.organisation.id, (trx) => createSigningLink(trx, { organisationId: f.organisation.id, sessionId: f.session.id, personId, expiresAt: new Date('2026-03-02T13:00:00Z'), publicUrl: 'http://localhost:3000' }));
  const signLink = (token: string) => t.request({ method: 'POST', url: '/api/v1/sign/link', payload: { token, strokes: sampleStrokes() } as never });
  const countEvidence = async () => Number((await t.db.selectFrom('evidence_entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const countSignatures = async (personId: string) =>
    Number((await t.db.selectFrom('signatures').select((eb) => eb.fn.countAll<number>().as('n')).where('person_id', '=', personId).executeTakeFirstOrThrow()).n);

  before(async () => {
    t = await createTestContext();
    f = await makeAttendanceFixture(t.db, { learners: 4 });
    t.clock.set('2026-03-02T08:01:00Z');
    await withTenant(t.db, f.organisation.id, (trx) => ensureSheet(trx, f.session.id));
  });
  after(() => t.close());

  test('a sheet locked after the state was read (a stale read) refuses the signature: nothing written, the link not spent', async () => {
    const learner = f.learners[1]!;
    const { token } = await link(learner.id);
    const tokenHash = hashToken(token);
    const rendered = renderSignaturePng(signatureStrokesSchema.parse(sampleStrokes()));
    const outcome = await withTenant(t.db, f.organisation.id, async (trx) => {
      const loaded = (await loadAttendanceSession(trx, f.session.id))!;
      const state = (await lockSigningState(trx, f.session.id, learner.id))!;
      assert.equal(state.sheet.status, 'open');
      await trx.updateTable('attendance_sheets').set({ status: 'locked' }).where('session_id', '=', f.session.id).execute();
      const error = await recordSignature(trx, {
        loaded, state, personId: learner.id, method: 'link', role: 'learner', authentication: { via: 'signing_link' }, meta: { ip: '127.0.0.1', userAgent: 'test' },
        rendered, geolocation: null, now: t.clock.now(), auditAs: { kind: 'person', personId: learner.id }, window: 'enforce',
        spendLink: { tokenHash, usedAt: null, expiresAt: new Date('2026-03-02T13:00:00Z') },
      }).then(() => null, (e: unknown) => e);
      const signatures = await trx.selectFrom('signatures').select('id').where('person_id', '=', learner.id).execute();
      const spent = await trx.selectFrom('signing_links').select('used_at').where('token_hash', '=', tokenHash).executeTakeFirstOrThrow();
      const record = await trx.selectFrom('attendance_records').select(['status', 'signature_id']).where('session_id', '=', f.session.id).where('person_id', '=', learner.id).executeTakeFirstOrThrow();
      await trx.updateTable('attendance_sheets').set({ status: 'open' }).where('session_id', '=', f.session.id).execute();
      return { error, signatures: signatures.length, spent: spent.used_at, record };
    });
    assert.ok(outcome.error instanceof AppError, String(outcome.error));
    assert.equal(outcome.error.code, 'sheet_locked');
    assert.equal(outcome.signatures, 0);
    assert.equal(outcome.spent, null);
    assert.deepEqual(outcome.record, { status: 'pending', signature_id: null });
    // The same link still signs once the sheet is open.
    const res = await signLink(token);
    assert.equal(res.statusCode, 201, res.body);
  });

  test('a signing that waits for a record locked by a concurrent sheet lock is refused once the lock commits', async () => {
    const learner = f.learners[2]!;
    const { token } = await link(learner.id);
    const evidenceBefore = await countEvidence();
    let signing: ReturnType<typeof signLink> | null = null;
    await withTenant(t.db, f.organisation.id, async (trx) => {
      // What lockSheet does: the sheet, then the pending records.
      await trx.updateTable('attendance_sheets').set({ status: 'locked' }).where('session_id', '=', f.session.id).execute();
      await trx.updateTable('attendance_records').set({ status: 'absent', reason: 'not signed when the sheet was locked' }).where('session_id', '=', f.session.id).where('person_id', '=', learner.id).execute();
      signing = signLink(token); // on PostgreSQL it blocks on the record lock; on PGlite it queues behind this transaction
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    const res = await signing!;
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(res.json().code, 'sheet_locked');
    assert.equal(await countSignatures(learner.id), 0);
    assert.equal(await countEvidence(), evidenceBefore);
    const spent = await t.db.selectFrom('signing_links').select('used_at').where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
    assert.equal(spent.used_at, null);
  });
});
