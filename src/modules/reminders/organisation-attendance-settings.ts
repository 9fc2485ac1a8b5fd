import { assertAdmin, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound, type ProblemItem } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import { type AttendanceSettings, type DeepPartial, resolveAttendanceSettings } from '../attendance/attendance-settings.ts';

const GROUPS = ['methods', 'reminders', 'absenceRequest', 'attendanceAlert', 'geolocation'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function present(settings: unknown) {
  const stored = isRecord(settings) && isRecord(settings.attendance) ? settings.attendance : {};
  return { effective: resolveAttendanceSettings(settings, null), organisation: stored };
}

/** The organisation's attendance settings: what applies, and what it set itself (admin). */
export async function getOrganisationAttendanceSettings(db: Db, ctx: Ctx) {
  assertAdmin(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const org = await trx.selectFrom('organisations').select('settings').where('id', '=', ctx.actor.organisationId).executeTakeFirst();
    if (!org) throw notFound('Organisation');
    return present(org.settings);
  });
}

/**
 * Changes some attendance settings (admin): top-level values replace, groups
 * merge field by field (a null group, if ever accepted, returns to the defaults). The patch
 * is validated by ATTEND-CORE's schema; geolocation needs a stated purpose and
 * at least one way of signing must stay enabled.
 */
export async function updateOrganisationAttendanceSettings(db: Db, ctx: Ctx, patch: DeepPartial<AttendanceSettings>) {
  assertAdmin(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const org = await trx.selectFrom('organisations').select('settings').where('id', '=', ctx.actor.organisationId).forUpdate().executeTakeFirst();
    if (!org) throw notFound('Organisation');
    const settings: Record<string, unknown> = isRecord(org.settings) ? { ...org.settings } : {};
    const stored: Record<string, unknown> = isRecord(settings.attendance) ? { ...settings.attendance } : {};
    for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
      if (value === undefined) continue;
      if ((GROUPS as readonly string[]).includes(key)) {
        if (value === null) delete stored[key];
        else stored[key] = { ...(isRecord(stored[key]) ? stored[key] : {}), ...Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)) };
      } else stored[key] = value;
    }
    const effective = resolveAttendanceSettings({ attendance: stored }, null);
    const errors: ProblemItem[] = [];
    const geo = isRecord(stored.geolocation) ? stored.geolocation : {};
    if (geo.enabled === true && !(typeof geo.purpose === 'string' && geo.purpose.trim())) {
      errors.push(problemItem('body.geolocation.purpose', 'geolocation_purpose_required'));
    }
    if (!Object.values(effective.methods).some(Boolean)) errors.push(problemItem('body.methods', 'signing_method_required'));
    if (errors.length) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
    settings.attendance = stored;
    await trx.updateTable('organisations').set({ settings: JSON.stringify(settings) as never }).where('id', '=', ctx.actor.organisationId).execute();
    await recordAuditEvent(trx, ctx, { type: 'organisation.attendance_settings_updated', subjectType: 'organisation', subjectId: ctx.actor.organisationId, payload: { changes: patch as Record<string, unknown> } });
    return present(settings);
  });
}
