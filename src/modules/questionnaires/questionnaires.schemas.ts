import { z } from 'zod';
import { itemMessage, schemaIssue } from '../../platform/errors/problem-items.ts';
import { pageQuerySchema, pageSchema } from '../../platform/http/pagination.ts';
import { isoDateSchema, isoInstantSchema } from '../catalogue/catalogue.schemas.ts';
import { DISPLAY_OPERATORS, QUESTION_TYPES, QUESTIONNAIRE_KINDS } from './questionnaire.table.ts';

/** Contract of the questionnaire endpoints (builder, templates, distribution, respondent flow). */
const text = (max: number) => z.string().trim().min(1).max(max);
const optionId = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, dash and underscore only (1–40)');

export const idParamsSchema = z.object({ id: z.uuid() });
export const tokenParamsSchema = z.object({ token: z.string().min(20).max(200) });

export const questionnaireSettingsSchema = z.strictObject({
  passingScore: z.number().min(0).max(100).nullable().optional(),
  allowResubmission: z.boolean().optional(),
  closesAt: isoInstantSchema.nullable().optional(),
  showFeedback: z.boolean().optional(),
});

export const optionSchema = z.strictObject({
  id: optionId.optional(),
  label: text(1000),
  correct: z.boolean().optional(),
  weight: z.number().min(-100).max(100).optional(),
  feedback: z.string().max(2000).optional(),
});

export const questionSettingsSchema = z.strictObject({
  min: z.number().optional(),
  max: z.number().optional(),
  rows: z.array(z.strictObject({ id: optionId, label: text(1000) })).max(50).optional(),
  scoring: z.enum(['partial', 'all_or_nothing']).optional(),
  correctNumber: z.number().optional(),
  tolerance: z.number().min(0).optional(),
  acceptedAnswers: z.array(text(500)).max(50).optional(),
  correctOrder: z.array(optionId).max(50).optional(),
  partialCredit: z.boolean().optional(),
  feedback: z.string().max(2000).optional(),
});

export const displayConditionSchema = z.strictObject({
  questionId: z.uuid(),
  operator: z.enum(DISPLAY_OPERATORS),
  value: z.union([z.string().max(500), z.number()]).nullable().optional(),
});

export const questionCreateSchema = z.strictObject({
  type: z.enum(QUESTION_TYPES),
  prompt: text(5000),
  help: z.string().max(2000).optional(),
  required: z.boolean().optional(),
  position: z.number().int().min(0).max(10_000).optional(),
  options: z.array(optionSchema).max(100).optional(),
  settings: questionSettingsSchema.optional(),
  displayIf: displayConditionSchema.nullable().optional(),
  points: z.number().min(0).max(10_000).optional(),
  skills: z.array(text(100)).max(20).optional(),
});
export const questionUpdateSchema = questionCreateSchema.partial().strict();

export const sectionCreateSchema = z.strictObject({
  title: z.string().max(300).optional(),
  description: z.string().max(5000).optional(),
  position: z.number().int().min(0).max(10_000).optional(),
  draw: z.strictObject({ bankId: z.uuid(), count: z.number().int().min(1).max(200) }).nullable().optional(),
});
export const sectionUpdateSchema = sectionCreateSchema.partial().strict();

export const questionnaireCreateSchema = z.strictObject({
  kind: z.enum(QUESTIONNAIRE_KINDS),
  title: text(300),
  description: z.string().max(10_000).optional(),
  locale: z.enum(['fr', 'en']).optional(),
  anonymous: z.boolean().optional(),
  settings: questionnaireSettingsSchema.optional(),
});
export const questionnaireUpdateSchema = questionnaireCreateSchema.partial().strict();

export const orderSchema = z.strictObject({
  sections: z.array(z.strictObject({ id: z.uuid(), questionIds: z.array(z.uuid()).max(1000) })).min(1).max(200),
});

export const questionSchema = z
  .object({
    id: z.uuid(),
    sectionId: z.uuid().nullable(),
    bankId: z.uuid().nullable(),
    type: z.enum(QUESTION_TYPES),
    prompt: z.string(),
    help: z.string(),
    required: z.boolean(),
    position: z.number().int(),
    options: z.array(z.object({ id: z.string(), label: z.string(), correct: z.boolean().optional(), weight: z.number().optional(), feedback: z.string().optional() })),
    settings: z.record(z.string(), z.unknown()),
    displayIf: z.object({ questionId: z.string(), operator: z.string(), value: z.unknown().optional() }).nullable(),
    points: z.number(),
    skills: z.array(z.string()),
  })
  .meta({ id: 'Question' });

export const sectionSchema = z
  .object({ id: z.uuid(), title: z.string(), description: z.string(), position: z.number().int(), draw: z.object({ bankId: z.string(), count: z.number() }).nullable(), questions: z.array(questionSchema) })
  .meta({ id: 'QuestionnaireSection' });

const summaryShape = {
  id: z.uuid(),
  kind: z.enum(QUESTIONNAIRE_KINDS),
  title: z.string(),
  description: z.string(),
  locale: z.enum(['fr', 'en']),
  anonymous: z.boolean(),
  settings: z.record(z.string(), z.unknown()),
  status: z.enum(['draft', 'published', 'closed']),
  version: z.number().int(),
  templateKey: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  publishedAt: z.iso.datetime().nullable(),
};
export const questionnaireSummarySchema = z.object(summaryShape).meta({ id: 'QuestionnaireSummary' });
export const questionnaireSchema = z.object({ ...summaryShape, sections: z.array(sectionSchema) }).meta({ id: 'Questionnaire' });
export const questionnaireListQuerySchema = pageQuerySchema.extend({
  kind: z.enum(QUESTIONNAIRE_KINDS).optional(),
  status: z.enum(['draft', 'published', 'closed']).optional(),
});
export const questionnairePageSchema = pageSchema(questionnaireSummarySchema);

// Templates ------------------------------------------------------------------

export const TEMPLATE_KEYS = ['positioning_test', 'end_of_session_satisfaction', 'end_of_program_satisfaction', 'cold_evaluation', 'trainer_feedback', 'funder_feedback'] as const;
export const templateSchema = z.object({ key: z.enum(TEMPLATE_KEYS), kind: z.enum(QUESTIONNAIRE_KINDS), title: z.string(), description: z.string(), questionCount: z.number().int() }).meta({ id: 'QuestionnaireTemplate' });
export const templateListQuerySchema = z.object({ locale: z.enum(['fr', 'en']).optional() });
export const templateListSchema = z.object({ items: z.array(templateSchema) });
export const fromTemplateSchema = z.strictObject({
  key: z.enum(TEMPLATE_KEYS),
  locale: z.enum(['fr', 'en']).optional(),
  title: text(300).optional(),
  /** cold_evaluation: the number of days after the end of the training that the questions refer to. */
  days: z.number().int().min(1).max(730).optional(),
});

// Respondent flow --------------------------------------------------------------

const answerInput = z.object({
  questionId: z.uuid(),
  value: z.unknown(),
  /** Declared so that a client-sent score is refused with its own code (never trusted). */
  score: z.unknown().optional(),
});
export const answersBodySchema = z.object({
  answers: z.array(answerInput).max(1000),
  score: z.unknown().optional(),
  maxScore: z.unknown().optional(),
  passed: z.unknown().optional(),
});

export const respondentQuestionSchema = z.object({
  id: z.uuid(),
  sectionId: z.uuid().nullable(),
  type: z.enum(QUESTION_TYPES),
  prompt: z.string(),
  help: z.string(),
  required: z.boolean(),
  options: z.array(z.object({ id: z.string(), label: z.string() })),
  settings: z.record(z.string(), z.unknown()),
  displayIf: z.object({ questionId: z.string(), operator: z.string(), value: z.unknown().optional() }).nullable(),
});

export const respondentViewSchema = z
  .object({
    questionnaire: z.object({ id: z.uuid(), kind: z.enum(QUESTIONNAIRE_KINDS), title: z.string(), description: z.string(), locale: z.enum(['fr', 'en']), anonymous: z.boolean(), closesAt: z.iso.datetime().nullable() }),
    sections: z.array(z.object({ id: z.uuid(), title: z.string(), description: z.string(), questions: z.array(respondentQuestionSchema) })),
    response: z.object({
      status: z.enum(['draft', 'submitted']),
      answers: z.array(z.object({ questionId: z.uuid(), value: z.unknown() })),
      submittedAt: z.iso.datetime().nullable(),
      canSubmit: z.boolean(),
      result: z.object({ score: z.number(), maxScore: z.number(), percent: z.number().nullable(), passed: z.boolean().nullable() }).nullable(),
    }),
  })
  .meta({ id: 'RespondentView' });

export const draftSavedSchema = z.object({ status: z.literal('draft'), savedAnswers: z.number().int(), visibleQuestionIds: z.array(z.uuid()) });

export const submittedSchema = z
  .object({
    status: z.literal('submitted'),
    submittedAt: z.iso.datetime(),
    replayed: z.boolean(),
    result: z
      .object({
        score: z.number(),
        maxScore: z.number(),
        percent: z.number().nullable(),
        passed: z.boolean().nullable(),
        skills: z.record(z.string(), z.object({ score: z.number(), max: z.number() })),
        feedback: z.array(z.object({ questionId: z.uuid(), score: z.number(), max: z.number(), feedback: z.array(z.string()) })),
      })
      .nullable(),
  })
  .meta({ id: 'ResponseSubmitted' });

// Distributions -----------------------------------------------------------------

export const DISTRIBUTION_TRIGGERS = ['now', 'before_first_session', 'end_of_session', 'end_of_module', 'end_of_program', 'days_after_end'] as const;
export const distributionCreateSchema = z
  .strictObject({
    targetType: z.enum(['program', 'module', 'session', 'cohort']),
    targetId: z.uuid(),
    trigger: z.enum(DISTRIBUTION_TRIGGERS),
    triggerDays: z.number().int().min(0).max(3650).optional(),
    audience: z.enum(['learners', 'trainers', 'external']),
    externalEmails: z.array(z.email().max(320)).max(1000).optional(),
    reminderDays: z.array(z.number().int().min(1).max(365)).max(10).optional(),
    closesAt: isoInstantSchema.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.trigger === 'days_after_end' && v.triggerDays === undefined) ctx.addIssue({ code: 'custom', ...schemaIssue('trigger_days_required', { path: ['triggerDays'] }) });
    if (v.audience === 'external' && !(v.externalEmails ?? []).length) ctx.addIssue({ code: 'custom', ...schemaIssue('external_emails_required', { path: ['externalEmails'] }) });
    if (v.trigger === 'end_of_session' && v.targetType !== 'session') ctx.addIssue({ code: 'custom', ...schemaIssue('trigger_needs_session', { path: ['trigger'] }) });
    if (v.trigger === 'end_of_module' && v.targetType !== 'module') ctx.addIssue({ code: 'custom', ...schemaIssue('trigger_needs_module', { path: ['trigger'] }) });
  });

export const distributionSchema = z
  .object({
    id: z.uuid(),
    questionnaireId: z.uuid(),
    targetType: z.enum(['program', 'module', 'session', 'cohort']),
    targetId: z.uuid(),
    trigger: z.enum(DISTRIBUTION_TRIGGERS),
    triggerDays: z.number().int().nullable(),
    audience: z.enum(['learners', 'trainers', 'external']),
    externalEmails: z.array(z.string()),
    reminderDays: z.array(z.number().int()),
    dueAt: z.iso.datetime().nullable(),
    closesAt: z.iso.datetime().nullable(),
    status: z.enum(['scheduled', 'sent', 'closed']),
    sentAt: z.iso.datetime().nullable(),
    invitations: z.number().int(),
    responded: z.number().int(),
  })
  .meta({ id: 'QuestionnaireDistribution' });
export const distributionListSchema = z.object({ items: z.array(distributionSchema) });

// Results ------------------------------------------------------------------------

const dateParam = isoDateSchema;
export const resultsQuerySchema = z.object({
  cohortId: z.uuid().optional(),
  moduleId: z.uuid().optional(),
  trainerId: z.uuid().optional(),
  from: dateParam.optional(),
  to: dateParam.optional(),
  groupBy: z.enum(['cohort', 'module', 'month', 'trainer']).optional(),
});
export const textAnswersQuerySchema = resultsQuerySchema.extend({ questionId: z.uuid().optional(), q: z.string().max(200).optional() });
export const exportQuerySchema = resultsQuerySchema.extend({ kind: z.enum(['raw', 'aggregates']).optional() });

const summarySchema = z.object({ responses: z.number().int(), meanScoreRate: z.number().nullable(), passRate: z.number().nullable(), satisfaction: z.number().nullable() });
export const resultsSchema = z
  .object({
    questionnaire: z.object({ id: z.uuid(), title: z.string(), kind: z.enum(QUESTIONNAIRE_KINDS), anonymous: z.boolean() }),
    summary: summarySchema,
    questions: z.array(
      z.object({
        questionId: z.uuid(),
        type: z.enum(QUESTION_TYPES),
        prompt: z.string(),
        answered: z.number().int(),
        mean: z.number().nullable(),
        median: z.number().nullable(),
        successRate: z.number().nullable(),
        meanScoreRate: z.number().nullable(),
        distribution: z.array(z.object({ value: z.string(), label: z.string(), count: z.number().int() })),
        rows: z.array(z.object({ rowId: z.string(), label: z.string(), counts: z.array(z.object({ value: z.string(), count: z.number().int() })) })).nullable(),
        nps: z.object({ promoters: z.number().int(), passives: z.number().int(), detractors: z.number().int(), score: z.number() }).nullable(),
      }),
    ),
    skills: z.array(z.object({ skill: z.string(), responses: z.number().int(), scoreRate: z.number().nullable() })),
    groups: z.array(summarySchema.extend({ key: z.string(), label: z.string() })).nullable(),
  })
  .meta({ id: 'QuestionnaireResults' });
export const textAnswersSchema = z.object({
  items: z.array(z.object({ questionId: z.uuid(), prompt: z.string(), text: z.string(), cohortId: z.uuid().nullable(), moduleId: z.uuid().nullable(), submittedOn: z.string().nullable() })),
});

// Struggling units and improvement actions ------------------------------------------------

export const strugglingQuerySchema = z.object({ from: dateParam.optional(), to: dateParam.optional(), locale: z.enum(['fr', 'en']).optional() });
export const strugglingSchema = z
  .object({
    method: z.string(),
    minimumRespondents: z.number().int(),
    units: z.array(
      z.object({
        unitType: z.enum(['cohort', 'module']),
        unitId: z.uuid(),
        label: z.string(),
        metric: z.enum(['success', 'satisfaction']),
        n: z.number().int(),
        rate: z.number(),
        baseline: z.number(),
        baselineN: z.number().int(),
        test: z.enum(['two_proportion_z', 'fisher_exact', 'welch_t']),
        statistic: z.number().nullable(),
        p: z.number(),
        q: z.number(),
        flagged: z.boolean(),
        reason: z.string(),
        actions: z.number().int(),
        /** Of which not done (open or in progress). */
        openActions: z.number().int(),
      }),
    ),
    belowMinimum: z.array(z.object({ unitType: z.enum(['cohort', 'module']), unitId: z.uuid(), label: z.string(), metric: z.enum(['success', 'satisfaction']), n: z.number().int() })),
  })
  .meta({ id: 'StrugglingUnits' });
export const improvementActionCreateSchema = z.strictObject({
  unitType: z.enum(['cohort', 'module']),
  unitId: z.uuid(),
  metric: z.enum(['success', 'satisfaction']),
  finding: z.string().max(2000).optional(),
  description: text(5000),
  dueOn: dateParam.optional(),
  ownerId: z.uuid().optional(),
});
const actionStatus = z.enum(['open', 'in_progress', 'done']);
export const improvementActionSchema = z
  .object({
    id: z.uuid(),
    unitType: z.enum(['cohort', 'module']),
    unitId: z.uuid(),
    unitLabel: z.string().nullable(),
    metric: z.enum(['success', 'satisfaction']),
    finding: z.string(),
    description: z.string(),
    dueOn: z.string().nullable(),
    status: actionStatus,
    owner: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    outcome: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    closedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'ImprovementAction' });
export const improvementActionListQuerySchema = z.object({ unitType: z.enum(['cohort', 'module']).optional(), unitId: z.uuid().optional(), status: actionStatus.optional() });
export const improvementActionListSchema = z.object({ items: z.array(improvementActionSchema) });
export const improvementActionExportQuerySchema = improvementActionListQuerySchema.extend({ locale: z.enum(['fr', 'en']).optional() });
export const improvementActionUpdateSchema = z
  .strictObject({
    description: text(5000).optional(),
    dueOn: dateParam.nullable().optional(),
    status: actionStatus.optional(),
    ownerId: z.uuid().nullable().optional(),
    outcome: z.string().max(5000).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, schemaIssue('nothing_to_change'));
export const improvementActionCloseSchema = z.strictObject({ outcome: text(5000) });

// Interchange --------------------------------------------------------------------------------

export const importQuizSchema = z.strictObject({
  format: z.enum(['gift', 'moodle_xml']),
  content: z.string().min(1).max(2_000_000),
  sectionTitle: z.string().max(300).optional(),
  skills: z.array(text(100)).max(20).optional(),
});
export const exportQuizQuerySchema = z.object({ format: z.enum(['gift', 'moodle_xml', 'qti']).optional() });

// Question banks ---------------------------------------------------------------------------

export const bankCreateSchema = z.strictObject({ title: text(300) });
export const bankSchema = z.object({ id: z.uuid(), title: z.string(), createdAt: z.iso.datetime(), questions: z.array(questionSchema) }).meta({ id: 'QuestionBank' });
export const bankListSchema = z.object({ items: z.array(z.object({ id: z.uuid(), title: z.string(), createdAt: z.iso.datetime(), questionCount: z.number().int() })) });

/** A new draft quiz made from a GIFT or Moodle XML file, in one step (nothing is created when the file is refused). */
export const importNewQuizSchema = z.strictObject({
  kind: z.enum(['quiz', 'positioning']),
  title: text(300),
  locale: z.enum(['fr', 'en']).optional(),
  format: z.enum(['gift', 'moodle_xml']),
  content: z.string().min(1).max(2_000_000),
  skills: z.array(text(100)).max(20).optional(),
});
