import type { z } from 'zod';
import { assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { type Tx, withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { getEditableQuestionnaire } from './editable.ts';
import { parseGift, toGift } from './interchange/gift.ts';
import { parseMoodleXml, toMoodleXml } from './interchange/moodle-xml.ts';
import { toQtiPackage } from './interchange/qti.ts';
import { InterchangeSyntaxError, itemsFromQuestions, type QuizItem } from './interchange/quiz-item.ts';
import { presentQuestionnaire } from './questionnaire.presenter.ts';
import { loadQuestionnaire, toQuestionDef } from './questionnaire.repository.ts';
import type { importQuizSchema } from './questionnaires.schemas.ts';

/** Parses a quiz file; a syntax error becomes 422 interchange_syntax with its line and column. */
export function parseQuizFile(format: 'gift' | 'moodle_xml', content: string): QuizItem[] {
  try {
    return format === 'gift' ? parseGift(content) : parseMoodleXml(content);
  } catch (e) {
    if (!(e instanceof InterchangeSyntaxError)) throw e;
    throw new AppError('interchange_syntax', `${format === 'gift' ? 'GIFT' : 'Moodle XML'} syntax error at line ${e.line}, column ${e.column}: ${e.message}`, { errors: [{ path: 'body.content', message: e.message, line: e.line, column: String(e.column) }] });
  }
}

/** Adds the questions of a GIFT or Moodle XML file to a draft, as a new section (all or nothing). */
export async function importQuiz(db: Db, ctx: Ctx, questionnaireId: string, input: z.infer<typeof importQuizSchema>) {
  assertOrgWide(ctx.actor);
  const items = parseQuizItems(input.format, input.content);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    await getEditableQuestionnaire(trx, questionnaireId);
    await insertQuizItems(trx, ctx, questionnaireId, items, input);
    return presentQuestionnaire((await loadQuestionnaire(trx, questionnaireId))!);
  });
}

/** The quiz items of a file; a file without questions is refused like a syntax error (line 1). */
export function parseQuizItems(format: 'gift' | 'moodle_xml', content: string): QuizItem[] {
  const items = parseQuizFile(format, content);
  if (items.length === 0) throw new AppError('interchange_syntax', 'The file holds no question.', { errors: [problemItem('body.content', 'quiz_empty', undefined, { line: 1, column: '1' })] });
  return items;
}

/** Writes parsed items as a new last section of a questionnaire, with its audit event (inside the caller's transaction). */
export async function insertQuizItems(trx: Tx, ctx: Ctx, questionnaireId: string, items: readonly QuizItem[], input: { format: 'gift' | 'moodle_xml'; sectionTitle?: string | undefined; skills?: string[] | undefined }) {
  const last = await trx.selectFrom('questionnaire_sections').select((eb) => eb.fn.max('position').as('p')).where('questionnaire_id', '=', questionnaireId).executeTakeFirst();
  const section = await trx.insertInto('questionnaire_sections').values({ organisation_id: ctx.actor.organisationId, questionnaire_id: questionnaireId, title: input.sectionTitle ?? '', position: (last?.p ?? -1) + 1 }).returning('id').executeTakeFirstOrThrow();
  for (const [i, item] of items.entries()) {
    await trx
      .insertInto('questions')
      .values({ organisation_id: ctx.actor.organisationId, questionnaire_id: questionnaireId, section_id: section.id, bank_id: null, type: item.type, prompt: item.prompt.slice(0, 5000), help: '', required: item.type !== 'long_text', position: i, options: JSON.stringify(item.options), settings: JSON.stringify(item.settings), display_if: null, points: item.type === 'long_text' ? 0 : item.points, skills: [...new Set([...(input.skills ?? []), ...(item.skills ?? [])])] })
      .execute();
  }
  await recordAuditEvent(trx, ctx, { type: 'questionnaire.imported', subjectType: 'questionnaire', subjectId: questionnaireId, payload: { format: input.format, questions: items.length } });
}

/** A questionnaire's quiz questions as GIFT, Moodle XML or a QTI 3.0 package (choice items). */
export async function exportQuiz(db: Db, ctx: Ctx, id: string, format: 'gift' | 'moodle_xml' | 'qti') {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const loaded = await loadQuestionnaire(trx, id);
    if (!loaded) throw notFound('Questionnaire');
    const { items } = itemsFromQuestions(loaded.questions.map(toQuestionDef));
    const slug = loaded.questionnaire.title.normalize('NFKD').replace(/[^\w]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'quiz';
    if (format === 'gift') return { fileName: `${slug}.gift.txt`, contentType: 'text/plain; charset=utf-8', body: toGift(items) as string | Buffer };
    if (format === 'moodle_xml') return { fileName: `${slug}.moodle.xml`, contentType: 'application/xml; charset=utf-8', body: toMoodleXml(items) as string | Buffer };
    const pkg = toQtiPackage(items, { title: loaded.questionnaire.title, lang: loaded.questionnaire.locale, identifier: `emarge-${loaded.questionnaire.id}` });
    return { fileName: `${slug}.qti3.zip`, contentType: 'application/zip', body: Buffer.from(pkg.zip) as string | Buffer };
  });
}
