import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { makeOrganisationWithStaff } from '../../../test/factories.ts';

type Staff = Awaited<ReturnType<typeof makeOrganisationWithStaff>>;

function assertProblem(res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, code: string): Record<string, unknown> {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = JSON.parse(res.body);
  assert.equal(body.code, code, res.body);
  assert.equal(body.status, status);
  assert.equal(body.type, `urn:emarge:problem:${code}`);
  assert.equal(typeof body.title, 'string');
  return body;
}

describe('the request edge refuses text PostgreSQL cannot store and requests that do not parse', () => {
  let t: TestContext;
  let org: Staff;
  before(async () => {
    t = await createTestContext();
    org = await makeOrganisationWithStaff(t.db);
  });
  after(() => t.close());

  test('a NUL in a JSON field, unauthenticated or not, is 400 invalid_text and nothing is written', async () => {
    const signIn = await t.request({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'a\u0000b@x.test', password: 'whatever-1234' } });
    assertProblem(signIn, 400, 'invalid_text');
    const before = await t.db.selectFrom('people').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const created = await t.request({ method: 'POST', url: '/api/v1/people', as: org.as.admin, payload: { email: 'nul@x.test', givenName: 'Nu\u0000l', familyName: 'Byte', roles: ['learner'] } });
    assert.match(assertProblem(created, 400, 'invalid_text').detail as string, /body\.givenName/);
    const lone = await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.admin, payload: '{"title":"Lone \\ud800 surrogate"}', headers: { 'content-type': 'application/json' } });
    assertProblem(lone, 400, 'invalid_text');
    const afterCount = await t.db.selectFrom('people').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(afterCount.n), Number(before.n));
  });

  test('invalid UTF-8 bytes in a JSON or text body are refused, not replaced by U+FFFD', async () => {
    const payload = Buffer.concat([Buffer.from('{"title":"Caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const res = await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.admin, payload, headers: { 'content-type': 'application/json' } });
    assertProblem(res, 400, 'invalid_text');
    const programs = await t.db.selectFrom('programs').select('title').where('organisation_id', '=', org.organisation.id).execute();
    assert.deepEqual(programs, []);
    // Valid UTF-8 (accents, emoji, CJK) passes.
    const ok = await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.admin, payload: { title: 'Café 😀 日本' } });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().title, 'Café 😀 日本');
  });

  test('a NUL or bad percent-encoding in the query, the path or a header is refused as problem+json', async () => {
    assertProblem(await t.request({ url: '/api/v1/people?q=%00', as: org.as.admin }), 400, 'invalid_text');
    assertProblem(await t.request({ url: '/api/v1/people?q=%FF', as: org.as.admin }), 400, 'malformed_url');
    assertProblem(await t.request({ url: '/api/v1/people?q=%ED%A0%80', as: org.as.admin }), 400, 'malformed_url');
    assertProblem(await t.request({ url: '/api/v1/programs/%FF', as: org.as.admin }), 400, 'malformed_url');
    assertProblem(await t.request({ url: '/api/v1/programs/%E0%A4%A', as: org.as.admin }), 400, 'malformed_url');
    assertProblem(await t.request({ url: '/api/v1/programs/a%00b', as: org.as.admin }), 400, 'invalid_text');
    assertProblem(await t.request({ url: '/api/v1/people', as: org.as.admin, headers: { 'user-agent': 'x\u0000y' } }), 400, 'invalid_text');
    // A well-encoded query still searches.
    const ok = await t.request({ url: `/api/v1/people?q=${encodeURIComponent('é')}`, as: org.as.admin });
    assert.equal(ok.statusCode, 200, ok.body);
  });

  test('JSON nested deeper than 32 levels is 400 nesting_too_deep (no stack overflow)', async () => {
    const payload = `{"title":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    assertProblem(await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.admin, payload, headers: { 'content-type': 'application/json' } }), 400, 'nesting_too_deep');
  });

  test('the text shortcut decides nothing the walk would not: a NUL key, a deep value, brackets and benign escapes in strings', async () => {
    // A NUL in a key arrives as an escape too, so it is walked and refused.
    assertProblem(await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.admin, payload: '{"title":"Keys","a\\u0000b":1}', headers: { 'content-type': 'application/json' } }), 400, 'invalid_text');
    // 33 levels exactly is refused; brackets inside a string are text, and an escape of an ordinary letter is fine.
    const deep = `{"title":"Deep","x":${'['.repeat(32)}${']'.repeat(32)}}`;
    assertProblem(await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.admin, payload: deep, headers: { 'content-type': 'application/json' } }), 400, 'nesting_too_deep');
    const brackets = await t.request({ method: 'POST', url: '/api/v1/programs', as: org.as.admin, payload: `{"title":"${'{['.repeat(40)} \\u0041"}`, headers: { 'content-type': 'application/json' } });
    assert.equal(brackets.statusCode, 201, brackets.body);
    assert.equal(brackets.json().title, `${'{['.repeat(40)} A`);
  });

  test('a multipart body without boundary, with a bad one, or cut short is 400 malformed_multipart', async () => {
    const url = '/api/v1/absences/justifications';
    const noBoundary = await t.request({ method: 'POST', url, as: org.as.learner, payload: '--x\r\n\r\n', headers: { 'content-type': 'multipart/form-data' } });
    assertProblem(noBoundary, 400, 'malformed_multipart');
    const cut = await t.request({ method: 'POST', url, as: org.as.learner, payload: '--b\r\nContent-Disposition: form-data; name="reason"\r\n\r\nunfinish', headers: { 'content-type': 'multipart/form-data; boundary=b' } });
    assertProblem(cut, 400, 'malformed_multipart');
    const long = await t.request({ method: 'POST', url, as: org.as.learner, payload: '--b\r\n\r\n', headers: { 'content-type': `multipart/form-data; boundary=${'b'.repeat(300)}` } });
    assertProblem(long, 400, 'malformed_multipart');
  });

  test('dates outside 1900-2199 are refused by the schema, with their code', async () => {
    const res = await t.request({ url: '/api/v1/questionnaires/insights/struggling?to=9999-12-31', as: org.as.admin });
    const body = assertProblem(res, 400, 'validation_failed');
    assert.deepEqual(body.errors, [{ path: 'querystring.to', message: 'must be in a year from 1900 to 2199', code: 'date_out_of_range', params: { min: 1900, max: 2199 } }]);
    const cohort = await t.request({ method: 'POST', url: '/api/v1/cohorts', as: org.as.admin, payload: { programId: '00000000-0000-4000-8000-000000000000', name: 'Far', startsOn: '0001-01-01' } });
    assert.equal((assertProblem(cohort, 400, 'validation_failed').errors as Array<{ code: string }>)[0]!.code, 'date_out_of_range');
    const week = await t.request({ url: '/api/v1/cohorts/00000000-0000-4000-8000-000000000000/weekly-sheet.pdf?week=0742-W03', as: org.as.admin });
    assert.equal((assertProblem(week, 400, 'validation_failed').errors as Array<{ code: string }>)[0]!.code, 'date_out_of_range');
    const instant = await t.request({ method: 'POST', url: '/api/v1/questionnaires', as: org.as.admin, payload: { kind: 'quiz', title: 'Far', settings: { closesAt: '9999-12-31T23:59:59Z' } } });
    assert.deepEqual((assertProblem(instant, 400, 'validation_failed').errors as Array<{ path: string; code: string }>).map((e) => [e.path, e.code]), [['body.settings.closesAt', 'date_out_of_range']]);
  });
});

describe("Node's HTTP parser's refusals are problem+json too", () => {
  let t: TestContext;
  let port: number;
  before(async () => {
    t = await createTestContext();
    port = Number(new URL(await t.app.listen({ port: 0, host: '127.0.0.1' })).port);
  });
  after(() => t.close());

  /** Sends raw bytes and reads everything the server answers until it closes the connection (5 s at most). */
  function raw(bytes: string | Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`the server did not close the connection; it sent: ${Buffer.concat(chunks).toString()}`));
      }, 5_000);
      socket.on('data', (c) => chunks.push(c));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('latin1'));
      });
      socket.write(bytes);
    });
  }

  function lastProblem(answer: string, status: number, code: string) {
    const responses = answer.split(/(?=HTTP\/1\.1 )/);
    const last = responses.at(-1)!;
    assert.match(last, new RegExp(`^HTTP/1\\.1 ${status} `), answer);
    assert.match(last, /\r\ncontent-type: application\/problem\+json/i, answer);
    const body = JSON.parse(last.slice(last.indexOf('\r\n\r\n') + 4));
    assert.equal(body.code, code);
    assert.equal(body.status, status);
    assert.equal(typeof body.title, 'string');
    return responses;
  }

  test('a bad Content-Length is 400 bad_request', async () => {
    lastProblem(await raw('POST /api/v1/auth/sign-in HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}'), 400, 'bad_request');
  });

  test('headers over the size limit are 431 headers_too_large', async () => {
    lastProblem(await raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), 431, 'headers_too_large');
  });

  test('a header read by the server that is not UTF-8 is 400 invalid_text; UTF-8 bytes pass', async () => {
    const request = (agent: Buffer) => Buffer.concat([Buffer.from('GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\nUser-Agent: '), agent, Buffer.from('\r\n\r\n')]);
    lastProblem(await raw(request(Buffer.from([0x41, 0xff, 0x42]))), 400, 'invalid_text');
    assert.match(await raw(request(Buffer.from('Agent é', 'utf8'))), /^HTTP\/1\.1 200 /);
  });

  test('bytes beyond Content-Length: the first request is answered, then a problem for the rest', async () => {
    const responses = lastProblem(await raw('GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}garbage that is not HTTP\r\n\r\n'), 400, 'bad_request');
    assert.equal(responses.length, 2, responses.join('\n---\n'));
    assert.match(responses[0]!, /^HTTP\/1\.1 200 /);
  });
});
