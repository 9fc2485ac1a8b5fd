import { sql } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import { localParts } from '../catalogue/session-time.ts';

/** SQL for model versions and the organisation facts analytics needs. */
export async function getOrganisationFacts(trx: Tx, organisationId: string, now: Date) {
  const org = await trx.selectFrom('organisations').select(['timezone', 'settings']).where('id', '=', organisationId).executeTakeFirstOrThrow();
  const settings = (typeof org.settings === 'string' ? JSON.parse(org.settings) : org.settings) as { analytics?: AnalyticsSettings } | null;
  return { timezone: org.timezone, today: localParts(now, org.timezone).date, analytics: { ...ANALYTICS_DEFAULTS, ...(settings?.analytics ?? {}) } as Required<AnalyticsSettings> };
}

export interface AnalyticsSettings {
  /** Scheduled retraining. */
  retrain?: 'off' | 'weekly' | 'monthly';
  /** Set by the demo seed: the history is a simulation, metrics say "demo data". */
  simulatedHistory?: boolean;
  /** "Not enough data yet" below this many recorded half-days known at the week's cut-off. */
  minHalfDays?: number;
  /** … or before this many weeks of programme. */
  minWeeks?: number;
  /** Learners see their own predictions (Mon suivi) only when the organisation enables it. */
  learnerAccess?: boolean;
}

export const ANALYTICS_DEFAULTS: Required<AnalyticsSettings> = { retrain: 'off', simulatedHistory: false, minHalfDays: 4, minWeeks: 1, learnerAccess: false };

export async function updateAnalyticsSettings(trx: Tx, organisationId: string, patch: AnalyticsSettings): Promise<void> {
  await sql`UPDATE organisations SET settings = jsonb_set(settings, '{analytics}', coalesce(settings->'analytics', '{}'::jsonb) || ${JSON.stringify(patch)}::jsonb) WHERE id = ${organisationId}`.execute(trx);
}

export function getModelVersion(trx: Tx, id: string) {
  return trx.selectFrom('model_versions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The model in service: its predictions are the ones listed (those of retired versions are kept for audit only). */
export function findLatestReadyModel(trx: Tx) {
  return trx.selectFrom('model_versions').selectAll().where('status', '=', 'ready').orderBy('version', 'desc').limit(1).executeTakeFirst();
}

export async function getNextVersion(trx: Tx): Promise<number> {
  const row = await trx.selectFrom('model_versions').select((eb) => eb.fn.max('version').as('v')).executeTakeFirst();
  return Number(row?.v ?? 0) + 1;
}

export const parseJson = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
