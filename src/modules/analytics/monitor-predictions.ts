/**
 * Watching models after deployment: each week (the analytics tick), every
 * version's past predictions are scored against the outcomes known since —
 * an enrolment withdrawn (1) or completed (0); active ones wait — on the
 * organisation's own data: AUC, calibration (Brier, ECE, reliability diagram),
 * flag rate, per week of programme too. Alerts are raised when these drift
 * from the version's validation figures. One row per version and day
 * (model_monitoring); the model card reads them.
 */
import type { Db } from '../../platform/db/database.ts';
import { withTenant, type Tx } from '../../platform/db/tenant.ts';
import { brierScore, reliability, rocAuc } from './engine/metrics.ts';
import { getOrganisationFacts, parseJson } from './model-version.repository.ts';

/** Monitoring runs at most this often per organisation. */
export const MONITOR_EVERY_DAYS = 7;
/** Outcomes of each kind needed before an AUC is computed or compared. */
const MIN_EACH_CLASS = 5;

export type MonitoringAlert =
  | { code: 'auc_drop'; live: number; validation: number }
  | { code: 'calibration_drift'; live: number; validation: number }
  | { code: 'flag_rate_drift'; live: number; expected: number };

interface ValidationFigures {
  validation?: { auc?: number | null };
  calibration?: { ece?: number | null };
  bands?: { pooledBaseRate?: number };
}

const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

/** The alerts for live figures against a version's validation figures. */
export function driftAlerts(live: { auc: number | null; ece: number | null; flagRate: number | null; n: number }, validation: ValidationFigures): MonitoringAlert[] {
  const alerts: MonitoringAlert[] = [];
  const vAuc = validation.validation?.auc;
  if (live.auc !== null && typeof vAuc === 'number' && live.auc < vAuc - 0.1) alerts.push({ code: 'auc_drop', live: live.auc, validation: vAuc });
  const vEce = validation.calibration?.ece;
  if (live.ece !== null && typeof vEce === 'number' && live.n >= 30 && live.ece > Math.max(0.1, 2 * vEce)) alerts.push({ code: 'calibration_drift', live: live.ece, validation: vEce });
  const base = validation.bands?.pooledBaseRate;
  if (live.flagRate !== null && typeof base === 'number' && live.n >= 30 && live.flagRate > 2 * base + 0.05) alerts.push({ code: 'flag_rate_drift', live: live.flagRate, expected: base });
  return alerts;
}

async function monitorVersion(trx: Tx, organisationId: string, version: { id: string; metrics: unknown }, asOf: string) {
  const rows = await trx
    .selectFrom('risk_predictions as p')
    .innerJoin('enrolments as e', (j) => j.onRef('e.organisation_id', '=', 'p.organisation_id').onRef('e.cohort_id', '=', 'p.cohort_id').onRef('e.person_id', '=', 'p.person_id'))
    .select(['p.person_id', 'p.cohort_id', 'p.step', 'p.probability', 'p.band', 'e.status'])
    .where('p.model_version_id', '=', version.id)
    .where('p.band', '!=', 'insufficient_data')
    .where('e.status', 'in', ['withdrawn', 'completed'])
    .execute();
  const labels: number[] = [], probs: number[] = [];
  const byWeek = new Map<number, { y: number[]; p: number[]; flagged: number }>();
  let flagged = 0;
  for (const r of rows) {
    const y = r.status === 'withdrawn' ? 1 : 0;
    labels.push(y);
    probs.push(r.probability!);
    if (r.band === 'high') flagged++;
    const w = byWeek.get(r.step) ?? { y: [], p: [], flagged: 0 };
    w.y.push(y);
    w.p.push(r.probability!);
    if (r.band === 'high') w.flagged++;
    byWeek.set(r.step, w);
  }
  const positives = labels.filter((y) => y === 1).length;
  const aucOf = (y: number[], p: number[]) => {
    const pos = y.filter((v) => v === 1).length;
    return pos >= MIN_EACH_CLASS && y.length - pos >= MIN_EACH_CLASS ? r4(rocAuc(y, p)) : null;
  };
  const auc = aucOf(labels, probs);
  const rel = labels.length ? reliability(labels, probs, 5) : null;
  const live = { auc, ece: rel ? r4(rel.ece) : null, flagRate: labels.length ? r4(flagged / labels.length) : null, n: labels.length };
  const alerts = driftAlerts(live, parseJson<ValidationFigures | null>(version.metrics) ?? {});
  const weeks = [...byWeek.entries()].sort((a, b) => a[0] - b[0]).map(([week, w]) => ({ week, n: w.y.length, positives: w.y.filter((v) => v === 1).length, auc: aucOf(w.y, w.p), brier: r4(brierScore(w.y, w.p)), flagRate: r4(w.flagged / w.y.length) }));
  const values = {
    predictions: labels.length,
    learners: new Set(rows.map((r) => `${r.cohort_id}/${r.person_id}`)).size,
    positives,
    auc,
    brier: labels.length ? r4(brierScore(labels, probs)) : null,
    ece: live.ece,
    flag_rate: live.flagRate,
    reliability: JSON.stringify(rel ? rel.bins.map((b) => ({ from: b.from, to: b.to, count: b.count, meanPredicted: r4(b.meanPredicted), observedRate: r4(b.observedRate) })) : []),
    by_week: JSON.stringify(weeks),
    alerts: JSON.stringify(alerts),
  };
  await trx
    .insertInto('model_monitoring')
    .values({ organisation_id: organisationId, model_version_id: version.id, as_of: asOf, ...values })
    .onConflict((oc) => oc.columns(['organisation_id', 'model_version_id', 'as_of']).doUpdateSet(values))
    .execute();
  return { predictions: labels.length, alerts: alerts.length };
}

/** Scores every deployed version's past predictions against the outcomes known today; returns what it measured. */
export async function monitorPredictions(db: Db, organisationId: string, now: Date) {
  return withTenant(db, organisationId, async (trx) => {
    const facts = await getOrganisationFacts(trx, organisationId, now);
    const versions = await trx.selectFrom('model_versions').select(['id', 'version', 'metrics']).where('status', 'in', ['ready', 'retired']).orderBy('version').execute();
    const out: Array<{ version: number; predictions: number; alerts: number }> = [];
    for (const v of versions) out.push({ version: v.version, ...(await monitorVersion(trx, organisationId, v, facts.today)) });
    return { asOf: facts.today, versions: out };
  });
}

/** True when the organisation's last monitoring is older than MONITOR_EVERY_DAYS (or there is none). */
export async function isMonitoringDue(trx: Tx, today: string): Promise<boolean> {
  const last = await trx.selectFrom('model_monitoring').select((eb) => eb.fn.max('as_of').as('d')).executeTakeFirst();
  const d = last?.d as string | Date | null | undefined;
  if (!d) return true;
  const lastDay = typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10);
  return (Date.parse(`${today}T00:00:00Z`) - Date.parse(`${lastDay}T00:00:00Z`)) / 86_400_000 >= MONITOR_EVERY_DAYS;
}

/** Monitoring rows of the organisation's versions, newest first (the model card's "after deployment" section). */
export async function listMonitoring(trx: Tx) {
  const rows = await trx
    .selectFrom('model_monitoring as m')
    .innerJoin('model_versions as v', (j) => j.onRef('v.organisation_id', '=', 'm.organisation_id').onRef('v.id', '=', 'm.model_version_id'))
    .selectAll('m')
    .select(['v.version', 'v.status', 'v.metrics'])
    .orderBy('m.as_of', 'desc')
    .orderBy('v.version', 'desc')
    .limit(200)
    .execute();
  return rows.map((r) => {
    const m = parseJson<ValidationFigures | null>(r.metrics) ?? {};
    return {
      modelVersionId: r.model_version_id,
      version: r.version,
      status: r.status,
      asOf: typeof r.as_of === 'string' ? r.as_of : new Date(r.as_of as unknown as Date).toISOString().slice(0, 10),
      predictions: r.predictions,
      learners: r.learners,
      positives: r.positives,
      auc: r.auc,
      brier: r.brier,
      ece: r.ece,
      flagRate: r.flag_rate,
      validation: { auc: m.validation?.auc ?? null, ece: m.calibration?.ece ?? null, expectedFlagRate: m.bands?.pooledBaseRate ?? null },
      reliability: parseJson<unknown[]>(r.reliability),
      byWeek: parseJson<unknown[]>(r.by_week),
      alerts: parseJson<MonitoringAlert[]>(r.alerts),
    };
  });
}
