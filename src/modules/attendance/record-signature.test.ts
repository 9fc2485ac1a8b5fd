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

/**
 * A link signing reads without a lock and writes in one statement (migration 0016); whatever changed
 * in between makes the write refuse and the locking path answer. These are the cases where that matters.
 */
describe('signing with a link: the unlocked read, the all-or-nothing write', () => {
  let t: TestContext;
  let f: Fixture;
  const link = (personId: string) =>
    withTenant(t.db, f.organisation.id, (trx) => createSigningLink(trx, { organisationId: f.organisation.id, sessionId: f.session.id, personId, expiresAt: new Date('2026-03-02T13:00:00Z'), publicUrl: 'http://localhost:3000' }));
  const signLink = (token: string, seed = 0) => t.request({ method: 'POST', url: '/api/v1/sign/link', payload: { token, strokes: sampleStrokes(seed) } as never });
  const count = async (table: 'signatures' | 'evidence_entries' | 'audit_events' | 'webhook_deliveries') =>
    Number((await t.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  before(async () => {
    t = await createTestContext();
    f = await makeAttendanceFixture(t.db, { learners: 4 });
    t.clock.set('2026-03-02T08:01:00Z');
    await withTenant(t.db, f.organisation.id, (trx) => ensureSheet(trx, f.session.id));
  });
  after(() => t.close());

  test('the same link sent twice at once: one signature, one evidence entry, and both answers carry the first proof', async () => {
    const learner = f.learners[0]!;
    const { token } = await link(learner.id);
    const before = { signatures: await count('signatures'), evidence: await count('evidence_entries'), audits: await count('audit_events') };
    const [a, b] = await Promise.all([signLink(token, 1), signLink(token, 2)]);
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 201], `${a.body} ${b.body}`);
    const first = a.statusCode === 201 ? a.json() : b.json();
    const replay = a.statusCode === 201 ? b.json() : a.json();
    assert.equal(replay.replayed, true);
    for (const key of ['signatureId', 'status', 'signedAt', 'method', 'strokesSha256', 'pngSha256'] as const) assert.equal(replay[key], first[key], key);
    assert.equal(await count('signatures'), before.signatures + 1);
    assert.equal(await count('evidence_entries'), before.evidence + 1);
    assert.equal(await count('audit_events'), before.audits + 1);
    const record = await t.db.selectFrom('attendance_records').select(['signature_id', 'method']).where('session_id', '=', f.session.id).where('person_id', '=', learner.id).executeTakeFirstOrThrow();
    assert.deepEqual(record, { signature_id: first.signatureId, method: 'link' });
  });

  test('a second link of a person who already signed: the first proof, the second link not spent', async () => {
    const learner = f.learners[1]!;
    const first = await signLink((await link(learner.id)).token, 3);
    assert.equal(first.statusCode, 201, first.body);
    const { token } = await link(learner.id);
    const again = await signLink(token, 4);
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().signatureId, first.json().signatureId);
    const spent = await t.db.selectFrom('signing_links').select('used_at').where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
    assert.equal(spent.used_at, null);
  });

  test('with an endpoint subscribed to signature.created, the delivery is written with the signature', async () => {
    const learner = f.learners[2]!;
    const endpoint = await t.db.insertInto('webhook_endpoints').values({ organisation_id: f.organisation.id, url: 'http://127.0.0.1:9/hook', secret: 'whsec_test', events: ['signature.created'] }).returning('id').executeTakeFirstOrThrow();
    try {
      const res = await signLink((await link(learner.id)).token, 5);
      assert.equal(res.statusCode, 201, res.body);
      const deliveries = await t.db.selectFrom('webhook_deliveries').select(['event_type', 'payload']).where('endpoint_id', '=', endpoint.id).execute();
      assert.equal(deliveries.length, 1);
      assert.equal(deliveries[0]!.event_type, 'signature.created');
      const payload = (typeof deliveries[0]!.payload === 'string' ? JSON.parse(deliveries[0]!.payload) : deliveries[0]!.payload) as { data: { signatureId: string; personId: string } };
      assert.equal(payload.data.signatureId, res.json().signatureId);
      assert.equal(payload.data.personId, learner.id);
    } finally {
      await t.db.updateTable('webhook_endpoints').set({ active: false }).where('id', '=', endpoint.id).execute();
    }
  });

  test('the stored signature matches the proof: strokes, PNG and both SHA-256, and the evidence entry names them', async () => {
    const learner = f.learners[3]!;
    const res = await signLink((await link(learner.id)).token, 6);
    assert.equal(res.statusCode, 201, res.body);
    const proof = res.json();
    const rendered = renderSignaturePng(signatureStrokesSchema.parse(sampleStrokes(6)));
    const stored = await t.db.selectFrom('signatures').select(['png', 'png_sha256', 'strokes_sha256']).where('id', '=', proof.signatureId).executeTakeFirstOrThrow();
    assert.ok(Buffer.from(stored.png).equals(rendered.png));
    assert.deepEqual([stored.png_sha256, stored.strokes_sha256, proof.pngSha256, proof.strokesSha256], [rendered.pngSha256, rendered.strokesSha256, rendered.pngSha256, rendered.strokesSha256]);
    const entries = await t.db.selectFrom('evidence_entries').select(['payload']).where('type', '=', 'attendance.signed').execute();
    const mine = entries.map((e) => (typeof e.payload === 'string' ? JSON.parse(e.payload) : e.payload) as { signatureId: string; pngSha256: string; strokesSha256: string }).find((p) => p.signatureId === proof.signatureId);
    assert.ok(mine);
    assert.deepEqual([mine.pngSha256, mine.strokesSha256], [rendered.pngSha256, rendered.strokesSha256]);
  });
});
