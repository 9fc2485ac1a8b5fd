import type { z } from 'zod';
import type { programSchema } from '../../modules/catalogue/catalogue.schemas.ts';

/** The API's shapes as the web app uses them (see docs/openapi.json and the brief's API contract). */
export type Role = 'admin' | 'manager' | 'trainer' | 'learner';
export const ROLES: readonly Role[] = ['admin', 'manager', 'trainer', 'learner'];

export interface SessionInfo {
  person: { id: string; email: string; givenName: string; familyName: string; roles: Role[] };
  organisation: { id: string; slug: string; name: string; timezone: string; locale: string };
  csrfToken: string;
}

export type Program = z.infer<typeof programSchema>;

export interface Module {
  id: string;
  programId: string;
  title: string;
  position: number;
  plannedHours: number;
}

export interface Person {
  id: string;
  email: string;
  givenName: string;
  familyName: string;
  phone: string | null;
  externalRef: string | null;
  roles: Role[];
  createdAt: string;
  archivedAt: string | null;
}

export interface Cohort {
  id: string;
  programId: string;
  programTitle: string;
  name: string;
  startsOn: string | null;
  endsOn: string | null;
  trainerIds: string[];
  learnerCount: number;
  archivedAt: string | null;
}

export type EnrolmentStatus = 'active' | 'completed' | 'withdrawn';
export interface Enrolment {
  id: string;
  cohortId: string;
  personId: string;
  person: { givenName: string; familyName: string; email: string };
  status: EnrolmentStatus;
  walkIn: boolean;
  enrolledAt: string;
}

export type HalfDay = 'am' | 'pm';
export interface Session {
  id: string;
  cohortId: string;
  cohortName: string;
  programTitle: string;
  moduleId: string | null;
  moduleTitle: string | null;
  date: string;
  halfDay: HalfDay;
  startTime: string;
  endTime: string;
  startsAt: string;
  endsAt: string;
  timezone: string;
  location: string | null;
  remoteUrl: string | null;
  capacity: number | null;
  status: 'planned' | 'cancelled';
  trainerIds: string[];
  holiday: string | null;
}

export interface GenerateSessionsInput {
  from: string;
  weeks: number;
  weekdays: number[];
  slots: Array<{ startTime: string; endTime: string }>;
  skipHolidays?: boolean;
  moduleId?: string;
  location?: string;
  trainerIds?: string[];
  dryRun?: boolean;
}

export interface GenerateSessionsResult {
  created: number;
  sessions: Session[];
  skipped: Array<{ date: string; halfDay: HalfDay; reason: 'holiday' | 'exists'; holiday?: string | null }>;
}

export interface ImportRow {
  line: number;
  values: Record<string, string> | string[];
  status: 'create' | 'update' | 'error';
  errors: Array<{ column?: string | null; message: string }> | string[];
}
export interface ImportError {
  line: number;
  column: string | null;
  message: string;
}
export interface ImportPreview {
  dryRun: true;
  columns: string[];
  rows: ImportRow[];
  errors: ImportError[];
  summary: { total: number; valid: number; invalid: number; create: number; update: number };
}
export interface ImportResult {
  created: number;
  updated: number;
  enrolled: number;
  skippedLines: number[];
}

export interface ApiKey {
  id: string;
  name: string;
  scope: 'read' | 'write';
  prefix: string;
  createdAt: string;
  lastUsedAt?: string | null;
  revokedAt?: string | null;
  key?: string;
}

export interface OutboxMail {
  id: string;
  to?: string;
  toAddress?: string;
  subject: string;
  text?: string;
  textBody?: string;
  html?: string | null;
  htmlBody?: string | null;
  status?: string;
  createdAt: string;
  sentAt?: string | null;
}
