import { sql } from 'kysely';
import { assertAdmin, assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError, notFound } from '../../platform/errors/app-error.ts';
import { problemItem } from '../../platform/errors/problem-items.ts';

/**
 * Group attributes (gender, age band…) that an organisation records about
 * people, each with the legal basis for holding it, for the fairness report
 * only: nothing in the feature pipeline reads `group_attributes`, so they can
 * never be model inputs (tested in group-attributes.test.ts).
 */

export interface GroupAttributeValueInput {
  personId?: string | undefined;
  email?: string | undefined;
  value: string;
}

/**
 * Records (or replaces) one group attribute for several people, named by id
 * or by e-mail (an uploaded CSV), with its legal basis; admin only. All or
 * nothing: an unknown person anywhere refuses the whole list, with each line.
 */
export async function recordGroupAttributes(db: Db, ctx: Ctx, input: { attribute: string; legalBasis: string; values: GroupAttributeValueInput[] }) {
  assertAdmin(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const ids = [...new Set(input.values.flatMap((v) => (v.personId ? [v.personId] : [])))];
    const emails = [...new Set(input.values.flatMap((v) => (v.email ? [v.email.toLowerCase()] : [])))];
    const found = new Set(ids.length ? (await trx.selectFrom('people').select('id').where('id', 'in', ids).execute()).map((r) => r.id) : []);
    const byEmail = new Map(
      emails.length ? (await trx.selectFrom('people').select(['id', sql<string>`lower(email)`.as('email')]).where(sql<string>`lower(email)`, 'in', emails).execute()).map((r) => [r.email, r.id] as const) : [],
    );
    const errors: Array<{ path: string; message: string }> = [];
    const rows = input.values.flatMap((v, i) => {
      if (v.personId) {
        if (found.has(v.personId)) return [{ personId: v.personId, value: v.value }];
        errors.push(problemItem(`body.values.${i}.personId`, 'person_unknown_id', { personId: v.personId }));
      } else {
        const id = byEmail.get(v.email!.toLowerCase());
        if (id) return [{ personId: id, value: v.value }];
        errors.push(problemItem(`body.values.${i}.email`, 'person_unknown_email', { email: v.email! }));
      }
      return [];
    });
    if (errors.length) throw new AppError('validation_failed', `${errors.length} person(s) are unknown; nothing was recorded.`, { errors });
    // One value per person: the last line naming a person wins.
    const unique = [...new Map(rows.map((r) => [r.personId, r])).values()];
    const recordedBy = ctx.actor.kind === 'person' ? ctx.actor.personId : null;
    await trx
      .insertInto('group_attributes')
      .values(unique.map((v) => ({ organisation_id: ctx.actor.organisationId, person_id: v.personId, attribute: input.attribute, value: v.value, legal_basis: input.legalBasis, recorded_by: recordedBy })))
      .onConflict((oc) => oc.columns(['organisation_id', 'person_id', 'attribute']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), legal_basis: eb.ref('excluded.legal_basis'), recorded_by: eb.ref('excluded.recorded_by') })))
      .execute();
    // The legal basis is the attribute's: a new declaration applies to the values recorded before it too.
    await trx.updateTable('group_attributes').set({ legal_basis: input.legalBasis }).where('attribute', '=', input.attribute).execute();
    await recordAuditEvent(trx, ctx, { type: 'analytics.group_attributes_recorded', subjectType: 'organisation', subjectId: ctx.actor.organisationId, payload: { attribute: input.attribute, count: unique.length, legalBasis: input.legalBasis } });
    return { attribute: input.attribute, recorded: unique.length };
  });
}

/** The recorded attributes with their legal basis and counts per value — never who has which value (staff). */
export async function listGroupAttributes(db: Db, ctx: Ctx) {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const rows = await trx
      .selectFrom('group_attributes')
      .select((eb) => ['attribute', 'value', 'legal_basis', eb.fn.countAll<string>().as('people'), eb.fn.max('created_at').as('last')])
      .groupBy(['attribute', 'value', 'legal_basis'])
      .orderBy('attribute')
      .orderBy('value')
      .execute();
    const byAttribute = new Map<string, { attribute: string; legalBases: string[]; people: number; values: Array<{ value: string; people: number }>; lastRecordedAt: string }>();
    for (const r of rows) {
      const last = new Date(r.last as Date | string).toISOString();
      const a = byAttribute.get(r.attribute) ?? { attribute: r.attribute, legalBases: [], people: 0, values: [], lastRecordedAt: last };
      if (!a.legalBases.includes(r.legal_basis)) a.legalBases.push(r.legal_basis);
      const n = Number(r.people);
      a.people += n;
      const existing = a.values.find((v) => v.value === r.value);
      if (existing) existing.people += n;
      else a.values.push({ value: r.value, people: n });
      if (last > a.lastRecordedAt) a.lastRecordedAt = last;
      byAttribute.set(r.attribute, a);
    }
    return { items: [...byAttribute.values()] };
  });
}

/** Erases every value of one attribute (the organisation stops holding it); admin only. */
export async function deleteGroupAttribute(db: Db, ctx: Ctx, attribute: string) {
  assertAdmin(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const deleted = await trx.deleteFrom('group_attributes').where('attribute', '=', attribute).returning('person_id').execute();
    if (!deleted.length) throw notFound('Group attribute');
    await recordAuditEvent(trx, ctx, { type: 'analytics.group_attribute_deleted', subjectType: 'organisation', subjectId: ctx.actor.organisationId, payload: { attribute, count: deleted.length } });
    return { attribute, deleted: deleted.length };
  });
}
