import type { Selectable } from 'kysely';
import type { Tx } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';
import type { ImprovementActionsTable } from './questionnaire.table.ts';

export type ImprovementActionRow = Selectable<ImprovementActionsTable>;

/** Whitelisted fields of improvement actions, with the unit's label and the owner's name (one query each for a page). */
export async function presentImprovementActions(trx: Tx, rows: readonly ImprovementActionRow[]) {
  const cohorts = [...new Set(rows.filter((r) => r.unit_type === 'cohort').map((r) => r.unit_id))];
  const modules = [...new Set(rows.filter((r) => r.unit_type === 'module').map((r) => r.unit_id))];
  const owners = [...new Set(rows.map((r) => r.owner_id).filter((x): x is string => !!x))];
  const labels = new Map<string, string>();
  if (cohorts.length) for (const c of await trx.selectFrom('cohorts').select(['id', 'name']).where('id', 'in', cohorts).execute()) labels.set(c.id, c.name);
  if (modules.length) for (const m of await trx.selectFrom('modules').select(['id', 'title']).where('id', 'in', modules).execute()) labels.set(m.id, m.title);
  const names = new Map<string, string>();
  if (owners.length) for (const p of await trx.selectFrom('people').select(['id', 'given_name', 'family_name']).where('id', 'in', owners).execute()) names.set(p.id, `${p.given_name} ${p.family_name}`);
  return rows.map((row) => ({
    id: row.id,
    unitType: row.unit_type,
    unitId: row.unit_id,
    unitLabel: labels.get(row.unit_id) ?? null,
    metric: row.metric,
    finding: row.finding,
    description: row.description,
    dueOn: row.due_on,
    status: row.status,
    owner: row.owner_id ? { id: row.owner_id, name: names.get(row.owner_id) ?? '' } : null,
    outcome: row.outcome,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    closedAt: row.closed_at?.toISOString() ?? null,
  }));
}

/** An action's owner is a current staff member (admin, manager or trainer) of the organisation. */
export async function assertOwnerIsStaff(trx: Tx, personId: string): Promise<void> {
  const staff = await trx
    .selectFrom('people as p')
    .innerJoin('person_roles as r', (j) => j.onRef('r.organisation_id', '=', 'p.organisation_id').onRef('r.person_id', '=', 'p.id'))
    .select('p.id')
    .where('p.id', '=', personId)
    .where('p.archived_at', 'is', null)
    .where('r.role', 'in', ['admin', 'manager', 'trainer'])
    .executeTakeFirst();
  if (!staff) throw new AppError('not_found', 'The owner was not found among the staff', { errors: [problemItem('body.ownerId', 'staff_unknown')] });
}
