import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '../../platform/errors/error-codes.ts';
import { PROBLEM_ITEM_MESSAGES, PROBLEM_REASONS } from '../../platform/errors/problem-items.ts';
import { FIELD_PROBLEM_CODES } from '../../platform/errors/problem.ts';
import { improvementActionSchema, resultsQuerySchema, resultsSchema, strugglingSchema } from '../../modules/questionnaires/questionnaires.schemas.ts';
import { AREAS, en, fr, mergeInto } from './resources.ts';

/** Every string the web app shows is translated in French and English; every API error code has a message. */
const WEB = fileURLToPath(new URL('..', import.meta.url));
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (v && typeof v === 'object' ? flatten(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
}
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}
/** Keys as i18next resolves them: plural forms collapse to their base key. */
const keySet = (resource: Record<string, unknown>) => new Set(flatten(resource).map((k) => k.replace(PLURAL, '')));
const frKeys = keySet(fr);
const enKeys = keySet(en);

test('area files never redefine a string another file defines', () => {
  for (const language of ['fr', 'en'] as const) {
    const merged = {};
    const clashes = Object.entries(AREAS[language]).flatMap(([area, tree]) => mergeInto(merged, tree).map((k) => `${language} ${area}: ${k}`));
    assert.deepEqual(clashes, []);
  }
  assert.deepEqual(mergeInto({ a: { b: 'x' } }, { a: { b: 'y', c: 'z' } }), ['a.b'], 'the clash check itself works');
});

test('French and English have the same keys', () => {
  assert.deepEqual([...frKeys].filter((k) => !enKeys.has(k)), [], 'keys missing in en.json');
  assert.deepEqual([...enKeys].filter((k) => !frKeys.has(k)), [], 'keys missing in fr.json');
});

test('every plural key has its "other" form in both languages', () => {
  for (const [name, resource] of [['fr', fr], ['en', en]] as const) {
    const all = new Set(flatten(resource));
    for (const key of all) {
      if (PLURAL.test(key)) assert.ok(all.has(key.replace(PLURAL, '_other')), `${name}: ${key} without ${key.replace(PLURAL, '_other')}`);
    }
  }
});

test('every key used in the web sources exists', () => {
  const used = new Set<string>();
  for (const file of sourceFiles(WEB)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z0-9_.]+)'/g)) used.add(m[1]!);
    for (const m of text.matchAll(/label: '((?:nav)\.[a-zA-Z]+)'/g)) used.add(m[1]!);
  }
  assert.ok(used.size > 100, `found ${used.size} keys: the scan is broken`);
  assert.deepEqual([...used].filter((k) => !frKeys.has(k)).sort(), [], 'keys used but missing in fr.json');
});

test('dynamic keys: roles, half-days, weekdays, statuses', () => {
  const expected = [
    ...['admin', 'manager', 'trainer', 'learner'].map((r) => `roles.${r}`),
    ...['am', 'pm'].flatMap((h) => [`calendar.halfDay.${h}`, `generate.slot.${h}`]),
    ...[1, 2, 3, 4, 5, 6, 7].map((d) => `weekdays.${d}`),
    ...['planned', 'cancelled'].map((s) => `sessions.status.${s}`),
    ...['active', 'completed', 'withdrawn'].map((s) => `enrolments.statuses.${s}`),
    ...['create', 'update', 'exists', 'error'].map((s) => `import.statuses.${s}`),
    ...['read', 'write'].map((s) => `apiKeys.scopes.${s}`),
    ...['pending', 'sent', 'failed', 'stored'].map((s) => `outbox.statuses.${s}`),
    ...['pending', 'present', 'late', 'left_early', 'absent', 'excused'].map((s) => `attendance.status.${s}`),
    ...['qr', 'link', 'kiosk', 'trainer_mark', 'sign_in'].map((m) => `attendance.method.${m}`),
    ...['open', 'locked'].map((s) => `attendance.sheet.${s}`),
    ...['sheets', 'certificates'].map((k) => `attendance.export.${k}`),
    ...['not_open_yet', 'open', 'closed'].map((s) => `sign.window.${s}`),
    ...['connecting', 'live', 'reconnecting'].map((s) => `live.connection.${s}`),
    ...['pending', 'accepted', 'refused'].map((s) => `absences.status.${s}`),
    ...['session_sheet', 'weekly_sheet', 'certificate'].map((k) => `verify.kind.${k}`),
  ];
  assert.deepEqual(expected.filter((k) => !frKeys.has(k)), []);
});

test('every API error code has a translated message', () => {
  assert.deepEqual(Object.keys(ERROR_CODES).filter((code) => !frKeys.has(`errors.${code}`)), []);
});

test('every problem item code the API sends (field errors, our own wordings) is worded in both languages', () => {
  const codes = [...FIELD_PROBLEM_CODES, ...Object.keys(PROBLEM_ITEM_MESSAGES)].map((c) => `problems.${c}`);
  assert.ok(codes.length > 100);
  assert.deepEqual(codes.filter((k) => !frKeys.has(k) || !enKeys.has(k)), []);
});

test('every reason a generic error is sent with is worded in both languages', () => {
  const keys = Object.keys(PROBLEM_REASONS).map((r) => `reasons.${r}`);
  assert.ok(keys.length > 10);
  assert.deepEqual(keys.filter((k) => !frKeys.has(k) || !enKeys.has(k)), []);
});

test('a problem wording uses only the params its code is sent with', () => {
  const paramsOf = (text: string) => new Set([...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!));
  const wrong: string[] = [];
  for (const [lang, resource] of [['fr', fr], ['en', en]] as const) {
    for (const [group, catalogue] of [['problems', PROBLEM_ITEM_MESSAGES], ['reasons', PROBLEM_REASONS]] as const) {
      const templates: Record<string, string> = catalogue;
      for (const [key, wording] of Object.entries((resource as Record<string, Record<string, string>>)[group]!)) {
        // A context variant (half_day_taken_morning) has its base code's params.
        const code = Object.hasOwn(templates, key) ? key : Object.keys(templates).find((c) => key.startsWith(`${c}_`));
        if (!code) continue; // zod's field codes: their params are checked by the cohorts test
        const sent = paramsOf(templates[code]!);
        for (const p of paramsOf(wording)) if (!sent.has(p)) wrong.push(`${lang} ${group}.${key}: {{${p}}}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

test('dynamic keys of the questionnaire results and struggling pages cover the API enums', () => {
  const unit = strugglingSchema.shape.units.element.shape;
  const capitalised = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;
  const expected = [
    ...unit.test.options.map((x) => `struggling.tests.${x}`),
    ...unit.metric.options.map((x) => `struggling.metric.${x}`),
    ...unit.unitType.options.map((x) => `struggling.unitType.${x}`),
    ...improvementActionSchema.shape.status.options.map((x) => `struggling.actionStatus.${x}`),
    ...resultsQuerySchema.shape.groupBy.unwrap().options.map((x) => `results.group${capitalised(x)}`),
    ...resultsSchema.shape.questions.element.shape.type.options.map((x) => `questionnaires.types.${x}`),
    ...resultsSchema.shape.questionnaire.shape.kind.options.map((x) => `questionnaires.kinds.${x}`),
  ];
  assert.ok(expected.length > 20);
  assert.deepEqual(expected.filter((k) => !frKeys.has(k) || !enKeys.has(k)), []);
});
