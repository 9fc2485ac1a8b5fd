import { requireCtx } from '../../platform/auth/authenticate.ts';
import { problemResponses } from '../../platform/http/responses.ts';
import type { AppDeps, ZodApp } from '../../platform/http/types.ts';
import { attendanceSettingsPatchSchema } from '../attendance/attendance-settings.ts';
import { organisationAttendanceSettingsSchema } from './attendance-settings.schemas.ts';
import { getOrganisationAttendanceSettings, updateOrganisationAttendanceSettings } from './organisation-attendance-settings.ts';

/** The organisation's attendance settings (admin): signing methods, windows, reminders, absence requests, alerts. */
export async function attendanceSettingsRoutes(app: ZodApp, { db }: AppDeps): Promise<void> {
  const tags = ['organisation'];
  app.get(
    '/organisation/attendance-settings',
    { schema: { tags, summary: "The organisation's attendance settings (admin): effective values and its own", response: { 200: organisationAttendanceSettingsSchema, ...problemResponses } } },
    (req) => getOrganisationAttendanceSettings(db, requireCtx(req)),
  );
  app.patch(
    '/organisation/attendance-settings',
    {
      schema: {
        tags,
        summary: 'Change attendance settings (admin): values replace, groups merge field by field',
        body: attendanceSettingsPatchSchema,
        response: { 200: organisationAttendanceSettingsSchema, ...problemResponses },
      },
    },
    (req) => updateOrganisationAttendanceSettings(db, requireCtx(req), req.body),
  );
}
