import type { Generated } from 'kysely';
import type { CreatedAt, NullableTimestamp, UpdatedAt } from '../../platform/db/schema.ts';

export const ROLES = ['admin', 'manager', 'trainer', 'learner'] as const;
export type Role = (typeof ROLES)[number];

export interface PeopleTable {
  organisation_id: string;
  id: Generated<string>;
  email: string;
  given_name: string;
  family_name: string;
  phone: string | null;
  external_ref: string | null;
  password_hash: string | null;
  locale: 'fr' | 'en' | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  archived_at: NullableTimestamp;
}

export interface PersonRolesTable {
  organisation_id: string;
  person_id: string;
  role: Role;
}

export interface PeopleTables {
  people: PeopleTable;
  person_roles: PersonRolesTable;
}
