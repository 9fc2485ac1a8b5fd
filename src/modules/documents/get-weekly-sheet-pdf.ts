import type { Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { ensureSheet } from '../attendance/ensure-sheet.ts';
import { newVerificationCode } from '../attendance/verification-code.ts';
import { addDaysToDate, isoWeekday, localParts } from '../catalogue/session-time.ts';
import { actorPersonId, assertMayReadSheets, assertSheetScope } from './document-access.ts';
import { docLocale, LABELS } from './document-format.ts';
import { findCohortLearners, findCohortSessions, getCohortContext, getOrganisationInfo } from './documents.repository.ts';
import { isoWeekOf, mondayOfIsoWeek } from './iso-week.ts';
import { fileSlug } from './file-names.ts';
import { issueDocument } from './issue-document.ts';
import { verifyUrl } from './produce-session-sheet.ts';
import { renderWeeklySheet } from './render-weekly-sheet.ts';
import { getOrCreateSealKey } from './seal-key.ts';
import { loadEvidenceAnchor, loadSessionSheets } from './sheet-data.ts';

/**
 * A cohort's weekly sheet (Monday to Friday), sealed and registered with a
 * code of its own; staff and the cohort's trainers. `week` (YYYY-Www) or
 * `from` (that week's Monday).
 */
export async function getWeeklySheetPdf(db: Db, ctx: Ctx, cohortId: string, query: { week?: string; from?: string }, deps: { clock: Clock; publicUrl: string }) {
  assertMayReadSheets(ctx.actor);
  let requested: string | null = null;
  if (query.week !== undefined) {
    requested = mondayOfIsoWeek(query.week);
    if (!requested) throw new AppError('validation_failed', `${query.week} is not a week of that year.`, { errors: [problemItem('querystring.week', 'week_not_in_year')] });
  } else if (query.from !== undefined) {
    requested = query.from;
    if (isoWeekday(requested) !== 1) throw new AppError('validation_failed', `${requested} is not a Monday.`, { errors: [problemItem('querystring.from', 'not_a_monday')] });
  }
  const organisationId = ctx.actor.organisationId;
  return withTenant(db, organisationId, async (trx) => {
    const cohort = await getCohortContext(trx, cohortId);
    if (!cohort) throw notFound('Cohort');
    await assertSheetScope(trx, ctx.actor, cohortId, 'Cohort');
    const organisation = await getOrganisationInfo(trx, organisationId);
    // Neither week nor from: the current week in the organisation's time zone.
    const today = localParts(deps.clock.now(), organisation.timezone).date;
    const monday = requested ?? addDaysToDate(today, 1 - isoWeekday(today));
    const friday = addDaysToDate(monday, 4);
    const week = isoWeekOf(monday);
    const sessions = await findCohortSessions(trx, cohortId, monday, friday);
    for (const s of sessions) if (s.status !== 'cancelled') await ensureSheet(trx, s.id);
    const sheetMap = await loadSessionSheets(trx, sessions);
    const sheets = [...sheetMap.values()];
    // Everyone on a sheet of the week, plus learners still enrolled (so a week without sessions yet still lists them).
    const learners = new Map<string, string>();
    for (const s of sheets) for (const l of s.learners) learners.set(l.personId, l.name);
    for (const e of await findCohortLearners(trx, cohortId)) {
      if (e.status === 'active' && !learners.has(e.id)) learners.set(e.id, `${e.family_name.toLocaleUpperCase('fr-FR')} ${e.given_name}`);
    }
    const ordered = [...learners].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name, 'fr') || a.id.localeCompare(b.id));
    const locale = docLocale(organisation.locale);
    const code = newVerificationCode();
    const url = verifyUrl(deps.publicUrl, code);
    const issuedAt = deps.clock.now();
    const unsealed = await renderWeeklySheet({
      organisation,
      locale,
      cohort: { name: cohort.name, program_title: cohort.program_title, program_code: cohort.program_code, funder: cohort.funder, funding_reference: cohort.funding_reference },
      week,
      monday,
      sheets,
      learners: ordered,
      verificationCode: code,
      verifyUrl: url,
      anchor: await loadEvidenceAnchor(trx),
      issuedAt,
    });
    const seal = await getOrCreateSealKey(trx, organisationId, organisation.name);
    const issued = await issueDocument(trx, {
      organisationId,
      organisationName: organisation.name,
      seal,
      kind: 'weekly_sheet',
      subjectId: cohortId,
      verificationCode: code,
      sheetVersion: null,
      attests: {
        program: cohort.program_title,
        cohort: cohort.name,
        week,
        from: monday,
        to: friday,
        timezone: organisation.timezone,
        learners: ordered.length,
        sessions: sheets.map((s) => ({
          date: s.session.date,
          halfDay: s.session.half_day,
          status: s.session.status,
          sheetVersion: s.sheet?.version ?? null,
          sheetStatus: s.sheet?.status ?? null,
          sheetVerificationCode: s.sheet?.verificationCode ?? null,
          signed: s.learners.filter((l) => l.signedAt !== null).length,
        })),
      },
      reason: `${LABELS[locale].weeklyTitle} — ${code}`,
      pdf: unsealed,
      issuedAt,
      issuedBy: actorPersonId(ctx.actor),
    });
    await recordAuditEvent(trx, ctx, { type: 'document.issued', subjectType: 'cohort', subjectId: cohortId, payload: { kind: 'weekly_sheet', verificationCode: code, sha256: issued.sha256, sheetVersion: null } });
    return { pdf: issued.pdf, sha256: issued.sha256, verificationCode: code, fileName: `feuille-hebdo-${fileSlug(cohort.name, 'groupe')}-${week}-${code}.pdf` };
  });
}
