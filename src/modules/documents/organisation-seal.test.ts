import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeAttendanceFixture } from '../attendance/attendance-test-fixtures.ts';
import { assertSealValid } from './documents-test-support.ts';

const dir = mkdtempSync(join(tmpdir(), 'emarge-p12-'));
function openssl(args: string[]): void {
  const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
}

/** A CA-issued RSA seal and an EC one, made with openssl (the tool an organisation would use). */
function makeP12s() {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=Test CA']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'seal.key', '-out', 'seal.csr', '-subj', '/CN=Organisme Uploaded/O=Organisme Uploaded']);
  openssl(['x509', '-req', '-in', 'seal.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'seal.crt', '-days', '3650']);
  openssl(['pkcs12', '-export', '-inkey', 'seal.key', '-in', 'seal.crt', '-certfile', 'ca.crt', '-out', 'seal.p12', '-passout', 'pass:s3cret']);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ec.key', '-out', 'ec.crt', '-days', '365', '-subj', '/CN=EC']);
  openssl(['pkcs12', '-export', '-inkey', 'ec.key', '-in', 'ec.crt', '-out', 'ec.p12', '-passout', 'pass:s3cret']);
  return { rsa: readFileSync(join(dir, 'seal.p12')).toString('base64'), ec: readFileSync(join(dir, 'ec.p12')).toString('base64') };
}

describe('organisation seal', () => {
  let t: TestContext;
  let f: Awaited<ReturnType<typeof makeAttendanceFixture>>;
  let p12: { rsa: string; ec: string };

  before(async () => {
    t = await createTestContext();
    f = await makeAttendanceFixture(t.db, { learners: 1 });
    p12 = makeP12s();
  });
  after(() => t.close());

  test('generated self-signed at first use, once, beside an existing qr_key', async () => {
    await t.db.insertInto('organisation_secrets').values({ organisation_id: f.organisation.id, qr_key: Buffer.alloc(32, 7) }).execute();
    const [a, b] = await Promise.all([
      t.request({ method: 'GET', url: '/api/v1/organisation/seal', as: f.as.admin }),
      t.request({ method: 'GET', url: '/api/v1/organisation/seal', as: f.as.manager }),
    ]);
    assert.equal(a.statusCode, 200, a.body);
    assert.equal(a.json().fingerprint, b.json().fingerprint);
    assert.equal(a.json().selfSigned, true);
    assert.equal(a.json().keyBits, 3072);
    const row = await t.db.selectFrom('organisation_secrets').selectAll().where('organisation_id', '=', f.organisation.id).executeTakeFirstOrThrow();
    assert.deepEqual([...row.qr_key], [...Buffer.alloc(32, 7)], 'qr_key must be kept');
    assert.equal((await t.request({ method: 'GET', url: '/api/v1/organisation/seal', as: f.as.trainer })).statusCode, 403);
  });

  test("an admin uploads the organisation's own PKCS#12; new documents are sealed with it", async () => {
    t.clock.set(new Date()); // the openssl certificate starts now
    const res = await t.request({ method: 'PUT', url: '/api/v1/organisation/seal', as: f.as.admin, payload: { p12: p12.rsa, passphrase: 's3cret' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().selfSigned, false);
    assert.match(res.json().subject, /CN=Organisme Uploaded/);
    const sheet = await t.request({ method: 'GET', url: `/api/v1/sessions/${f.session.id}/sheet.pdf`, as: f.as.admin });
    assertSealValid(sheet.rawPayload, 'sheet sealed with the uploaded seal');
    const v = (await t.request({ method: 'POST', url: '/api/v1/verify', headers: { 'content-type': 'application/pdf' }, payload: sheet.rawPayload })).json();
    assert.equal(v.valid, true);
    assert.equal(v.sealedBy.fingerprint, res.json().fingerprint);
    assert.equal(v.sealedBy.commonName, 'Organisme Uploaded');
    const audit = await t.db.selectFrom('audit_events').select('type').where('type', '=', 'organisation.seal_replaced').execute();
    assert.equal(audit.length, 1);
  });

  test('refused: wrong passphrase, EC key, not base64, managers', async () => {
    const put = (payload: unknown, as = f.as.admin) => t.request({ method: 'PUT', url: '/api/v1/organisation/seal', as, payload: payload as never });
    const wrong = await put({ p12: p12.rsa, passphrase: 'nope' });
    assert.equal(wrong.statusCode, 422);
    assert.equal(wrong.json().code, 'seal_invalid');
    assert.equal(wrong.json().errors[0].path, 'body.p12');
    assert.equal((await put({ p12: p12.ec, passphrase: 's3cret' })).statusCode, 422);
    assert.equal((await put({ p12: 'not base64 at all!', passphrase: 'x' })).statusCode, 422);
    assert.equal((await put({ p12: p12.rsa, passphrase: 's3cret', extra: 1 })).statusCode, 400);
    assert.equal((await put({ p12: p12.rsa, passphrase: 's3cret' }, f.as.manager)).statusCode, 403);
  });
});
