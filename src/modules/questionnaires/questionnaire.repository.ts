import type { Selectable } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import type { QuestionDef } from './scoring.ts';
import type { QuestionnaireSectionsTable, QuestionnairesTable, QuestionsTable } from './questionnaire.table.ts';

export type QuestionnaireRow = Selectable<QuestionnairesTable>;
export type SectionRow = Selectable<QuestionnaireSectionsTable>;
export type QuestionRow = Selectable<QuestionsTable>;

export interface LoadedQuestionnaire {
  questionnaire: QuestionnaireRow;
  sections: SectionRow[];
  /** Every question of the questionnaire, in display order (section position, then question position). */
  questions: QuestionRow[];
}

export function getQuestionnaireById(trx: Tx, id: string): Promise<QuestionnaireRow | undefined> {
  return trx.selectFrom('questionnaires').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function loadQuestionnaire(trx: Tx, id: string): Promise<LoadedQuestionnaire | undefined> {
  const questionnaire = await getQuestionnaireById(trx, id);
  if (!questionnaire) return undefined;
  const sections = await trx.selectFrom('questionnaire_sections').selectAll().where('questionnaire_id', '=', id).orderBy('position').orderBy('id').execute();
  const rows = await trx.selectFrom('questions').selectAll().where('questionnaire_id', '=', id).orderBy('position').orderBy('id').execute();
  const sectionOrder = new Map(sections.map((s, i) => [s.id, i]));
  const questions = rows.sort((a, b) => sectionOrder.get(a.section_id!)! - sectionOrder.get(b.section_id!)! || a.position - b.position || a.id.localeCompare(b.id));
  return { questionnaire, sections, questions };
}

export function findQuestionnaires(trx: Tx, opts: { limit: number; after: readonly [string, string] | null; kind?: string; status?: string }): Promise<QuestionnaireRow[]> {
  let q = trx.selectFrom('questionnaires').selectAll();
  if (opts.kind) q = q.where('kind', '=', opts.kind as never);
  if (opts.status) q = q.where('status', '=', opts.status as never);
  if (opts.after) {
    const [title, id] = opts.after;
    q = q.where((eb) => eb.or([eb('title', '>', title), eb.and([eb('title', '=', title), eb('id', '>', id)])]));
  }
  return q.orderBy('title').orderBy('id').limit(opts.limit + 1).execute();
}

export function toQuestionDef(row: QuestionRow): QuestionDef {
  return {
    id: row.id,
    type: row.type,
    prompt: row.prompt,
    required: row.required,
    options: row.options ?? [],
    settings: row.settings ?? {},
    displayIf: row.display_if ?? null,
    points: Number(row.points),
    skills: row.skills ?? [],
  };
}
