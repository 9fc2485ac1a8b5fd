import type { Selectable } from 'kysely';
import { newToken, hashToken } from '../../platform/auth/tokens.ts';
import type { Tx } from '../../platform/db/tenant.ts';
import { formatInZone } from '../../platform/mail/magic-link-mail.ts';
import { enqueueMail } from '../../platform/mail/enqueue-mail.ts';
import { renderInvitationMail } from './invitation-mail.ts';
import type { QuestionnaireDistributionsTable } from './questionnaire.table.ts';

export type DistributionRow = Selectable<QuestionnaireDistributionsTable>;

/** The cohorts a distribution's target concerns (a module: the cohorts of its program that have sessions of it). */
export async function cohortsOfTarget(trx: Tx, targetType: DistributionRow['target_type'], targetId: string): Promise<string[]> {
  switch (targetType) {
    case 'cohort':
      return [targetId];
    case 'session': {
      const s = await trx.selectFrom('sessions').select('cohort_id').where('id', '=', targetId).executeTakeFirst();
      return s ? [s.cohort_id] : [];
    }
    case 'program':
      return (await trx.selectFrom('cohorts').select('id').where('program_id', '=', targetId).where('archived_at', 'is', null).execute()).map((r) => r.id);
    case 'module':
      return (await trx.selectFrom('sessions').select('cohort_id').distinct().where('module_id', '=', targetId).execute()).map((r) => r.cohort_id);
  }
}

/** First start and last end of the target's planned sessions (null when it has none). */
export async function targetBounds(trx: Tx, targetType: DistributionRow['target_type'], targetId: string): Promise<{ first: Date; last: Date } | null> {
  let q = trx.selectFrom('sessions').select((eb) => [eb.fn.min('starts_at').as('first'), eb.fn.max('ends_at').as('last')]).where('status', '=', 'planned');
  if (targetType === 'session') q = q.where('id', '=', targetId);
  else if (targetType === 'cohort') q = q.where('cohort_id', '=', targetId);
  else if (targetType === 'module') q = q.where('module_id', '=', targetId);
  else q = q.where('cohort_id', 'in', (eb) => eb.selectFrom('cohorts').select('id').where('program_id', '=', targetId));
  const row = await q.executeTakeFirst();
  if (!row?.first || !row.last) return null;
  return { first: new Date(row.first as never), last: new Date(row.last as never) };
}

const DAY = 86_400_000;

/** When a distribution goes out, from its trigger and the target's sessions (null: no session yet to anchor it). */
export function dueAtFor(trigger: DistributionRow['trigger'], triggerDays: number | null, bounds: { first: Date; last: Date } | null, now: Date): Date | null {
  if (trigger === 'now') return now;
  if (!bounds) return null;
  switch (trigger) {
    case 'before_first_session':
      return new Date(bounds.first.getTime() - (triggerDays ?? 2) * DAY);
    case 'end_of_session':
    case 'end_of_module':
    case 'end_of_program':
      return bounds.last;
    case 'days_after_end':
      return new Date(bounds.last.getTime() + (triggerDays ?? 0) * DAY);
  }
}

interface Recipient {
  email: string;
  personId: string | null;
  cohortId: string | null;
  locale: 'fr' | 'en' | null;
}

async function recipientsOf(trx: Tx, d: DistributionRow): Promise<Recipient[]> {
  if (d.audience === 'external') return d.external_emails.map((email) => ({ email: email.toLowerCase(), personId: null, cohortId: null, locale: null }));
  const cohorts = await cohortsOfTarget(trx, d.target_type, d.target_id);
  if (cohorts.length === 0) return [];
  const rows =
    d.audience === 'learners'
      ? await trx
          .selectFrom('enrolments as e')
          .innerJoin('people as p', (j) => j.onRef('p.organisation_id', '=', 'e.organisation_id').onRef('p.id', '=', 'e.person_id'))
          .select(['p.id', 'p.email', 'p.locale', 'e.cohort_id'])
          .where('e.cohort_id', 'in', cohorts)
          .where('e.status', '!=', 'withdrawn')
          .where('p.archived_at', 'is', null)
          .execute()
      : await trx
          .selectFrom('cohort_trainers as t')
          .innerJoin('people as p', (j) => j.onRef('p.organisation_id', '=', 't.organisation_id').onRef('p.id', '=', 't.person_id'))
          .select(['p.id', 'p.email', 'p.locale', 't.cohort_id'])
          .where('t.cohort_id', 'in', cohorts)
          .where('p.archived_at', 'is', null)
          .execute();
  const seen = new Set<string>();
  const out: Recipient[] = [];
  for (const r of rows) {
    const email = r.email.toLowerCase();
    if (seen.has(email)) continue;
    seen.add(email);
    out.push({ email, personId: r.id, cohortId: r.cohort_id, locale: r.locale });
  }
  return out;
}

/**
 * Creates the personal invitations of a due distribution and queues their
 * mails (FR/EN), in the caller's transaction; marks it sent. Each token is
 * shown once, in its mail; only its hash is stored.
 */
export async function sendDistribution(trx: Tx, d: DistributionRow, opts: { now: Date; publicUrl: string }): Promise<number> {
  const questionnaire = await trx.selectFrom('questionnaires').select(['title', 'locale']).where('id', '=', d.questionnaire_id).executeTakeFirstOrThrow();
  const organisation = await trx.selectFrom('organisations').select(['name', 'timezone']).where('id', '=', d.organisation_id).executeTakeFirstOrThrow();
  const recipients = await recipientsOf(trx, d);
  let count = 0;
  for (const r of recipients) {
    const token = newToken();
    const inserted = await trx
      .insertInto('questionnaire_invitations')
      .values({ organisation_id: d.organisation_id, distribution_id: d.id, questionnaire_id: d.questionnaire_id, person_id: r.personId, email: r.email, cohort_id: r.cohortId, sent_at: opts.now })
      .onConflict((oc) => oc.columns(['organisation_id', 'distribution_id', 'email']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) continue;
    await trx.insertInto('questionnaire_invitation_tokens').values({ organisation_id: d.organisation_id, token_hash: hashToken(token), invitation_id: inserted.id }).execute();
    const locale = r.locale ?? questionnaire.locale;
    const mail = renderInvitationMail({ locale, organisationName: organisation.name, title: questionnaire.title, url: `${opts.publicUrl}/respond/${token}`, closesAt: d.closes_at ? formatInZone(d.closes_at, locale, organisation.timezone) : null, reminder: false });
    await enqueueMail(trx, { organisationId: d.organisation_id, to: r.email, ...mail });
    count++;
  }
  await trx.updateTable('questionnaire_distributions').set({ status: 'sent', sent_at: opts.now }).where('id', '=', d.id).execute();
  return count;
}

/**
 * Reminders of a sent distribution: on each day listed in reminder_days
 * (counted from sent_at), invitations without a submitted answer get a new
 * personal link (the earlier one keeps working and keeps its saved draft).
 */
export async function sendDueReminders(trx: Tx, d: DistributionRow, opts: { now: Date; publicUrl: string }): Promise<number> {
  if (!d.sent_at || d.status !== 'sent') return 0;
  if (d.closes_at && d.closes_at <= opts.now) return 0;
  const days = [...d.reminder_days].sort((a, b) => a - b);
  const due = days.filter((n) => d.sent_at!.getTime() + n * DAY <= opts.now.getTime()).length;
  if (due <= d.reminders_sent) return 0;
  const questionnaire = await trx.selectFrom('questionnaires').select(['title', 'locale', 'status']).where('id', '=', d.questionnaire_id).executeTakeFirstOrThrow();
  if (questionnaire.status !== 'published') return 0;
  const organisation = await trx.selectFrom('organisations').select(['name', 'timezone']).where('id', '=', d.organisation_id).executeTakeFirstOrThrow();
  const pending = await trx
    .selectFrom('questionnaire_invitations as i')
    .leftJoin('people as p', (j) => j.onRef('p.organisation_id', '=', 'i.organisation_id').onRef('p.id', '=', 'i.person_id'))
    .select(['i.id', 'i.email', 'p.locale'])
    .where('i.distribution_id', '=', d.id)
    .where('i.responded', '=', false)
    .execute();
  for (const inv of pending) {
    const token = newToken();
    await trx.insertInto('questionnaire_invitation_tokens').values({ organisation_id: d.organisation_id, token_hash: hashToken(token), invitation_id: inv.id }).execute();
    const locale = inv.locale ?? questionnaire.locale;
    const mail = renderInvitationMail({ locale, organisationName: organisation.name, title: questionnaire.title, url: `${opts.publicUrl}/respond/${token}`, closesAt: d.closes_at ? formatInZone(d.closes_at, locale, organisation.timezone) : null, reminder: true });
    await enqueueMail(trx, { organisationId: d.organisation_id, to: inv.email, ...mail });
    await trx.updateTable('questionnaire_invitations').set({ last_reminded_at: opts.now }).where('id', '=', inv.id).execute();
  }
  await trx.updateTable('questionnaire_distributions').set({ reminders_sent: due }).where('id', '=', d.id).execute();
  return pending.length;
}
