import type { z } from 'zod';
import type { cohortSchema, enrolmentSchema, moduleSchema, programSchema, sessionGenerateResultSchema, sessionGenerateSchema, sessionSchema } from '../../modules/catalogue/catalogue.schemas.ts';
import type { importCommitSchema, importErrorSchema, importPreviewSchema } from '../../modules/imports/imports.schemas.ts';
import type { personSchema } from '../../modules/people/people.schemas.ts';
import type { apiKeySchema, createdApiKeySchema } from '../../platform/auth/api-keys.schemas.ts';
import type { sessionInfoSchema } from '../../platform/auth/auth.schemas.ts';
import type { outboxMailSchema } from '../../platform/mail/outbox.schemas.ts';

/**
 * The API's shapes, inferred from the server's zod contracts (type-only
 * imports: nothing of the server ends up in the bundle). A contract change
 * that breaks the web app fails `tsc`.
 */
export type Role = 'admin' | 'manager' | 'trainer' | 'learner';
export const ROLES: readonly Role[] = ['admin', 'manager', 'trainer', 'learner'];

export type SessionInfo = z.infer<typeof sessionInfoSchema>;
export type Program = z.infer<typeof programSchema>;
export type Module = z.infer<typeof moduleSchema>;
export type Person = z.infer<typeof personSchema>;
export type Cohort = z.infer<typeof cohortSchema>;
export type Enrolment = z.infer<typeof enrolmentSchema>;
export type EnrolmentStatus = Enrolment['status'];
export type Session = z.infer<typeof sessionSchema>;
export type HalfDay = Session['halfDay'];
export type GenerateSessionsInput = z.input<typeof sessionGenerateSchema>;
export type GenerateSessionsResult = z.infer<typeof sessionGenerateResultSchema>;
export type ImportPreview = z.infer<typeof importPreviewSchema>;
export type ImportRow = ImportPreview['rows'][number];
export type ImportError = z.infer<typeof importErrorSchema>;
export type ImportResult = z.infer<typeof importCommitSchema>;
export type ApiKey = z.infer<typeof apiKeySchema>;
export type CreatedApiKey = z.infer<typeof createdApiKeySchema>;
export type OutboxMail = z.infer<typeof outboxMailSchema>;
