import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { makeNotifyFixture } from '../src/modules/reminders/notify-test-fixtures.ts';
import { createTestContext, type TestContext } from './context.ts';
import { sessionHeaders } from './factories.ts';

/**
 * THE FUZZ TEST. Every operation of the OpenAPI document, as an admin and unauthenticated, gets requests whose
 * path parameters, query and body are generated from the operation's own schemas (real ids of a small
 * organisation where the schema asks for a uuid), half of them laced with hostile values: NUL characters, lone
 * surrogates, invalid UTF-8 bytes, bad percent-encoding, huge and fractional numbers, far dates, deep nesting,
 * wrong types, broken multipart and mislabelled bodies. Every answer must be below 500, and every error an
 * RFC 9457 problem+json with type, title, status and code. Fixed seed, bounded count: RUNS requests per
 * operation and identity (FUZZ_RUNS overrides it, FUZZ_SEED the seed).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261208);
const RUNS = Number(process.env.FUZZ_RUNS ?? 30);

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  params: string[];
  query: Array<{ name: string; required: boolean; schema: Schema }>;
  body: Schema | null;
  /** A 200 that is a server-sent event stream, which never ends: only requests that must be refused are sent. */
  stream: boolean;
}

const HOSTILE_STRINGS = [
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  '9999-12-31',
  '0000-01-01',
  '0001-01-01',
  '2026-02-30',
  '+275760-09-13T00:00:00.000Z',
  '9999-12-31T23:59:59Z',
  '0001-01-01T00:00:00Z',
  '1e400',
  '-1',
  '',
  ' ',
  'x'.repeat(6000),
  "' OR 1=1 --",
  '../../etc/passwd',
  '%00',
  '<script>alert(1)</script>',
  '😀'.repeat(300),
  '\u202egnp.exe',
  '\r\nX-Injected: 1',
  '00000000-0000-0000-0000-000000000000',
  '__proto__',
  'constructor',
  '\u00ff\u00fe latin-1 bytes',
];
const HOSTILE_NUMBERS = [1e308, -1e308, 2 ** 53 + 2, 2 ** 31, -(2 ** 31) - 1, 2 ** 63, 1.5, -0.5, 1e-300, 0, -1];
/** Raw path or query pieces, sent without encoding. */
const RAW_PIECES = ['%FF', '%E0%A4%A', '%', '%zz', '%C0%80', '%ED%A0%80', '%00', 'a%00b', '%FE%FF'];

/** Percent-encoding; a lone surrogate cannot be encoded as UTF-8 (RAW_PIECES sends its CESU-8 bytes instead). */
function encode(v: string): string {
  return encodeURIComponent(v.toWellFormed());
}

function nested(depth: number): unknown {
  let v: unknown = 'deep';
  for (let i = 0; i < depth; i++) v = i % 2 ? { a: v } : [v];
  return v;
}

const hostileAny: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom(...HOSTILE_NUMBERS),
  fc.constantFrom(null, true, [], {}, nested(40), nested(2000), Array.from({ length: 3000 }, (_, i) => i), { __proto__: { admin: true } }),
  fc.jsonValue({ maxDepth: 3 }),
);

/**
 * How a request is made hostile: `valid` follows the schemas; the others turn the leaves of one kind (every string,
 * every number…) hostile with probability one half, so that one request carries several at once.
 */
const MODES = ['valid', 'valid', 'nul', 'surrogate', 'far', 'huge', 'wrong', 'raw'] as const;
type Mode = (typeof MODES)[number];

const FAR_DATES = ['9999-12-31', '0001-01-01', '1000-01-01', '2999-12-31', '1899-12-31'];
const FAR_INSTANTS = ['9999-12-31T23:59:59Z', '0001-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z', '2999-12-31T23:00:00+01:00', '1000-01-01T00:00:00.000Z'];

/** Generators from one JSON schema of the document (OpenAPI 3.1, as zod writes it). */
class SchemaArbitraries {
  private readonly doc: Schema;
  private readonly ids: string[];

  constructor(doc: Schema, ids: string[]) {
    this.doc = doc;
    this.ids = ids;
  }

  private resolve(schema: Schema): Schema {
    let s = schema;
    while (s?.$ref) s = this.doc.components.schemas[String(s.$ref).split('/').pop()!];
    return s ?? {};
  }

  /** Values the schema accepts (mostly), made hostile as `mode` says. */
  value(schema: Schema, mode: Mode, depth = 0): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    const valid = this.valid(s, mode, depth);
    return mode === 'wrong' ? fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: hostileAny }) : valid;
  }

  private valid(s: Schema, mode: Mode, depth: number): fc.Arbitrary<unknown> {
    const alternatives = s.anyOf ?? s.oneOf;
    if (alternatives) return fc.oneof(...alternatives.map((a: Schema) => this.value(a, mode, depth)));
    if (s.allOf) return this.value(Object.assign({}, ...s.allOf.map((a: Schema) => this.resolve(a))), mode, depth);
    if ('const' in s) return fc.constant(s.const);
    if (s.enum) return fc.constantFrom(...s.enum);
    const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : (s.type ?? (s.properties ? 'object' : undefined));
    switch (type) {
      case 'string': {
        const valid = this.string(s, mode);
        if (mode === 'nul') return fc.oneof(valid, valid.map((v) => `${v}\u0000`), valid.map((v) => `\u0000${v.slice(1)}`));
        if (mode === 'surrogate') return fc.oneof(valid, valid.map((v) => `${v}\ud800`), valid.map((v) => `\udc00${v}`));
        return valid;
      }
      case 'integer':
      case 'number': {
        const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (type === 'integer' ? 1 : 1e-6) : -1000);
        const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (type === 'integer' ? 1 : 1e-6) : Math.max(min + 1000, 1000));
        const valid =
          type === 'integer'
            ? fc.integer({ min: Math.max(Math.ceil(min), Number.MIN_SAFE_INTEGER), max: Math.min(Math.floor(max), Number.MAX_SAFE_INTEGER) })
            : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
        return mode === 'huge' ? fc.oneof(valid, fc.constantFrom(...HOSTILE_NUMBERS)) : valid;
      }
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array': {
        if (depth > 6) return fc.constant([]);
        const minLength = s.minItems ?? 0;
        return fc.array(this.value(s.items ?? {}, mode, depth + 1), { minLength, maxLength: Math.max(minLength, Math.min(s.maxItems ?? 3, 3)) });
      }
      case 'object': {
        if (depth > 6) return fc.constant({});
        const props = Object.entries(s.properties ?? {}) as Array<[string, Schema]>;
        const model: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [k, v] of props) model[k] = this.value(v, mode, depth + 1);
        if (mode === 'wrong' && s.additionalProperties === false) model.unexpected = hostileAny;
        return fc.record(model, { requiredKeys: (s.required ?? []).filter((k: string) => k in model) });
      }
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  private string(s: Schema, mode: Mode): fc.Arbitrary<string> {
    const minLength = s.minLength ?? 0;
    const maxLength = Math.max(minLength, Math.min(s.maxLength ?? 40, 40));
    const dates = fc.date({ min: new Date('2025-06-01T00:00:00Z'), max: new Date('2027-06-01T00:00:00Z'), noInvalidDate: true });
    if (s.format === 'uuid') return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...this.ids) }, { weight: 1, arbitrary: fc.uuid() });
    if (s.format === 'date-time') return mode === 'far' ? fc.constantFrom(...FAR_INSTANTS) : dates.map((d) => d.toISOString());
    if (s.format === 'email') return fc.emailAddress();
    if (s.format === 'uri') return fc.webUrl();
    if (s.pattern) {
      const re = new RegExp(s.pattern);
      if (re.test('2026-03-02')) return mode === 'far' ? fc.constantFrom(...FAR_DATES) : dates.map((d) => d.toISOString().slice(0, 10));
      if (re.test('09:30')) return fc.constantFrom('08:00', '09:30', '12:30', '13:30', '17:00', '23:59');
      return fc.stringMatching(re).filter((v) => v.length >= minLength && v.length <= Math.max(maxLength, 80));
    }
    return fc.string({ minLength: Math.max(minLength, mode === 'nul' || mode === 'surrogate' ? 1 : 0), maxLength, unit: 'grapheme' });
  }
}

/** The operations of the OpenAPI document. */
function operationsOf(doc: Schema): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Schema>>)) {
    for (const [method, op] of Object.entries(item)) {
      const parameters = (op.parameters ?? []) as Array<{ in: string; name: string; required?: boolean; schema: Schema }>;
      ops.push({
        method: method.toUpperCase(),
        path,
        params: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
        query: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, required: Boolean(p.required), schema: p.schema ?? {} })),
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
        stream: op.responses?.['200']?.description === 'text/event-stream',
      });
    }
  }
  return ops;
}

const BOUNDARY = '----emargefuzz';
/** Bodies that are not what their content type says, or not finished. */
const RAW_BODIES: Array<{ type: string; payload: Buffer }> = [
  { type: 'multipart/form-data', payload: Buffer.from('--x\r\nContent-Disposition: form-data; name="reason"\r\n\r\nhello\r\n--x--\r\n') },
  { type: `multipart/form-data; boundary=${BOUNDARY}`, payload: Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="reason"\r\n\r\nunfinished`) },
  { type: `multipart/form-data; boundary=${BOUNDARY}`, payload: Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4`) },
  { type: `multipart/form-data; boundary=${BOUNDARY}`, payload: Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="reason"\r\n\r\na\u0000b\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="sessionIds"\r\n\r\n00000000-0000-4000-8000-000000000000\r\n--${BOUNDARY}--\r\n`) },
  { type: `multipart/form-data; boundary=${'b'.repeat(300)}`, payload: Buffer.from('--b\r\n\r\n') },
  { type: 'multipart/form-data; boundary=', payload: Buffer.from('----\r\n') },
  { type: 'application/json', payload: Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('","name":"x"}')]) },
  { type: 'application/json', payload: Buffer.from('{"title": "cut') },
  { type: 'application/json', payload: Buffer.from('') },
  { type: 'application/json', payload: Buffer.from('{"__proto__": {"x": 1}}') },
  { type: 'application/json; charset=latin1', payload: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]) },
  { type: 'text/plain', payload: Buffer.from([0x61, 0xff, 0x00]) },
  { type: 'text/csv', payload: Buffer.from('email,givenName\r\na\u0000@x.test,\udc00\r\n') },
  { type: 'application/x-www-form-urlencoded', payload: Buffer.from('a=%FF&b=%00') },
  { type: 'application/pdf', payload: Buffer.from('%PDF-1.7\n%%EOF garbage') },
  { type: 'application/xml', payload: Buffer.from('<a/>') },
];

/** Why a response breaks the contract, or null. */
function verdict(res: LightMyRequestResponse): string | null {
  if (res.statusCode >= 500) return `status ${res.statusCode}: ${res.body.slice(0, 300)}`;
  if (res.statusCode < 400) {
    // A success never carries a problem body (a reply sent twice did: the handler's status over a hook's problem).
    return /^\s*\{"type":"urn:emarge:problem:/.test(res.body) ? `status ${res.statusCode} with a problem body: ${res.body.slice(0, 200)}` : null;
  }
  const type = String(res.headers['content-type'] ?? '');
  if (!type.startsWith('application/problem+json')) return `status ${res.statusCode} with content-type "${type}": ${res.body.slice(0, 200)}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(res.body);
  } catch {
    return `status ${res.statusCode}: the problem body is not JSON`;
  }
  for (const field of ['type', 'title', 'code'] as const) if (typeof body[field] !== 'string' || !body[field]) return `status ${res.statusCode}: problem without ${field}: ${res.body.slice(0, 200)}`;
  if (body.status !== res.statusCode) return `status ${res.statusCode}: problem.status is ${String(body.status)}`;
  return null;
}

function describeRequest(r: InjectOptions): string {
  const payload = r.payload === undefined ? '' : Buffer.isBuffer(r.payload) ? r.payload.toString('latin1') : String(r.payload);
  return `${r.method} ${r.url} [${String((r.headers as Record<string, string>)?.['content-type'] ?? '')}] ${JSON.stringify(payload.slice(0, 300))}`;
}

describe('API fuzz: no 5xx and problem+json for every error, on every documented operation', () => {
  let t: TestContext;
  let fixture: Awaited<ReturnType<typeof makeNotifyFixture>>;
  let ids: Record<string, string>;

  before(async () => {
    t = await createTestContext();
    fixture = await makeNotifyFixture(t.db, { extraLearners: 2, sessions: [{ date: '2026-03-02', start: '09:00', end: '12:30' }, { date: '2026-03-03', start: '13:30', end: '17:00' }] });
    const as = fixture.as.admin;
    const post = async (url: string, payload: unknown) => {
      const res = await t.request({ method: 'POST', url, as, payload: payload as never });
      assert.ok(res.statusCode < 300, `${url}: ${res.body}`);
      return res.json();
    };
    const questionnaire = await post('/api/v1/questionnaires', { kind: 'quiz', title: 'Quiz de sécurité' });
    const question = await post(`/api/v1/questionnaire-sections/${questionnaire.sections[0].id}/questions`, { type: 'single', prompt: 'Quel numéro appeler ?', points: 1, options: [{ id: 'a', label: '15', correct: true }, { id: 'b', label: '22' }] });
    const bank = await post('/api/v1/question-banks', { title: 'Banque' });
    const webhook = await post('/api/v1/webhooks', { url: 'https://hooks.example.com/fuzz', events: ['sheet.locked'] });
    ids = {
      programs: fixture.program.id,
      modules: fixture.module.id,
      cohorts: fixture.cohort.id,
      sessions: fixture.sessions[0]!.id,
      people: fixture.learners[1]!.id,
      person: fixture.learner.id,
      questionnaires: questionnaire.id,
      'questionnaire-sections': questionnaire.sections[0].id,
      questions: question.id,
      'question-banks': bank.id,
      webhooks: webhook.id,
      organisations: fixture.organisation.id,
    };
  });
  after(() => t.close());

  /** A real id for a path parameter, from the segment before it (`/programs/{id}`) or its name (`{personId}`). */
  function realId(path: string, name: string): string | undefined {
    const segments = path.split('/');
    const before = segments[segments.indexOf(`{${name}}`) - 1] ?? '';
    const base = name.replace(/Id$/, '');
    return name === 'id' ? ids[before] : (ids[base] ?? ids[`${base}s`] ?? ids[base.replace(/y$/, 'ies')]);
  }

  test(`${RUNS} requests per operation and identity (seed ${SEED})`, async () => {
    const doc = (t.app as unknown as { swagger(): Schema }).swagger();
    const ops = operationsOf(doc);
    assert.ok(ops.length >= 100, `only ${ops.length} operations in the document`);
    const schemas = new SchemaArbitraries(doc, Object.values(ids));
    const failures: string[] = [];
    let requests = 0;
    const statuses = new Map<number, number>();

    for (const op of ops) {
      for (const identity of ['admin', 'anonymous'] as const) {
        // A fresh session per operation: an earlier one may have signed out.
        const auth = identity === 'admin' ? await sessionHeaders(t.db, fixture.organisation.id, fixture.admin.id) : {};
        const request = (op.stream ? fc.constantFrom<Mode>('nul', 'surrogate', 'raw', 'wrong') : fc.constantFrom(...MODES)).chain((mode) => {
          const params = op.params.map((name) => {
            const real = op.stream ? undefined : realId(op.path, name);
            const valid = (real ? fc.oneof({ weight: 3, arbitrary: fc.constant(real) }, { weight: 1, arbitrary: fc.uuid() }) : fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 30 }))).map((v) => encode(v));
            if (mode === 'nul') return fc.oneof(valid, valid.map((v) => `${v}%00`));
            if (mode === 'raw') return fc.oneof(valid, fc.constantFrom(...RAW_PIECES));
            if (mode === 'wrong') return fc.oneof(valid, fc.constantFrom(...HOSTILE_STRINGS).filter((v) => v !== '').map((v) => encode(v)));
            return valid;
          });
          const query = fc.tuple(
            ...op.query.map((q) => (q.required && mode === 'valid' ? schemas.value(q.schema, mode).map((v) => [q.name, v] as const) : fc.option(schemas.value(q.schema, mode).map((v) => [q.name, v] as const), { freq: 2 }))),
          );
          const rawQuery = mode === 'raw' ? fc.option(fc.constantFrom(...RAW_PIECES).map((p) => `${op.query[0]?.name ?? 'q'}=${p}`), { freq: 2 }) : fc.constant(null);
          const body = op.body ? schemas.value(op.body, mode) : mode === 'wrong' ? hostileAny : fc.constant(undefined);
          const raw = mode === 'raw' ? fc.option(fc.constantFrom(...RAW_BODIES), { freq: 3 }) : fc.constant(null);
          const extraHeaders =
            mode === 'valid'
              ? fc.constant(null)
              : fc.option(fc.record({ 'idempotency-key': fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{8,20}$/), fc.constantFrom(...HOSTILE_STRINGS)), 'user-agent': fc.constantFrom(...HOSTILE_STRINGS) }, { requiredKeys: [] }), { freq: 3 });
          // Valid POSTs sometimes carry an Idempotency-Key and are sent twice: a replay must be the first answer.
          const twice = mode === 'valid' && op.method === 'POST' ? fc.option(fc.stringMatching(/^fuzz-[a-z0-9]{12}$/), { freq: 3 }) : fc.constant(null);
          return fc.record({ params: fc.tuple(...params), query, rawQuery, body, raw, extraHeaders, twice });
        });

        const result = await fc.check(
          fc.asyncProperty(request, async (r) => {
            let i = 0;
            const path = op.path.replace(/\{[^}]+\}/g, () => r.params[i++]!);
            const pieces = r.query
              .filter((q): q is readonly [string, unknown] => q !== null)
              .flatMap(([name, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${encode(name)}=${encode(typeof x === 'string' ? x : JSON.stringify(x))}`));
            if (r.rawQuery) pieces.push(r.rawQuery);
            const headers: Record<string, string> = { ...auth, ...(r.extraHeaders ?? {}) };
            const options: InjectOptions = { method: op.method as InjectOptions['method'], url: pieces.length ? `${path}?${pieces.join('&')}` : path, headers };
            if (r.raw) {
              headers['content-type'] = r.raw.type;
              options.payload = r.raw.payload;
            } else if (r.body !== undefined && op.method !== 'GET' && op.method !== 'DELETE') {
              headers['content-type'] = 'application/json';
              options.payload = JSON.stringify(r.body) ?? 'null';
            }
            if (r.twice) headers['idempotency-key'] = r.twice;
            const res = await t.app.inject(options);
            requests++;
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
            let why = verdict(res);
            if (!why && r.twice) {
              const again = await t.app.inject(options);
              requests++;
              why = verdict(again);
              const stored = again.headers['idempotent-replayed'] === 'true';
              if (!why && stored && (again.statusCode !== res.statusCode || again.body !== res.body)) why = `replayed ${again.statusCode} ${again.body.slice(0, 100)} for a first answer ${res.statusCode} ${res.body.slice(0, 100)}`;
            }
            if (why) failures.push(`${op.method} ${op.path} as ${identity}: ${why}\n    request: ${describeRequest(options)}`);
            return why === null;
          }),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        );
        if (result.failed && result.errorInstance && !failures.some((f) => f.startsWith(`${op.method} ${op.path} as ${identity}:`))) {
          failures.push(`${op.method} ${op.path} as ${identity}: threw ${String(result.errorInstance)}`);
        }
      }
    }
    const summary = [...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ');
    process.stdout.write(`# fuzz: ${ops.length} operations, ${requests} requests, statuses ${summary}\n`);
    assert.deepEqual(failures, []);
    assert.ok(requests >= ops.length * 2 * RUNS, `only ${requests} requests ran`);
  });
});
