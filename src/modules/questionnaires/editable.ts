import type { Tx } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import type { QuestionOption } from './questionnaire.table.ts';
import { getQuestionnaireById, type QuestionnaireRow } from './questionnaire.repository.ts';

/** The questionnaire, if it exists and is still a draft (published ones are changed by duplicating them). */
export async function getEditableQuestionnaire(trx: Tx, id: string): Promise<QuestionnaireRow> {
  const row = await getQuestionnaireById(trx, id);
  if (!row) throw notFound('Questionnaire');
  if (row.status !== 'draft') {
    throw new AppError('questionnaire_not_editable', `This questionnaire is ${row.status}; duplicate it to make a new version.`);
  }
  return row;
}

/** Gives every option an id (kept when given; o1, o2… otherwise, never clashing with given ones). */
export function withOptionIds(options: ReadonlyArray<Omit<QuestionOption, 'id'> & { id?: string | undefined }>): QuestionOption[] {
  const taken = new Set(options.map((o) => o.id).filter((x): x is string => !!x));
  let n = 0;
  return options.map((o) => {
    if (o.id) return { ...o, id: o.id } as QuestionOption;
    let id: string;
    do id = `o${++n}`;
    while (taken.has(id));
    taken.add(id);
    return { ...o, id } as QuestionOption;
  });
}

/** Drops undefined keys (jsonb stores what was given). */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
