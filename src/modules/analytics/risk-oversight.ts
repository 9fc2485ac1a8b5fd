/**
 * Human oversight of risk predictions: the list of learners at risk (staff;
 * trainers for their cohorts), reviews by staff, and the person's own view
 * with objections (GDPR art. 22: advisory outputs, shown with their reasons,
 * reviewed by a human, objectable).
 */
import { assertOrgWide, isOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant, type Tx } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { canSeeCohort, isTrainerOfCohort, scopeFor } from '../catalogue/access.ts';
import type { Clock } from '../../platform/clock.ts';
import type { PredictionBand, ReviewAction, RiskReason } from './analytics.table.ts';
import { findLatestReadyModel, getModelVersion, getOrganisationFacts, parseJson } from './model-version.repository.ts';

const iso = (d: Date | string | null): string | null => (d ? new Date(d).toISOString() : null);

const BAND_ORDER: Record<PredictionBand, number> = { high: 3, medium: 2, low: 1, insufficient_data: 0 };
const r4 = (v: number | null): number | null => (v === null ? null : Math.round(v * 1e4) / 1e4);

/** One prediction as every reader gets it (staff list, the learner's page, the API): same reasons, same words. */
function presentPrediction(p: { id: string; model_version_id: string; person_id: string; cohort_id: string; week_start: string; probability: number | null; band: PredictionBand; reasons: unknown; created_at: Date }) {
  return {
    id: p.id,
    modelVersionId: p.model_version_id,
    personId: p.person_id,
    cohortId: p.cohort_id,
    weekStart: p.week_start,
    probability: r4(p.probability),
    band: p.band,
    reasons: parseJson<RiskReason[]>(p.reasons).map((r) => ({ feature: r.feature, textFr: r.text_fr, textEn: r.text_en, contribution: r.contribution, value: r.value ?? null, cohortMedian: r.cohort_median ?? null })),
    createdAt: iso(p.created_at)!,
  };
}

function presentReview(r: { id: string; prediction_id: string; person_id: string; action: ReviewAction; note: string | null; reviewed_by: string | null; created_at: Date }) {
  return { id: r.id, predictionId: r.prediction_id, personId: r.person_id, action: r.action, note: r.note, reviewedBy: r.reviewed_by, createdAt: iso(r.created_at)! };
}

export interface RiskListQuery {
  cohortId?: string;
  band?: 'high' | 'medium' | 'low' | 'insufficient_data' | 'at_risk' | 'all';
  modelVersionId?: string;
}

/** Learners of the latest ready model's predictions, riskiest first (band, then probability): latest week's probability, band, reasons, trend, latest review. */
export async function listRisk(db: Db, ctx: Ctx, query: RiskListQuery) {
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const scope = await scopeFor(trx, ctx.actor);
    if (!scope.all && !scope.isTrainer) throw AppError.because('forbidden', 'risk_list_staff_or_trainer');
    if (query.cohortId) {
      const cohort = await trx.selectFrom('cohorts').select('id').where('id', '=', query.cohortId).executeTakeFirst();
      if (!cohort || !canSeeCohort(scope, query.cohortId)) throw notFound('Cohort');
    }
    const model = query.modelVersionId ? await getModelVersion(trx, query.modelVersionId) : await findLatestReadyModel(trx);
    if (query.modelVersionId && !model) throw notFound('Model version');
    if (!model) return { model: null, items: [] };
    let q = trx
      .selectFrom('risk_predictions as p')
      .innerJoin('people as pe', (j) => j.onRef('pe.organisation_id', '=', 'p.organisation_id').onRef('pe.id', '=', 'p.person_id'))
      .innerJoin('cohorts as c', (j) => j.onRef('c.organisation_id', '=', 'p.organisation_id').onRef('c.id', '=', 'p.cohort_id'))
      .selectAll('p')
      .select(['pe.given_name', 'pe.family_name', 'c.name as cohort_name'])
      .where('p.model_version_id', '=', model.id);
    if (query.cohortId) q = q.where('p.cohort_id', '=', query.cohortId);
    else if (!scope.all) q = q.where('p.cohort_id', 'in', scope.cohortIds.length ? scope.cohortIds : ['00000000-0000-0000-0000-000000000000']);
    const rows = await q.orderBy('p.week_start', 'asc').execute();
    const byLearner = new Map<string, typeof rows>();
    for (const r of rows) {
      const key = `${r.cohort_id}/${r.person_id}`;
      byLearner.set(key, [...(byLearner.get(key) ?? []), r]);
    }
    const latest = [...byLearner.values()].map((list) => ({ latest: list[list.length - 1]!, trend: list.slice(-6) }));
    const reviews = latest.length
      ? await trx.selectFrom('risk_reviews').selectAll().where('prediction_id', 'in', rows.map((r) => r.id)).orderBy('created_at', 'desc').orderBy('id').execute()
      : [];
    const band = query.band ?? 'at_risk';
    const items = latest
      .filter(({ latest: p }) => band === 'all' || (band === 'at_risk' ? p.band === 'high' || p.band === 'medium' : p.band === band))
      // Riskiest first: by band (the band already weighs the week's base rate), then probability; no estimate last.
      .sort((a, b) => BAND_ORDER[b.latest.band] - BAND_ORDER[a.latest.band] || (b.latest.probability ?? -1) - (a.latest.probability ?? -1))
      .map(({ latest: p, trend }) => {
        const review = reviews.find((r) => r.person_id === p.person_id && trend.some((t) => t.id === r.prediction_id));
        return {
          ...presentPrediction(p),
          personName: `${p.given_name} ${p.family_name}`,
          cohortName: p.cohort_name,
          trend: trend.map((t) => ({ weekStart: t.week_start, probability: r4(t.probability), band: t.band })),
          latestReview: review ? presentReview(review) : null,
        };
      });
    return { model: { id: model.id, version: model.version, trainedAt: iso(model.trained_at) }, items };
  });
}

async function getVisiblePrediction(trx: Tx, ctx: Ctx, predictionId: string) {
  const p = await trx.selectFrom('risk_predictions').selectAll().where('id', '=', predictionId).executeTakeFirst();
  if (!p) throw notFound('Prediction');
  if (isOrgWide(ctx.actor)) return p;
  if (ctx.actor.kind === 'person' && ctx.actor.roles.includes('trainer') && (await isTrainerOfCohort(trx, ctx.actor.personId, p.cohort_id))) return p;
  throw notFound('Prediction');
}

/** A staff member (or the cohort's trainer) records what was done about a prediction, or marks it wrong. */
export async function reviewPrediction(db: Db, ctx: Ctx, predictionId: string, input: { action: ReviewAction; note?: string | null }) {
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const p = await getVisiblePrediction(trx, ctx, predictionId);
    const review = await trx
      .insertInto('risk_reviews')
      .values({ organisation_id: ctx.actor.organisationId, prediction_id: p.id, person_id: p.person_id, action: input.action, note: input.note ?? null, reviewed_by: ctx.actor.kind === 'person' ? ctx.actor.personId : null })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'analytics.prediction_reviewed', subjectType: 'risk_prediction', subjectId: p.id, payload: { predictionId: p.id, personId: p.person_id, action: input.action } });
    return presentReview(review);
  });
}

function presentObjection(o: { id: string; person_id: string; prediction_id: string; message: string; status: 'open' | 'answered'; answer: string | null; answered_by: string | null; answered_at: Date | null; created_at: Date }) {
  return { id: o.id, personId: o.person_id, predictionId: o.prediction_id, message: o.message, status: o.status, answer: o.answer, answeredBy: o.answered_by, answeredAt: iso(o.answered_at), createdAt: iso(o.created_at)! };
}

/**
 * The signed-in person's own predictions of the model in service (latest week
 * first; those of retired versions are kept for audit, not listed), with the
 * same reasons staff read, the reviews of them, their objections, and whom to
 * talk to (the trainers of their cohorts). Shown only where the organisation
 * enables it (settings.analytics.learnerAccess); otherwise an empty list that says so.
 */
export async function getMyRisk(db: Db, ctx: Ctx, clock: Clock) {
  if (ctx.actor.kind !== 'person') throw AppError.because('forbidden', 'own_predictions_person_only');
  const personId = ctx.actor.personId;
  const organisationId = ctx.actor.organisationId;
  return withTenant(db, organisationId, async (trx) => {
    const facts = await getOrganisationFacts(trx, organisationId, clock.now());
    const objections = await trx.selectFrom('risk_objections').selectAll().where('person_id', '=', personId).orderBy('created_at', 'desc').execute();
    const contacts = await trx
      .selectFrom('enrolments as e')
      .innerJoin('cohort_trainers as ct', (j) => j.onRef('ct.organisation_id', '=', 'e.organisation_id').onRef('ct.cohort_id', '=', 'e.cohort_id'))
      .innerJoin('people as pe', (j) => j.onRef('pe.organisation_id', '=', 'ct.organisation_id').onRef('pe.id', '=', 'ct.person_id'))
      .innerJoin('cohorts as c', (j) => j.onRef('c.organisation_id', '=', 'e.organisation_id').onRef('c.id', '=', 'e.cohort_id'))
      .select(['pe.given_name', 'pe.family_name', 'pe.email', 'c.name as cohort_name'])
      .where('e.person_id', '=', personId)
      .where('e.status', '=', 'active')
      .orderBy('c.name')
      .orderBy('pe.family_name')
      .execute();
    const base = {
      enabled: facts.analytics.learnerAccess,
      notice: {
        en: 'These risk estimates are advisory: they come from a model trained on past learners, are reviewed by a person, and no decision about you is taken by the model alone. You may object to any of them.',
        fr: 'Ces estimations de risque sont indicatives : elles viennent d’un modèle entraîné sur d’anciens apprenants, sont examinées par une personne, et aucune décision vous concernant n’est prise par le modèle seul. Vous pouvez contester chacune d’elles.',
      },
      contacts: contacts.map((c) => ({ name: `${c.given_name} ${c.family_name}`, email: c.email, cohortName: c.cohort_name, role: 'trainer' as const })),
      minHalfDays: facts.analytics.minHalfDays,
      objections: objections.map(presentObjection),
    };
    const model = await findLatestReadyModel(trx);
    if (!facts.analytics.learnerAccess || !model) return { ...base, predictions: [] };
    const predictions = await trx
      .selectFrom('risk_predictions as p')
      .selectAll('p')
      .where('p.person_id', '=', personId)
      .where('p.model_version_id', '=', model.id)
      .orderBy('p.week_start', 'desc')
      .orderBy('p.cohort_id')
      .limit(52)
      .execute();
    const ids = predictions.map((p) => p.id);
    const reviews = ids.length ? await trx.selectFrom('risk_reviews').selectAll().where('prediction_id', 'in', ids).orderBy('created_at', 'desc').execute() : [];
    return {
      ...base,
      predictions: predictions.map((p) => ({
        ...presentPrediction(p),
        modelVersion: model.version,
        reviews: reviews.filter((r) => r.prediction_id === p.id).map((r) => ({ action: r.action, createdAt: iso(r.created_at)! })),
      })),
    };
  });
}

export async function objectToPrediction(db: Db, ctx: Ctx, input: { predictionId: string; message: string }) {
  if (ctx.actor.kind !== 'person') throw AppError.because('forbidden', 'objection_person_only');
  const personId = ctx.actor.personId;
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const p = await trx.selectFrom('risk_predictions').select(['id', 'person_id', 'band']).where('id', '=', input.predictionId).where('person_id', '=', personId).executeTakeFirst();
    if (!p) throw notFound('Prediction');
    if (p.band === 'insufficient_data') throw AppError.because('conflict', 'prediction_without_estimate');
    const o = await trx.insertInto('risk_objections').values({ organisation_id: ctx.actor.organisationId, person_id: personId, prediction_id: p.id, message: input.message }).returningAll().executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'analytics.objection_raised', subjectType: 'risk_objection', subjectId: o.id, payload: { predictionId: p.id } });
    return presentObjection(o);
  });
}

export async function listObjections(db: Db, ctx: Ctx, query: { status?: 'open' | 'answered' }) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    let q = trx
      .selectFrom('risk_objections as o')
      .innerJoin('people as pe', (j) => j.onRef('pe.organisation_id', '=', 'o.organisation_id').onRef('pe.id', '=', 'o.person_id'))
      .selectAll('o')
      .select(['pe.given_name', 'pe.family_name']);
    if (query.status) q = q.where('o.status', '=', query.status);
    const rows = await q.orderBy('o.created_at', 'asc').orderBy('o.id').limit(500).execute();
    return { items: rows.map((o) => ({ ...presentObjection(o), personName: `${o.given_name} ${o.family_name}` })) };
  });
}

export async function answerObjection(db: Db, ctx: Ctx, objectionId: string, input: { answer: string }, now: Date) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const o = await trx.selectFrom('risk_objections').selectAll().where('id', '=', objectionId).executeTakeFirst();
    if (!o) throw notFound('Objection');
    if (o.status === 'answered') throw AppError.because('conflict', 'objection_answered');
    const updated = await trx
      .updateTable('risk_objections')
      .set({ status: 'answered', answer: input.answer, answered_by: ctx.actor.kind === 'person' ? ctx.actor.personId : null, answered_at: now })
      .where('id', '=', objectionId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAuditEvent(trx, ctx, { type: 'analytics.objection_answered', subjectType: 'risk_objection', subjectId: o.id, payload: { personId: o.person_id, predictionId: o.prediction_id } });
    return presentObjection(updated);
  });
}
