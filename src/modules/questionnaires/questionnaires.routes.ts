import { z } from 'zod';
import { requireCtx } from '../../platform/auth/authenticate.ts';
import { problemResponses } from '../../platform/http/responses.ts';
import type { AppDeps, ZodApp } from '../../platform/http/types.ts';
import { createDistribution, listDistributions } from './create-distribution.ts';
import { createFromTemplate } from './create-from-template.ts';
import { createFromQuizFile } from './create-from-quiz-file.ts';
import { createQuestionnaire } from './create-questionnaire.ts';
import { duplicateQuestionnaire } from './duplicate-questionnaire.ts';
import { getRespondentView } from './get-respondent-view.ts';
import { getQuestionnaire, listQuestionnaires } from './list-questionnaires.ts';
import { updateQuestionnaire } from './update-questionnaire.ts';
import { closeQuestionnaire, publishQuestionnaire } from './publish-questionnaire.ts';
import {
  answersBodySchema,
  distributionCreateSchema,
  distributionListSchema,
  distributionSchema,
  draftSavedSchema,
  fromTemplateSchema,
  idParamsSchema,
  orderSchema,
  questionCreateSchema,
  questionnaireCreateSchema,
  questionnaireListQuerySchema,
  questionnairePageSchema,
  questionnaireSchema,
  questionnaireUpdateSchema,
  questionSchema,
  questionUpdateSchema,
  exportQuerySchema,
  bankCreateSchema,
  bankListSchema,
  bankSchema,
  exportQuizQuerySchema,
  importQuizSchema,
  importNewQuizSchema,
  improvementActionCreateSchema,
  improvementActionListQuerySchema,
  improvementActionListSchema,
  improvementActionSchema,
  improvementActionUpdateSchema,
  improvementActionCloseSchema,
  improvementActionExportQuerySchema,
  strugglingQuerySchema,
  strugglingSchema,
  respondentViewSchema,
  resultsQuerySchema,
  resultsSchema,
  textAnswersQuerySchema,
  textAnswersSchema,
  sectionCreateSchema,
  sectionSchema,
  sectionUpdateSchema,
  submittedSchema,
  templateListQuerySchema,
  templateListSchema,
  tokenParamsSchema,
} from './questionnaires.schemas.ts';
import { reorderQuestionnaire } from './reorder-questionnaire.ts';
import { saveDraft } from './save-draft.ts';
import { addQuestion, deleteQuestion, updateQuestion } from './save-question.ts';
import { addSection, deleteSection, updateSection } from './save-section.ts';
import { submitResponse } from './submit-response.ts';
import { listTemplates } from './templates.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { exportResultsCsv, exportResultsXlsx } from './export-results.ts';
import { previewQuestionnaire } from './preview-questionnaire.ts';
import { addBankQuestion, createQuestionBank, getQuestionBank, listQuestionBanks } from './question-banks.ts';
import { exportQuiz, importQuiz } from './import-quiz.ts';
import { findStrugglingUnits } from './find-struggling-units.ts';
import { listImprovementActions, recordImprovementAction } from './record-improvement-action.ts';
import { closeImprovementAction, getImprovementAction, updateImprovementAction } from './update-improvement-action.ts';
import { exportImprovementActionsCsv } from './export-improvement-actions.ts';
import { getResults, listTextAnswers } from './get-results.ts';
import { isOrgWide } from '../../platform/auth/actor.ts';

/** Builder (staff), templates, distributions, and the respondent's personal-link flow (no account). */
export async function questionnairesRoutes(app: ZodApp, deps: AppDeps): Promise<void> {
  const { db } = deps;
  const tags = ['questionnaires'];
  const r = (s: z.ZodType) => ({ 200: s, ...problemResponses });

  app.get('/questionnaire-templates', { schema: { tags, summary: 'Ready-to-edit templates (positioning, satisfaction hot and cold, trainer, employer/funder), FR or EN', querystring: templateListQuerySchema, response: r(templateListSchema) } }, (req) => {
    if (!isOrgWide(requireCtx(req).actor)) throw AppError.because('forbidden', 'role_admin_or_manager');
    return { items: listTemplates(req.query.locale ?? 'fr') };
  });
  app.post('/questionnaires/from-template', { schema: { tags, summary: 'Create a draft questionnaire from a template', body: fromTemplateSchema, response: { 201: questionnaireSchema, ...problemResponses } } }, async (req, reply) =>
    reply.code(201).send(await createFromTemplate(db, requireCtx(req), req.body)),
  );
  app.get('/questionnaires', { schema: { tags, summary: 'List questionnaires (staff and trainers)', querystring: questionnaireListQuerySchema, response: r(questionnairePageSchema) } }, (req) => listQuestionnaires(db, requireCtx(req), req.query));
  app.post('/questionnaires', { schema: { tags, summary: 'Create a draft questionnaire (with one empty section)', body: questionnaireCreateSchema, response: { 201: questionnaireSchema, ...problemResponses } } }, async (req, reply) =>
    reply.code(201).send(await createQuestionnaire(db, requireCtx(req), req.body)),
  );
  app.get('/questionnaires/:id', { schema: { tags, summary: 'A questionnaire with its sections and questions (correct answers included)', params: idParamsSchema, response: r(questionnaireSchema) } }, (req) => getQuestionnaire(db, requireCtx(req), req.params.id));
  app.get('/questionnaires/:id/preview', { schema: { tags, summary: 'Preview as a learner: what the respondent page shows (no correct answers)', params: idParamsSchema, response: r(respondentViewSchema) } }, (req) => previewQuestionnaire(db, requireCtx(req), req.params.id));
  app.patch('/questionnaires/:id', { schema: { tags, summary: 'Update a draft questionnaire', params: idParamsSchema, body: questionnaireUpdateSchema, response: r(questionnaireSchema) } }, (req) => updateQuestionnaire(deps, requireCtx(req), req.params.id, req.body));
  app.put('/questionnaires/:id/order', { schema: { tags, summary: 'Reorder sections and questions (every one listed once; questions may move between sections)', params: idParamsSchema, body: orderSchema, response: r(questionnaireSchema) } }, (req) =>
    reorderQuestionnaire(deps, requireCtx(req), req.params.id, req.body),
  );
  app.post('/questionnaires/:id/publish', { schema: { tags, summary: 'Publish a draft after validation (unique option ids, conditions on earlier questions only, quiz answers, points ≥ 0)', params: idParamsSchema, response: r(questionnaireSchema) } }, (req) =>
    publishQuestionnaire(deps, requireCtx(req), req.params.id),
  );
  app.post('/questionnaires/:id/close', { schema: { tags, summary: 'Close a published questionnaire (no more answers)', params: idParamsSchema, response: r(questionnaireSchema) } }, (req) => closeQuestionnaire(deps, requireCtx(req), req.params.id));
  app.post('/questionnaires/:id/duplicate', { schema: { tags, summary: 'Copy a questionnaire as a new draft version', params: idParamsSchema, response: { 201: questionnaireSchema, ...problemResponses } } }, async (req, reply) =>
    reply.code(201).send(await duplicateQuestionnaire(db, requireCtx(req), req.params.id)),
  );
  app.post('/questionnaires/:id/sections', { schema: { tags, summary: 'Add a section to a draft', params: idParamsSchema, body: sectionCreateSchema, response: { 201: sectionSchema, ...problemResponses } } }, async (req, reply) =>
    reply.code(201).send(await addSection(db, requireCtx(req), req.params.id, req.body)),
  );
  app.patch('/questionnaire-sections/:id', { schema: { tags, summary: 'Update a section of a draft', params: idParamsSchema, body: sectionUpdateSchema, response: r(sectionSchema) } }, (req) => updateSection(db, requireCtx(req), req.params.id, req.body));
  app.delete('/questionnaire-sections/:id', { schema: { tags, summary: 'Delete a section of a draft and its questions', params: idParamsSchema, response: { 204: z.null(), ...problemResponses } } }, async (req, reply) => {
    await deleteSection(db, requireCtx(req), req.params.id);
    return reply.code(204).send(null);
  });
  app.post('/questionnaire-sections/:id/questions', { schema: { tags, summary: 'Add a question to a section of a draft', params: idParamsSchema, body: questionCreateSchema, response: { 201: questionSchema, ...problemResponses } } }, async (req, reply) =>
    reply.code(201).send(await addQuestion(db, requireCtx(req), req.params.id, req.body)),
  );
  app.patch('/questions/:id', { schema: { tags, summary: 'Update a question of a draft', params: idParamsSchema, body: questionUpdateSchema, response: r(questionSchema) } }, (req) => updateQuestion(db, requireCtx(req), req.params.id, req.body));
  app.delete('/questions/:id', { schema: { tags, summary: 'Delete a question of a draft', params: idParamsSchema, response: { 204: z.null(), ...problemResponses } } }, async (req, reply) => {
    await deleteQuestion(db, requireCtx(req), req.params.id);
    return reply.code(204).send(null);
  });

  app.get('/questionnaires/:id/distributions', { schema: { tags, summary: "A questionnaire's distributions with invitation and response counts", params: idParamsSchema, response: r(distributionListSchema) } }, (req) =>
    listDistributions(db, requireCtx(req), req.params.id),
  );
  app.post('/questionnaires/:id/distributions', { schema: { tags, summary: 'Attach a published questionnaire to a program, module, session or cohort (sent now when due, else by the questionnaires.distribute job)', params: idParamsSchema, body: distributionCreateSchema, response: { 201: distributionSchema, ...problemResponses } } }, async (req, reply) =>
    reply.code(201).send(await createDistribution({ db, clock: deps.clock, publicUrl: deps.config.publicUrl }, requireCtx(req), req.params.id, req.body)),
  );

  app.get('/questionnaires/:id/results', { schema: { tags, summary: 'Results: per question (distribution, mean, median, NPS, success rate), per skill, and per cohort/module/month (groupBy); trainers see their cohorts only', params: idParamsSchema, querystring: resultsQuerySchema, response: r(resultsSchema) } }, (req) =>
    getResults(db, requireCtx(req), req.params.id, req.query),
  );
  app.get('/questionnaires/:id/results/text', { schema: { tags, summary: 'Free-text answers, filtered by question, cohort, module, trainer, period and a search string', params: idParamsSchema, querystring: textAnswersQuerySchema, response: r(textAnswersSchema) } }, (req) =>
    listTextAnswers(db, requireCtx(req), req.params.id, req.query),
  );
  app.get('/questionnaires/:id/results.csv', { schema: { tags, summary: 'CSV export: raw answers (kind=raw, default) or per-question aggregates (kind=aggregates)', params: idParamsSchema, querystring: exportQuerySchema, produces: ['text/csv'], response: { 200: z.string(), ...problemResponses } } }, async (req, reply) => {
    const { fileName, csv } = await exportResultsCsv(db, requireCtx(req), req.params.id, req.query);
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${fileName}"`).send(csv);
  });

  app.get('/questionnaires/insights/struggling', { schema: { tags, summary: 'Cohorts and modules significantly below the organisation (quiz success or satisfaction), with the test, n, p, q and the reason in words', querystring: strugglingQuerySchema, response: r(strugglingSchema) } }, (req) =>
    findStrugglingUnits(db, requireCtx(req), req.query),
  );
  app.get('/questionnaires/insights/actions', { schema: { tags, summary: 'Improvement actions recorded against cohorts and modules', querystring: improvementActionListQuerySchema, response: r(improvementActionListSchema) } }, (req) =>
    listImprovementActions(db, requireCtx(req), req.query),
  );
  app.post('/questionnaires/insights/actions', { schema: { tags, summary: 'Record an improvement action (Qualiopi) against a cohort or module', body: improvementActionCreateSchema, response: { 201: improvementActionSchema, ...problemResponses } } }, async (req, reply) =>
    reply.code(201).send(await recordImprovementAction(db, requireCtx(req), req.body)),
  );
  app.get('/questionnaires/insights/actions.csv', { schema: { tags, summary: 'Improvement actions as CSV for an auditor (dates, unit, finding, owner, status, outcome); same filters as the list', querystring: improvementActionExportQuerySchema, produces: ['text/csv'], response: { 200: z.string(), ...problemResponses } } }, async (req, reply) => {
    const { fileName, csv } = await exportImprovementActionsCsv(db, requireCtx(req), req.query);
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${fileName}"`).send(csv);
  });
  app.get('/questionnaires/insights/actions/:id', { schema: { tags, summary: 'One improvement action, with its owner, dates and outcome', params: idParamsSchema, response: r(improvementActionSchema) } }, (req) =>
    getImprovementAction(db, requireCtx(req), req.params.id),
  );
  app.patch('/questionnaires/insights/actions/:id', { schema: { tags, summary: 'Follow an improvement action up: status (open, in progress, done), due date, owner, outcome; done sets closedAt, reopening clears it', params: idParamsSchema, body: improvementActionUpdateSchema, response: r(improvementActionSchema) } }, (req) =>
    updateImprovementAction(deps, requireCtx(req), req.params.id, req.body),
  );
  app.post('/questionnaires/insights/actions/:id/close', { schema: { tags, summary: 'Close an improvement action with its outcome (idempotent: an action already closed is returned unchanged)', params: idParamsSchema, body: improvementActionCloseSchema, response: r(improvementActionSchema) } }, (req) =>
    closeImprovementAction(deps, requireCtx(req), req.params.id, req.body),
  );

  app.post('/questionnaires/:id/import', { schema: { tags, summary: 'Import quiz questions from GIFT or Moodle XML into a draft, as a new section (a syntax error gives line and column)', params: idParamsSchema, body: importQuizSchema, response: { 201: questionnaireSchema, ...problemResponses } } }, async (req, reply) =>
    reply.code(201).send(await importQuiz(db, requireCtx(req), req.params.id, req.body)),
  );
  app.post('/questionnaires/import', { schema: { tags, summary: 'Create a draft quiz from a GIFT or Moodle XML file in one step (a syntax error gives line and column, and creates nothing)', body: importNewQuizSchema, response: { 201: questionnaireSchema, ...problemResponses } } }, async (req, reply) =>
    reply.code(201).send(await createFromQuizFile(db, requireCtx(req), req.body)),
  );
  app.get('/questionnaires/:id/export', { schema: { tags, summary: 'Export the quiz questions: GIFT (default), Moodle XML, or a QTI 3.0 package of the choice items (zip)', params: idParamsSchema, querystring: exportQuizQuerySchema, response: { 200: z.any(), ...problemResponses } } }, async (req, reply) => {
    const file = await exportQuiz(db, requireCtx(req), req.params.id, req.query.format ?? 'gift');
    return reply.header('content-type', file.contentType).header('content-disposition', `attachment; filename="${file.fileName}"`).send(file.body);
  });

  app.get('/question-banks', { schema: { tags, summary: 'Question banks (pools for random draws)', response: r(bankListSchema) } }, (req) => listQuestionBanks(db, requireCtx(req)));
  app.post('/question-banks', { schema: { tags, summary: 'Create a question bank', body: bankCreateSchema, response: { 201: bankSchema, ...problemResponses } } }, async (req, reply) => reply.code(201).send(await createQuestionBank(db, requireCtx(req), req.body)));
  app.get('/question-banks/:id', { schema: { tags, summary: 'A question bank with its questions', params: idParamsSchema, response: r(bankSchema) } }, (req) => getQuestionBank(db, requireCtx(req), req.params.id));
  app.post('/question-banks/:id/questions', { schema: { tags, summary: 'Add a question to a bank (sections draw from it with { draw: { bankId, count } })', params: idParamsSchema, body: questionCreateSchema, response: { 201: questionSchema, ...problemResponses } } }, async (req, reply) =>
    reply.code(201).send(await addBankQuestion(db, requireCtx(req), req.params.id, req.body)),
  );

  app.get('/questionnaires/:id/results.xlsx', { schema: { tags, summary: 'The same export as an XLSX workbook', params: idParamsSchema, querystring: exportQuerySchema, produces: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'], response: { 200: z.any(), ...problemResponses } } }, async (req, reply) => {
    const { fileName, xlsx } = await exportResultsXlsx(db, requireCtx(req), req.params.id, req.query);
    return reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').header('content-disposition', `attachment; filename="${fileName}"`).send(Buffer.from(xlsx));
  });

  // The respondent's personal link: no account, the token is the capability.
  app.get('/respond/:token', { config: { sessionless: true }, schema: { tags, summary: 'What a personal questionnaire link shows: the questions (no answers given away) and the saved draft', security: [], params: tokenParamsSchema, response: r(respondentViewSchema) } }, (req) =>
    getRespondentView(deps, req.params.token),
  );
  app.put('/respond/:token/draft', { config: { sessionless: true }, schema: { tags, summary: 'Save answers in progress (atomic; resumable)', security: [], params: tokenParamsSchema, body: answersBodySchema, response: r(draftSavedSchema) } }, (req) =>
    saveDraft(deps, req.params.token, req.body),
  );
  app.post('/respond/:token/submit', { config: { sessionless: true }, schema: { tags, summary: 'Submit the answers (scored on the server; a retry returns the first result)', security: [], params: tokenParamsSchema, body: answersBodySchema, response: { 200: submittedSchema, 201: submittedSchema, ...problemResponses } } }, async (req, reply) => {
    const result = await submitResponse(deps, req.params.token, req.body);
    return reply.code(result.replayed ? 200 : 201).send(result);
  });
}
