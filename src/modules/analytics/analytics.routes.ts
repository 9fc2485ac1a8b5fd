import { requireCtx } from '../../platform/auth/authenticate.ts';
import { problemResponses } from '../../platform/http/responses.ts';
import type { AppDeps, ZodApp } from '../../platform/http/types.ts';
import {
  analyticsSettingsPatchSchema, analyticsSettingsSchema, answerBodySchema, fairnessQuerySchema, fairnessSchema, groupAttributesBodySchema,
  groupAttributesResultSchema, groupAttributeDeletedSchema, groupAttributeListSchema, groupAttributeParamsSchema, idParamsSchema, jobParamsSchema, modelCardSchema, modelVersionListSchema, modelVersionSchema, myRiskSchema,
  objectionBodySchema, objectionListSchema, objectionQuerySchema, objectionSchema, predictionParamsSchema, reviewBodySchema, reviewSchema,
  riskListSchema, riskQuerySchema, scoreResultSchema, trainAcceptedSchema, trainBodySchema, trainingJobSchema,
} from './analytics.schemas.ts';
import {
  getAnalyticsSettings, getFairnessReport, getModelCard, getModelVersionById, getTrainingJob, listModelVersions, updateSettings,
} from './model-card.ts';
import { cancelTraining } from './cancel-training.ts';
import { deleteGroupAttribute, listGroupAttributes, recordGroupAttributes } from './group-attributes.ts';
import { requestTraining } from './request-training.ts';
import { answerObjection, getMyRisk, listObjections, listRisk, objectToPrediction, reviewPrediction } from './risk-oversight.ts';
import { scoreLearners } from './score-learners.ts';

/** Disengagement risk: training (background job), scoring, human oversight, model card and fairness report. */
export function analyticsRoutes(app: ZodApp, { db, clock }: AppDeps): void {
  const tags = ['analytics'];
  app.post(
    '/analytics/models/train',
    { schema: { tags, summary: 'Train a new risk model version in the background (admin/manager); refused at once when the data is too thin', body: trainBodySchema, response: { 202: trainAcceptedSchema, ...problemResponses } } },
    async (req, reply) => reply.code(202).send(await requestTraining(db, requireCtx(req), { clock }, req.body ?? {})),
  );
  app.get('/analytics/jobs/:id', { schema: { tags, summary: 'A training job: status and progress {phase, epoch, epochs, etaSeconds} (staff)', params: jobParamsSchema, response: { 200: trainingJobSchema, ...problemResponses } } }, (req) =>
    getTrainingJob(db, requireCtx(req), req.params.id),
  );
  app.post(
    '/analytics/jobs/:id/cancel',
    { schema: { tags, summary: 'Cancel a training job (staff): a queued one fails at once; a running one has its worker thread stopped and fails with the reason', params: jobParamsSchema, response: { 202: trainingJobSchema, ...problemResponses } } },
    async (req, reply) => reply.code(202).send(await cancelTraining(db, requireCtx(req), req.params.id, { clock })),
  );
  app.get('/analytics/models', { schema: { tags, summary: 'Model versions, newest first (staff)', response: { 200: modelVersionListSchema, ...problemResponses } } }, (req) => listModelVersions(db, requireCtx(req)));
  app.get('/analytics/models/:id', { schema: { tags, summary: 'A model version: status, metrics, data window (staff)', params: idParamsSchema, response: { 200: modelVersionSchema, ...problemResponses } } }, (req) =>
    getModelVersionById(db, requireCtx(req), req.params.id),
  );
  app.post(
    '/analytics/models/:id/score',
    { schema: { tags, summary: 'Score the current learners with a ready model (staff); refused with ml_schema_mismatch when the data no longer has the model\'s features', params: idParamsSchema, response: { 200: scoreResultSchema, ...problemResponses } } },
    (req) => scoreLearners(db, requireCtx(req), req.params.id, { clock }),
  );
  app.get('/analytics/models/:id/card', { schema: { tags, summary: 'Model card: data, features, metrics, limits, intended use, fairness summary (staff)', params: idParamsSchema, response: { 200: modelCardSchema, ...problemResponses } } }, (req) =>
    getModelCard(db, requireCtx(req), req.params.id),
  );
  app.get(
    '/analytics/models/:id/fairness',
    { schema: { tags, summary: 'Fairness report for one recorded group attribute, on the held-out cohorts (staff)', params: idParamsSchema, querystring: fairnessQuerySchema, response: { 200: fairnessSchema, ...problemResponses } } },
    (req) => getFairnessReport(db, requireCtx(req), req.params.id, req.query.attribute),
  );
  app.get('/analytics/risk', { schema: { tags, summary: 'Learners at risk: probability, band, reasons (FR/EN), trend, latest review (staff; trainers for their cohorts)', querystring: riskQuerySchema, response: { 200: riskListSchema, ...problemResponses } } }, (req) =>
    listRisk(db, requireCtx(req), req.query),
  );
  app.post(
    '/analytics/risk/:predictionId/reviews',
    { schema: { tags, summary: 'Record an action on a prediction, or mark it wrong (staff; trainers for their cohorts)', params: predictionParamsSchema, body: reviewBodySchema, response: { 201: reviewSchema, ...problemResponses } } },
    async (req, reply) => reply.code(201).send(await reviewPrediction(db, requireCtx(req), req.params.predictionId, req.body)),
  );
  app.get('/analytics/objections', { schema: { tags, summary: 'Objections raised by learners (staff)', querystring: objectionQuerySchema, response: { 200: objectionListSchema, ...problemResponses } } }, (req) =>
    listObjections(db, requireCtx(req), req.query),
  );
  app.post(
    '/analytics/objections/:id/answer',
    { schema: { tags, summary: 'Answer an objection (staff)', params: idParamsSchema, body: answerBodySchema, response: { 200: objectionSchema, ...problemResponses } } },
    (req) => answerObjection(db, requireCtx(req), req.params.id, req.body, clock.now()),
  );
  app.get('/me/risk', { schema: { tags, summary: 'Your own risk predictions with their reasons, reviews and your objections (GDPR art. 22)', response: { 200: myRiskSchema, ...problemResponses } } }, (req) =>
    getMyRisk(db, requireCtx(req), clock),
  );
  app.post(
    '/me/risk/objections',
    { schema: { tags, summary: 'Object to one of your predictions', body: objectionBodySchema, response: { 201: objectionSchema, ...problemResponses } } },
    async (req, reply) => reply.code(201).send(await objectToPrediction(db, requireCtx(req), req.body)),
  );
  app.post(
    '/analytics/group-attributes',
    { schema: { tags, summary: 'Record a group attribute (e.g. gender) for people, by id or e-mail, with its legal basis, for fairness reports only (admin)', body: groupAttributesBodySchema, response: { 201: groupAttributesResultSchema, ...problemResponses } } },
    async (req, reply) => reply.code(201).send(await recordGroupAttributes(db, requireCtx(req), req.body)),
  );
  app.get('/analytics/group-attributes', { schema: { tags, summary: 'Recorded group attributes: legal basis and number of people per value, never who has which (staff)', response: { 200: groupAttributeListSchema, ...problemResponses } } }, (req) =>
    listGroupAttributes(db, requireCtx(req)),
  );
  app.delete(
    '/analytics/group-attributes/:attribute',
    { schema: { tags, summary: 'Erase every value of a group attribute (admin)', params: groupAttributeParamsSchema, response: { 200: groupAttributeDeletedSchema, ...problemResponses } } },
    (req) => deleteGroupAttribute(db, requireCtx(req), req.params.attribute),
  );
  app.get('/analytics/settings', { schema: { tags, summary: 'Analytics settings: scheduled retraining, the "not enough data yet" rule, learners\' access to their own predictions (staff)', response: { 200: analyticsSettingsSchema, ...problemResponses } } }, (req) =>
    getAnalyticsSettings(db, requireCtx(req), clock),
  );
  app.patch('/analytics/settings', { schema: { tags, summary: 'Change analytics settings: retraining (off, weekly, monthly), minimum half-days and weeks before a band, learners\' access (admin)', body: analyticsSettingsPatchSchema, response: { 200: analyticsSettingsSchema, ...problemResponses } } }, (req) =>
    updateSettings(db, requireCtx(req), clock, req.body),
  );
}
