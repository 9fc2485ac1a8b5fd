import type { Migration } from 'kysely/migration';
import * as m0001 from './0001-core-schema.ts';
import * as m0002 from './0002-tenant-isolation.ts';
import * as m0003 from './0003-outbox-delivery.ts';
import * as m0004 from './0004-rls-without-force.ts';
import * as m0005 from './0005-attendance.ts';
import * as m0007 from './0007-documents.ts';
import * as m0008 from './0008-notify.ts';
import * as m0012 from './0012-analytics.ts';
import * as m0013 from './0013-jobs-tenant-access.ts';
import * as m0014 from './0014-questionnaires.ts';
import * as m0015 from './0015-improvement-actions.ts';
import * as m0016 from './0016-signing-functions.ts';
import * as m0017 from './0017-amendments-by-api-key.ts';
import * as m0018 from './0018-improvement-action-follow-up.ts';
import * as m0019 from './0019-questions-by-questionnaire.ts';
import * as m0020 from './0020-signing-group-commit.ts';
import * as m0021 from './0021-signing-plans-by-key.ts';
import * as m0022 from './0022-strokes-lz4.ts';
import * as m0023 from './0023-signing-group-read.ts';
import * as m0024 from './0024-evidence-anchors.ts';
import * as m0026 from './0026-attendance-review.ts';
import * as m0027 from './0027-sql-definitions.ts';
import * as m0028 from './0028-idempotency-leases.ts';
import * as m0032 from './0032-risk-monitoring.ts';

/**
 * Every migration, in order. Append-only: never edit a migration that has been
 * committed; add a new file and list it here. Schema changes and data changes
 * live in separate migrations (a data migration is a no-op on an empty database).
 */
export const migrations: Record<string, Migration> = {
  '0001-core-schema': m0001,
  '0002-tenant-isolation': m0002,
  '0003-outbox-delivery': m0003,
  '0004-rls-without-force': m0004,
  '0005-attendance': m0005,
  '0007-documents': m0007,
  '0008-notify': m0008,
  '0012-analytics': m0012,
  '0013-jobs-tenant-access': m0013,
  '0014-questionnaires': m0014,
  '0015-improvement-actions': m0015,
  '0016-signing-functions': m0016,
  '0017-amendments-by-api-key': m0017,
  '0018-improvement-action-follow-up': m0018,
  '0019-questions-by-questionnaire': m0019,
  '0020-signing-group-commit': m0020,
  '0021-signing-plans-by-key': m0021,
  '0022-strokes-lz4': m0022,
  '0023-signing-group-read': m0023,
  '0024-evidence-anchors': m0024,
  '0026-attendance-review': m0026,
  '0027-sql-definitions': m0027,
  '0028-idempotency-leases': m0028,
  '0032-risk-monitoring': m0032,
};
