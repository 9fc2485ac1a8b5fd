import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { sessionHeaders } from '../../../test/factories.ts';
import { TEST_DB_KIND } from '../../../test/database.ts';
import { hashToken } from '../../platform/auth/tokens.ts';
import { withSystem, withTenant } from '../../platform/db/tenant.ts';
import { prepareEvidence } from './append-evidence.ts';
import { makeAttendanceFixture, sampleStrokes } from './attendance-test-fixtures.ts';
import { createSigningLink } from './create-signing-link.ts';
import { ensureSheet } from './ensure-sheet.ts';
import { renderSignaturePng, signatureStrokesSchema } from './signature-strokes.ts';

type Fixture = Awaited<ReturnType<typeof makeAttendanceFixture>>;

/** Group read and group commit (signing-batch.ts, migrations 0020 and 0023): concurrent link signings share statements; each row stays all-or-nothing. */
describe('signing burst: group read and group commit', () => {
  let t: TestContext;
  let f: Fixture;
  const expiresAt = new Date('2026-03-02T13:00:00Z');
  const link = (personId: string) =>
    withTenant(t.db, f.organisation.id, (trx) => createSigningLink(trx, { organisationId: f.organisation.id, sessionId: f.session.id, personId, expiresAt, publicUrl: 'http://localhost:3000' }));
  const signLink = (token: string, seed = 0) => t.request({ method: 'POST', url: '/api/v1/sign/link', payload: { token, strokes: sampleStrokes(seed) } as never });
  const count = async (table: 'signatures' | 'evidence_entries' | 'audit_events') => Number((await t.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  before(async () => {
    t = await createTestContext();
    f = await makeAttendanceFixture(t.db, { learners: 20 });
    t.clock.set('2026-03-02T08:01:00Z');
    await withTenant(t.db, f.organisation.id, (trx) => ensureSheet(trx, f.session.id));
  });
  after(() => t.close());

  test('a burst of 15 learners (one sending its link twice): every learner signed once, the replay gets the first proof, signings share transactions', async () => {
    const learners = f.learners.slice(0, 15);
    const tokens = await Promise.all(learners.map(async (l) => (await link(l.id)).token));
    const before = { signatures: await count('signatures'), evidence: await count('evidence_entries'), audits: await count('audit_events') };
    const answers = await Promise.all([...tokens.map((token, i) => signLink(token, i)), signLink(tokens[3]!, 99)]);
    const byLearner = new Map<string, { status: number; body: { signatureId: string; replayed: boolean; personId: string } }[]>();
    for (const res of answers) {
      assert.ok(res.statusCode === 201 || res.statusCode === 200, res.body);
      const body = res.json();
      byLearner.set(body.personId, [...(byLearner.get(body.personId) ?? []), { status: res.statusCode, body }]);
    }
    assert.equal(byLearner.size, 15);
    const twice = byLearner.get(learners[3]!.id)!;
    assert.deepEqual(twice.map((a) => a.status).sort(), [200, 201]);
    assert.equal(twice[0]!.body.signatureId, twice[1]!.body.signatureId);
    assert.equal(await count('signatures'), before.signatures + 15);
    assert.equal(await count('evidence_entries'), before.evidence + 15);
    assert.equal(await count('audit_events'), before.audits + 15);
    // Every 201 is on the sheet, and the signatures were written by fewer transactions than signatures.
    const signed = await t.db.selectFrom('attendance_records').select(['person_id', 'signature_id']).where('session_id', '=', f.session.id).where('signature_id', 'is not', null).execute();
    for (const res of answers.filter((r) => r.statusCode === 201)) assert.ok(signed.some((r) => r.signature_id === res.json().signatureId));
    const { rows } = await withSystem(t.db, (trx) => sql<{ n: number }>`SELECT count(DISTINCT xmin::text)::int AS n FROM signatures WHERE session_id = ${f.session.id}`.execute(trx));
    // PGlite has one connection that runs the requests' statements one after another: no write waits for another there.
    if (TEST_DB_KIND === 'postgres') assert.ok(rows[0]!.n < 15, `15 signatures in ${rows[0]!.n} transactions`);
    else assert.ok(rows[0]!.n <= 15);
  });

  test('emarge_write_signatures writes the rows that still hold and skips the others (signed record, spent link, sheet amended, marked since read)', async () => {
    const [fresh, signedAlready, spentLink, staleSheet, markedSince] = f.learners.slice(15, 20);
    const firstOfSigned = await signLink((await link(signedAlready!.id)).token, 7);
    assert.equal(firstOfSigned.statusCode, 201, firstOfSigned.body);
    const spent = await link(spentLink!.id);
    await t.db.updateTable('signing_links').set({ used_at: new Date('2026-03-02T08:00:00Z') }).where('token_hash', '=', hashToken(spent.token)).execute();
    const sheet = await t.db.selectFrom('attendance_sheets').select('version').where('session_id', '=', f.session.id).executeTakeFirstOrThrow();
    const rendered = renderSignaturePng(signatureStrokesSchema.parse(sampleStrokes(5)));
    const now = t.clock.now();
    const row = async (personId: string, token: string | null, sheetVersion: number) => {
      const record = await t.db.selectFrom('attendance_records').select('id').where('session_id', '=', f.session.id).where('person_id', '=', personId).executeTakeFirstOrThrow();
      const evidence = prepareEvidence(f.organisation.id, { type: 'attendance.signed', recordedAt: now, payload: { personId } });
      return {
        record_id: record.id, session_id: f.session.id, person_id: personId, expected_status: 'pending', sheet_version: sheetVersion, link_token_hash: token ? hashToken(token) : null,
        now: now.toISOString(), status: 'present', late_minutes: null, review: null, method: 'link', signature_id: randomUUID(),
        strokes: JSON.parse(rendered.strokesJson), strokes_sha256: rendered.strokesSha256, png: rendered.png.toString('base64'), png_sha256: rendered.pngSha256,
        evidence_id: evidence.id, evidence_type: evidence.type, evidence_recorded_at: evidence.recordedAt, evidence_payload: JSON.parse(evidence.payloadJson), evidence_content_hash: evidence.contentHash,
        actor_type: 'person', actor_id: personId, audit_payload: { personId }, ip: '127.0.0.1', user_agent: 'test',
      };
    };
    const rows = [
      await row(fresh!.id, (await link(fresh!.id)).token, sheet.version),
      await row(signedAlready!.id, null, sheet.version),
      await row(spentLink!.id, spent.token, sheet.version),
      await row(staleSheet!.id, null, sheet.version + 1),
      await row(markedSince!.id, null, sheet.version),
    ].map((r, i) => ({ i, ...r }));
    // The trainer marks this learner absent after their state was read as pending: the row must not overwrite the mark.
    await t.db.updateTable('attendance_records').set({ status: 'absent' }).where('session_id', '=', f.session.id).where('person_id', '=', markedSince!.id).execute();
    const before = { evidence: await count('evidence_entries'), audits: await count('audit_events') };
    const written = await withSystem(t.db, (trx) => sql<{ id: string }>`SELECT w AS id FROM emarge_write_signatures(${f.organisation.id}::uuid, ${JSON.stringify(rows)}::jsonb) AS w`.execute(trx));
    assert.deepEqual(written.rows.map((r) => r.id), [rows[0]!.signature_id]);
    assert.equal(await count('evidence_entries'), before.evidence + 1);
    assert.equal(await count('audit_events'), before.audits + 1);
    const records = await t.db.selectFrom('attendance_records').select(['person_id', 'signature_id', 'status']).where('session_id', '=', f.session.id)
      .where('person_id', 'in', [fresh!.id, signedAlready!.id, spentLink!.id, staleSheet!.id, markedSince!.id]).execute();
    const of = (id: string) => records.find((r) => r.person_id === id)!;
    assert.deepEqual(of(fresh!.id), { person_id: fresh!.id, signature_id: rows[0]!.signature_id, status: 'present' });
    assert.equal(of(signedAlready!.id).signature_id, firstOfSigned.json().signatureId);
    assert.deepEqual(of(spentLink!.id), { person_id: spentLink!.id, signature_id: null, status: 'pending' });
    assert.deepEqual(of(staleSheet!.id), { person_id: staleSheet!.id, signature_id: null, status: 'pending' });
    assert.deepEqual(of(markedSince!.id), { person_id: markedSince!.id, signature_id: null, status: 'absent' });
    const png = await t.db.selectFrom('signatures').select('png').where('id', '=', rows[0]!.signature_id).executeTakeFirstOrThrow();
    assert.ok(Buffer.from(png.png).equals(rendered.png));
    // The link of the spent row was not touched; the skipped learners still sign through the usual path.
    const res = await signLink((await link(staleSheet!.id)).token, 8);
    assert.equal(res.statusCode, 201, res.body);
  });

  test('one group read serves links of two organisations, each read under its own organisation; unknown tokens read nothing', async () => {
    const g = await makeAttendanceFixture(t.db, { learners: 3 });
    await withTenant(t.db, g.organisation.id, (trx) => ensureSheet(trx, g.session.id));
    const linkOf = (fx: Fixture, personId: string) =>
      withTenant(t.db, fx.organisation.id, (trx) => createSigningLink(trx, { organisationId: fx.organisation.id, sessionId: fx.session.id, personId, expiresAt, publicUrl: 'http://localhost:3000' }));
    const mine = [f.learners[0]!, f.learners[1]!];
    const theirs = g.learners.slice(0, 3);
    const tokens = [...(await Promise.all(mine.map((p) => linkOf(f, p.id)))), ...(await Promise.all(theirs.map((p) => linkOf(g, p.id))))].map((l) => l.token);
    // Straight through the function: one statement, rows named by token hash, in the order asked, none for unknown tokens.
    const asked = [hashToken('not-a-token'), ...tokens.map(hashToken).reverse()];
    const { rows } = await withSystem(t.db, (trx) => sql<{ token_hash: string; link_organisation_id: string; sp_id: string; sh_status: string }>`SELECT * FROM emarge_link_signing_states(${asked}::text[])`.execute(trx));
    assert.deepEqual(rows.map((r) => r.token_hash), asked.slice(1));
    const people = [...mine, ...theirs].map((p) => p.id).reverse();
    assert.deepEqual(rows.map((r) => r.sp_id), people);
    assert.deepEqual(rows.map((r) => r.link_organisation_id), [...theirs.map(() => g.organisation.id), ...mine.map(() => f.organisation.id)]);
    assert.ok(rows.every((r) => r.sh_status === 'open'));
    // Through the route, all at once (sharing reads), with unknown tokens among them.
    t.clock.set('2026-03-02T08:02:00Z');
    const answers = await Promise.all([...tokens.map((token, i) => signLink(token, 30 + i)), signLink('nope-nope-nope-nope-nope-nope-nope-nope-nope', 1)]);
    for (const [i, res] of answers.slice(0, tokens.length).entries()) {
      assert.equal(res.statusCode, i < 2 ? 200 : 201, res.body); // learners 0 and 1 of f signed in the first test: first proof
      assert.equal(res.json().personId, people[people.length - 1 - i]);
    }
    assert.equal(answers.at(-1)!.statusCode, 401, answers.at(-1)!.body);
    assert.equal(answers.at(-1)!.json().code, 'signing_link_invalid');
    const signedInG = await t.db.selectFrom('attendance_records').select('person_id').where('session_id', '=', g.session.id).where('signature_id', 'is not', null).execute();
    assert.equal(signedInG.length, 3);
  });

  test('QR signings take the same path: a burst of scanned tickets all sign once, share transactions, and a second scan returns the first proof', async () => {
    const learners = f.learners.slice(19, 20).concat([f.learners[0]!]); // learner 0 signed by link in the first test
    const fresh = [];
    const { makePerson } = await import('../../../test/factories.ts');
    for (let i = 0; i < 10; i++) fresh.push(await makePerson(t.db, f.organisation.id, ['learner'], { givenName: `Qr${i}`, familyName: 'Burst' }));
    await t.db.insertInto('enrolments').values(fresh.map((p) => ({ organisation_id: f.organisation.id, cohort_id: f.cohort.id, person_id: p.id }))).execute();
    await withTenant(t.db, f.organisation.id, (trx) => ensureSheet(trx, f.session.id)); // the new learners' records
    const code = (await t.request({ method: 'GET', url: `/api/v1/sessions/${f.session.id}/qr`, as: f.as.trainer })).json();
    const signers = [...learners, ...fresh];
    const tickets = await Promise.all(signers.map(async (p) => {
      const as = await sessionHeaders(t.db, f.organisation.id, p.id);
      const scanned = await t.request({ method: 'POST', url: '/api/v1/sign/qr/scan', as, payload: { token: code.token } });
      assert.equal(scanned.statusCode, 200, scanned.body);
      return { as, ticket: scanned.json().ticket as string };
    }));
    const answers = await Promise.all(tickets.map(({ as, ticket }, i) => t.request({ method: 'POST', url: '/api/v1/sign/qr', as, payload: { ticket, strokes: sampleStrokes(i) } as never })));
    const firstOfLearner0 = (await t.db.selectFrom('attendance_records').select('signature_id').where('session_id', '=', f.session.id).where('person_id', '=', f.learners[0]!.id).executeTakeFirstOrThrow()).signature_id;
    answers.forEach((res, i) => {
      const expected = signers[i]!.id === f.learners[0]!.id ? 200 : 201;
      assert.equal(res.statusCode, expected, res.body);
      assert.equal(res.json().personId, signers[i]!.id);
      if (expected === 200) assert.equal(res.json().signatureId, firstOfLearner0);
      else assert.equal(res.json().method, 'qr');
    });
    const ids = answers.filter((r) => r.statusCode === 201).map((r) => r.json().signatureId as string);
    const entries = await t.db.selectFrom('evidence_entries').select('payload').where(sql<boolean>`payload->>'signatureId' = ANY (${ids}::text[])`).execute();
    assert.equal(entries.length, ids.length);
    for (const e of entries) assert.ok((e.payload as { authentication: { qrTicketSha256?: string } }).authentication.qrTicketSha256);
    const { rows } = await withSystem(t.db, (trx) => sql<{ n: number }>`SELECT count(DISTINCT xmin::text)::int AS n FROM signatures WHERE id = ANY (${ids}::uuid[])`.execute(trx));
    if (TEST_DB_KIND === 'postgres') assert.ok(rows[0]!.n < ids.length, `${ids.length} QR signatures in ${rows[0]!.n} transactions`);
    // Signing again with the same ticket: the first proof.
    const again = await t.request({ method: 'POST', url: '/api/v1/sign/qr', as: tickets[2]!.as, payload: { ticket: tickets[2]!.ticket, strokes: sampleStrokes(50) } as never });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().signatureId, answers[2]!.json().signatureId);
  });
});
