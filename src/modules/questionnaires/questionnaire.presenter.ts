import type { LoadedQuestionnaire, QuestionRow, QuestionnaireRow, SectionRow } from './questionnaire.repository.ts';

/** The builder's view of a question (correct answers included: staff only). */
export function presentQuestion(row: QuestionRow) {
  return {
    id: row.id,
    sectionId: row.section_id,
    bankId: row.bank_id,
    type: row.type,
    prompt: row.prompt,
    help: row.help,
    required: row.required,
    position: row.position,
    options: row.options ?? [],
    settings: (row.settings ?? {}) as Record<string, unknown>,
    displayIf: row.display_if ?? null,
    points: Number(row.points),
    skills: row.skills ?? [],
  };
}

export function presentSection(row: SectionRow, questions: QuestionRow[]) {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    position: row.position,
    draw: row.draw ?? null,
    questions: questions.filter((q) => q.section_id === row.id).map(presentQuestion),
  };
}

export function presentQuestionnaireSummary(row: QuestionnaireRow) {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    description: row.description,
    locale: row.locale,
    anonymous: row.anonymous,
    settings: (row.settings ?? {}) as Record<string, unknown>,
    status: row.status,
    version: row.version,
    templateKey: row.template_key,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    publishedAt: row.published_at?.toISOString() ?? null,
  };
}

export function presentQuestionnaire(loaded: LoadedQuestionnaire) {
  return { ...presentQuestionnaireSummary(loaded.questionnaire), sections: loaded.sections.map((s) => presentSection(s, loaded.questions)) };
}

/**
 * What a respondent sees of a question: no correct answers, weights or
 * per-option feedback (those would give the answers away).
 */
export function presentQuestionForRespondent(row: QuestionRow) {
  const settings = row.settings ?? {};
  return {
    id: row.id,
    sectionId: row.section_id,
    type: row.type,
    prompt: row.prompt,
    help: row.help,
    required: row.required,
    options: (row.options ?? []).map((o) => ({ id: o.id, label: o.label })),
    settings: {
      ...(settings.min !== undefined ? { min: settings.min } : {}),
      ...(settings.max !== undefined ? { max: settings.max } : {}),
      ...(settings.rows ? { rows: settings.rows } : {}),
    } as Record<string, unknown>,
    displayIf: row.display_if ?? null,
  };
}
