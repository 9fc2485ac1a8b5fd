import type { Generated } from 'kysely';
import type { CreatedAt, Json } from '../../platform/db/schema.ts';

export interface OrganisationSettings {
  /** Attendance rate (0..1) under which managers are alerted. */
  attendanceAlertThreshold?: number;
  [key: string]: unknown;
}

export interface OrganisationsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  timezone: Generated<string>;
  locale: Generated<'fr' | 'en'>;
  settings: Generated<Json<OrganisationSettings>>;
  created_at: CreatedAt;
}

export interface OrganisationTables {
  organisations: OrganisationsTable;
}
