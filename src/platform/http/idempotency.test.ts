import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff } from '../../../test/factories.ts';

type Staff = Awaited<ReturnType<typeof makeOrganisationWithStaff>>;

/**
 * The lease on an Idempotency-Key (the crash itself, with a real SIGKILL, is in idempotency-crash.test.ts):
 * each state a dead request can leave its key in, written directly, and what the retry gets.
 */
describe('Idempotency-Key leases: a key whose request died is released', () => {
  let t: TestContext;
  let org: Staff;
  let actorKey: string;
  before(async () => {
    t = await createTestContext({ env: { IDEMPOTENCY_LEASE_SECONDS: '30' } });
    org = await makeOrganisationWithStaff(t.db);
    actorKey = `p:${org.admin.id}`;
  });
  after(() => t.close());

  const post = (key: string, title: string) => t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.admin, headers: { 'idempotency-key': key }, payload: { title } });
  const programs = async (title: string) => (await t.db.selectFrom('programs').select('id').where('title', '=', title).execute()).length;
  const keyRow = (key: string) => t.db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirstOrThrow();

  /** The row a request leaves when its process dies after claiming `key` with `title`'s body. */
  async function dead(key: string, title: string, state: { leaseLeftSeconds: number; committed: boolean }) {
    // Claim and store it normally, then turn it back into an unfinished claim (the hash is then the real one).
    assert.equal((await post(key, title)).statusCode, 201);
    if (!state.committed) await t.db.deleteFrom('programs').where('title', '=', title).execute();
    await t.db
      .updateTable('idempotency_keys')
      .set({
        status_code: null,
        response_body: null,
        response_type: null,
        lease_owner: '00000000-0000-4000-8000-00000000dead',
        lease_expires_at: sql<Date>`now() + make_interval(secs => ${state.leaseLeftSeconds})`,
        committed_at: state.committed ? sql<Date>`now()` : null,
      })
      .where('key', '=', key)
      .execute();
  }

  test('a write stamps committed_at in its own transaction; a refusal after a read does not', async () => {
    assert.equal((await post('stamp-write-0001', 'Stamped')).statusCode, 201);
    assert.notEqual((await keyRow('stamp-write-0001')).committed_at, null);
    const refused = await t.request({ method: 'POST', url: '/api/v1/programs/00000000-0000-4000-8000-000000000000/modules', as: org.as.admin, headers: { 'idempotency-key': 'stamp-read-0001' }, payload: { title: 'Nowhere' } });
    assert.equal(refused.statusCode, 404, refused.body);
    const row = await keyRow('stamp-read-0001');
    assert.equal(row.committed_at, null);
    assert.equal(row.status_code, 404);
    assert.equal(row.lease_expires_at, null, 'a stored response holds no lease');
  });

  test('while the lease is alive, a retry is 409 idempotency_in_progress with Retry-After', async () => {
    await dead('alive-lease-0001', 'Alive', { leaseLeftSeconds: 20, committed: false });
    const res = await post('alive-lease-0001', 'Alive');
    assert.equal(res.statusCode, 409, res.body);
    assert.equal(res.json().code, 'idempotency_in_progress');
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 20, `Retry-After ${res.headers['retry-after']}`);
  });

  test('lease expired, nothing committed: the retry takes the key over and runs once', async () => {
    await dead('expired-none-0001', 'Expired none', { leaseLeftSeconds: -1, committed: false });
    assert.equal(await programs('Expired none'), 0);
    const res = await post('expired-none-0001', 'Expired none');
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.headers['idempotent-replayed'], undefined);
    assert.equal(await programs('Expired none'), 1);
    const again = await post('expired-none-0001', 'Expired none');
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.json().id, res.json().id);
    assert.equal(await programs('Expired none'), 1);
  });

  test('a key pending from before leases existed (no lease) is released too', async () => {
    await dead('no-lease-0001', 'No lease', { leaseLeftSeconds: 0, committed: false });
    await t.db.updateTable('idempotency_keys').set({ lease_owner: null, lease_expires_at: null }).where('key', '=', 'no-lease-0001').execute();
    assert.equal((await post('no-lease-0001', 'No lease')).statusCode, 201);
    assert.equal(await programs('No lease'), 1);
  });

  test('lease expired after the change committed but before its response was stored: 410, never applied twice', async () => {
    await dead('expired-done-0001', 'Expired done', { leaseLeftSeconds: -1, committed: true });
    const res = await post('expired-done-0001', 'Expired done');
    assert.equal(res.statusCode, 410, res.body);
    assert.equal(res.json().code, 'idempotency_response_lost');
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.equal(await programs('Expired done'), 1);
    // The same body under another key is a new request.
    assert.equal((await post('expired-done-0002', 'Expired done')).statusCode, 201);
  });

  test('a run whose key was taken over cannot commit: its fence rolls its transaction back', async () => {
    // While the request's transaction inserts the program, its key passes to another owner (as a retry would
    // after the lease expired): the commit fence at the end of that transaction must refuse it.
    await sql`
      CREATE FUNCTION fuzz_steal_key() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE idempotency_keys SET lease_owner = '00000000-0000-4000-8000-0000000000ff' WHERE key = 'stolen-key-0001';
        RETURN NEW;
      END $$`.execute(t.db);
    await sql`CREATE TRIGGER fuzz_steal_key BEFORE INSERT ON programs FOR EACH ROW WHEN (NEW.title = 'Stolen') EXECUTE FUNCTION fuzz_steal_key()`.execute(t.db);
    try {
      const res = await post('stolen-key-0001', 'Stolen');
      assert.equal(res.statusCode, 409, res.body);
      assert.equal(res.json().code, 'idempotency_in_progress');
      assert.equal(await programs('Stolen'), 0);
      const row = await keyRow('stolen-key-0001');
      assert.equal(row.committed_at, null);
      assert.equal(row.status_code, null, 'the 409 of a run that lost its key is not stored as the key answer');
    } finally {
      await sql`DROP TRIGGER fuzz_steal_key ON programs`.execute(t.db);
      await sql`DROP FUNCTION fuzz_steal_key()`.execute(t.db);
    }
  });
});
