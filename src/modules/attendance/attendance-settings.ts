import { z } from 'zod';

/**
 * Attendance settings: the organisation's (organisations.settings.attendance)
 * overridden field by field by the program's (programs.attendance_settings).
 * Anything missing or invalid falls back to the default, so a half-written
 * setting never blocks signing.
 */
export interface AttendanceSettings {
  methods: { qr: boolean; link: boolean; kiosk: boolean; trainerMark: boolean };
  /** Seconds between two QR codes (Moodle: 15 s). */
  qrRotationSeconds: number;
  /** Seconds a code stays valid after it rotated (Moodle: 2 s margin). */
  qrGraceSeconds: number;
  /** Signing more than this many minutes after the start counts as late. */
  lateAfterMinutes: number;
  windowOpensMinutesBefore: number;
  windowClosesMinutesAfterEnd: number;
  signingLinkTtlHours: number;
  reminders: { enabled: boolean; beforeStartMinutes: number; nonSignersAfterStartMinutes: number; trainerAfterEndMinutes: number };
  absenceRequest: { enabled: boolean; localTime: string };
  attendanceAlert: { threshold: number; afterSessions: number };
  /** Off by default; only with a stated purpose, and then only with each learner's consent. */
  geolocation: { enabled: boolean; purpose: string | null };
}

export const DEFAULT_ATTENDANCE_SETTINGS: AttendanceSettings = Object.freeze({
  methods: Object.freeze({ qr: true, link: true, kiosk: true, trainerMark: true }),
  qrRotationSeconds: 15,
  qrGraceSeconds: 2,
  lateAfterMinutes: 5,
  windowOpensMinutesBefore: 15,
  windowClosesMinutesAfterEnd: 30,
  signingLinkTtlHours: 4,
  reminders: Object.freeze({ enabled: true, beforeStartMinutes: 15, nonSignersAfterStartMinutes: 30, trainerAfterEndMinutes: 30 }),
  absenceRequest: Object.freeze({ enabled: true, localTime: '19:00' }),
  attendanceAlert: Object.freeze({ threshold: 0.8, afterSessions: 4 }),
  geolocation: Object.freeze({ enabled: false, purpose: null }),
}) as AttendanceSettings;

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** One field at a time: each is checked on its own, so one bad value does not discard the others. */
const FIELDS = {
  qrRotationSeconds: int(5, 300),
  qrGraceSeconds: int(0, 60),
  lateAfterMinutes: int(0, 240),
  windowOpensMinutesBefore: int(0, 24 * 60),
  windowClosesMinutesAfterEnd: int(0, 7 * 24 * 60),
  signingLinkTtlHours: int(1, 24 * 14),
} as const;

const GROUPS = {
  methods: { qr: z.boolean(), link: z.boolean(), kiosk: z.boolean(), trainerMark: z.boolean() },
  reminders: { enabled: z.boolean(), beforeStartMinutes: int(0, 24 * 60), nonSignersAfterStartMinutes: int(0, 24 * 60), trainerAfterEndMinutes: int(0, 24 * 60) },
  absenceRequest: { enabled: z.boolean(), localTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/) },
  attendanceAlert: { threshold: z.number().min(0).max(1), afterSessions: int(1, 1000) },
  geolocation: { enabled: z.boolean(), purpose: z.string().trim().min(3).max(500).nullable() },
} as const;

/** A partial settings object as stored (organisation or program): validate before saving. */
export const attendanceSettingsPatchSchema = z.strictObject({
  ...Object.fromEntries(Object.entries(FIELDS).map(([k, s]) => [k, s.optional()])),
  ...Object.fromEntries(Object.entries(GROUPS).map(([k, g]) => [k, z.strictObject(Object.fromEntries(Object.entries(g).map(([f, s]) => [f, (s as z.ZodType).optional()]))).optional()])),
}) as z.ZodType<DeepPartial<AttendanceSettings>>;

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]> | null) : T[K] };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function apply(base: AttendanceSettings, layer: unknown): AttendanceSettings {
  if (!isRecord(layer)) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [key, schema] of Object.entries(FIELDS)) {
    const parsed = schema.safeParse(layer[key]);
    if (parsed.success) out[key] = parsed.data;
  }
  for (const [group, fields] of Object.entries(GROUPS)) {
    const value = layer[group];
    if (!isRecord(value)) continue;
    const merged: Record<string, unknown> = { ...(base[group as keyof AttendanceSettings] as Record<string, unknown>) };
    for (const [field, schema] of Object.entries(fields)) {
      const parsed = (schema as z.ZodType).safeParse(value[field]);
      if (parsed.success) merged[field] = parsed.data;
    }
    out[group] = merged;
  }
  return out as unknown as AttendanceSettings;
}

/**
 * The effective settings of a session: defaults, then the organisation's
 * `settings.attendance` (pass `organisations.settings` whole, or its
 * `attendance` member), then the program's `attendance_settings`.
 * Geolocation stays disabled unless a purpose is stated.
 */
export function resolveAttendanceSettings(orgSettings: unknown, programSettings: unknown): AttendanceSettings {
  const orgLayer = isRecord(orgSettings) && isRecord(orgSettings.attendance) ? orgSettings.attendance : orgSettings;
  const settings = apply(apply(DEFAULT_ATTENDANCE_SETTINGS, orgLayer), programSettings);
  if (settings.geolocation.enabled && !settings.geolocation.purpose) settings.geolocation = { enabled: false, purpose: null };
  return settings;
}
