import { z } from 'zod';
import { assertAdmin, type Ctx } from '../../platform/auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { notFound } from '../../platform/errors/app-error.ts';
import { decodeCursor, toPage } from '../../platform/http/pagination.ts';
import { presentWebhookDelivery, presentWebhookEndpoint } from './webhook.presenter.ts';
import { findWebhookDeliveries, findWebhookEndpoints, getWebhookEndpointById } from './webhook.repository.ts';

export async function listWebhookEndpoints(db: Db, ctx: Ctx, q: { limit: number; cursor?: string }) {
  assertAdmin(ctx.actor);
  const after = decodeCursor(q.cursor, [z.iso.datetime(), z.uuid()] as const);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const rows = await findWebhookEndpoints(trx, { limit: q.limit, after });
    return toPage(rows, q.limit, presentWebhookEndpoint, (r) => [r.created_at.toISOString(), r.id]);
  });
}

/** The delivery log of one endpoint, newest first. */
export async function listWebhookDeliveries(db: Db, ctx: Ctx, endpointId: string, q: { limit: number; cursor?: string; status?: string }) {
  assertAdmin(ctx.actor);
  const after = decodeCursor(q.cursor, [z.iso.datetime(), z.uuid()] as const);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    if (!(await getWebhookEndpointById(trx, endpointId))) throw notFound('Webhook endpoint');
    const rows = await findWebhookDeliveries(trx, endpointId, { limit: q.limit, after, status: q.status });
    return toPage(rows, q.limit, presentWebhookDelivery, (r) => [r.created_at.toISOString(), r.id]);
  });
}
