import { z } from 'zod';

const minutes = z.number().int();

/** The effective attendance settings (defaults, then the organisation's). */
export const attendanceSettingsSchema = z
  .object({
    methods: z.object({ qr: z.boolean(), link: z.boolean(), kiosk: z.boolean(), trainerMark: z.boolean() }),
    qrRotationSeconds: z.number().int(),
    qrGraceSeconds: z.number().int(),
    lateAfterMinutes: minutes,
    windowOpensMinutesBefore: minutes,
    windowClosesMinutesAfterEnd: minutes,
    signingLinkTtlHours: z.number().int(),
    reminders: z.object({ enabled: z.boolean(), beforeStartMinutes: minutes, nonSignersAfterStartMinutes: minutes, trainerAfterEndMinutes: minutes }),
    absenceRequest: z.object({ enabled: z.boolean(), localTime: z.string() }),
    attendanceAlert: z.object({ threshold: z.number(), afterSessions: z.number().int() }),
    geolocation: z.object({ enabled: z.boolean(), purpose: z.string().nullable() }),
  })
  .meta({ id: 'AttendanceSettings' });

export const organisationAttendanceSettingsSchema = z
  .object({
    effective: attendanceSettingsSchema.describe('What applies to sessions whose program sets nothing else'),
    organisation: z.record(z.string(), z.unknown()).describe("The organisation's own values (only what it changed from the defaults)"),
  })
  .meta({ id: 'OrganisationAttendanceSettings' });
