import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { assertAdmin } from '../../platform/auth/actor.ts';
import { SESSION_COOKIE, requireCtx } from '../../platform/auth/authenticate.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { problemSchema } from '../../platform/errors/problem.ts';
import { problemResponses } from '../../platform/http/responses.ts';
import type { AppDeps, ZodApp } from '../../platform/http/types.ts';
import { amendSheet } from './amend-sheet.ts';
import { type AttendanceEvent, attendanceEvents } from './attendance-events.ts';
import { getSessionForActor } from './attendance-session.ts';
import {
  amendmentSchema,
  attendanceRecordSchema,
  attendanceSheetSchema,
  evidenceSealResultSchema,
  evidenceVerificationSchema,
  kioskSignSchema,
  linkTokenQuerySchema,
  markSchema,
  reviewSchema,
  qrCodeSchema,
  rosterSchema,
  sessionIdParamsSchema,
  sessionPersonParamsSchema,
  sheetAmendmentsSchema,
  sheetListPageSchema,
  sheetListQuerySchema,
  signatureProofSchema,
  signingLinksRequestSchema,
  signingLinksResultSchema,
  signingLinkViewSchema,
  signWithLinkSchema,
  signWithQrSchema,
  qrScanSchema,
  qrScanResultSchema,
  trainerSignatureSchema,
} from './attendance.schemas.ts';
import { getAttendanceSheet, getRoster } from './get-attendance-sheet.ts';
import { getQrCode } from './get-qr-code.ts';
import { listAttendanceSheets } from './list-attendance-sheets.ts';
import { listSheetAmendments } from './list-sheet-amendments.ts';
import { getSignaturePng } from './get-signature-png.ts';
import { getSigningLink } from './get-signing-link.ts';
import { lockSheet } from './lock-sheet.ts';
import { markAttendance } from './mark-attendance.ts';
import { reviewSignature } from './review-signature.ts';
import { sealEvidence } from './seal-evidence.ts';
import { sendSigningLinks } from './send-signing-links.ts';
import { signAsTrainer } from './sign-as-trainer.ts';
import { signAtKiosk } from './sign-at-kiosk.ts';
import { signWithLink } from './sign-with-link.ts';
import { signWithQr } from './sign-with-qr.ts';
import { scanQrCode } from './scan-qr-code.ts';
import { verifyEvidence } from './verify-evidence.ts';

const signResponses = { 200: signatureProofSchema, 201: signatureProofSchema, ...problemResponses, 410: problemSchema };

/** Signing (QR, link, kiosk, trainer), marks, lock and amendments, the sheet, the live roster, the evidence log. */
export async function attendanceRoutes(app: ZodApp, deps: AppDeps): Promise<void> {
  const { db } = deps;
  const tags = ['attendance'];
  // Live rosters open now. On close each is ended (closeConnectionsOnClose then closes its connection), and a
  // stream whose request was still being authorised then is refused: it would otherwise never end.
  const streams = new Set<ServerResponse>();
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    for (const res of streams) res.end();
    streams.clear();
    done();
  });

  app.get('/sessions/:id/qr', { schema: { tags, summary: 'The rotating QR code to project now (trainer of the session or staff)', params: sessionIdParamsSchema, response: { 200: qrCodeSchema, ...problemResponses } } }, (req) =>
    getQrCode(deps, requireCtx(req), req.params.id),
  );
  app.post(
    '/sign/qr',
    { schema: { tags, summary: 'Sign after scanning the QR code (signed-in learner: magic-link session or password)', body: signWithQrSchema, response: signResponses } },
    async (req, reply) => {
      const proof = await signWithQr(deps, requireCtx(req), req.body, req.cookies[SESSION_COOKIE]);
      return reply.code(proof.replayed ? 200 : 201).send(proof);
    },
  );
  app.post(
    '/sign/qr/scan',
    { schema: { tags, summary: 'Present a scanned QR code: checked now, answered with a 5-minute ticket to sign with (signed-in learner)', body: qrScanSchema, response: { 200: qrScanResultSchema, ...problemResponses } } },
    (req) => scanQrCode(deps, requireCtx(req), req.body.token),
  );
  app.get(
    '/sign/link',
    { config: { sessionless: true }, schema: { tags, summary: 'What a personal signing link shows (does not spend it)', security: [], querystring: linkTokenQuerySchema, response: { 200: signingLinkViewSchema, ...problemResponses } } },
    (req) => getSigningLink(deps, req.query.token),
  );
  app.post(
    '/sign/link',
    { config: { sessionless: true }, schema: { tags, summary: 'Sign with a personal signing link (no account needed; single use; a second use returns the first proof)', security: [], body: signWithLinkSchema, response: signResponses } },
    async (req, reply) => {
      const proof = await signWithLink(deps, req.body, req.meta, req.cookies[SESSION_COOKIE]);
      return reply.code(proof.replayed ? 200 : 201).send(proof);
    },
  );
  app.post(
    '/sessions/:id/signing-links',
    { schema: { tags, summary: 'Create and mail personal signing links now to learners who have not signed (trainer of the session or staff)', params: sessionIdParamsSchema, body: signingLinksRequestSchema, response: { 201: signingLinksResultSchema, ...problemResponses } } },
    async (req, reply) => reply.code(201).send(await sendSigningLinks(deps, requireCtx(req), req.params.id, req.body)),
  );
  app.post(
    '/sessions/:id/kiosk/sign',
    { schema: { tags, summary: "Kiosk: a learner signs on the trainer's device, vouched by the trainer's session", params: sessionIdParamsSchema, body: kioskSignSchema, response: signResponses } },
    async (req, reply) => {
      const proof = await signAtKiosk(deps, requireCtx(req), req.params.id, req.body, req.cookies[SESSION_COOKIE]);
      return reply.code(proof.replayed ? 200 : 201).send(proof);
    },
  );
  app.post(
    '/sessions/:id/trainer-signature',
    { schema: { tags, summary: 'The trainer signs the session (required before locking)', params: sessionIdParamsSchema, body: trainerSignatureSchema, response: signResponses } },
    async (req, reply) => {
      const proof = await signAsTrainer(deps, requireCtx(req), req.params.id, req.body, req.cookies[SESSION_COOKIE]);
      return reply.code(proof.replayed ? 200 : 201).send(proof);
    },
  );
  app.get('/sessions/:id/roster', { schema: { tags, summary: 'Names to pick at the kiosk, with who has signed (trainer of the session or staff)', params: sessionIdParamsSchema, response: { 200: rosterSchema, ...problemResponses } } }, (req) =>
    getRoster(deps, requireCtx(req), req.params.id),
  );
  app.get(
    '/attendance/sheets',
    { schema: { tags, summary: "Managers' sheet list: sessions on local dates from..to (at most 62 days) with sheet state, counts and missing signatures (staff; a trainer sees the sessions they train)", querystring: sheetListQuerySchema, response: { 200: sheetListPageSchema, ...problemResponses } } },
    (req) => listAttendanceSheets(deps, requireCtx(req), req.query),
  );
  app.get('/sessions/:id/attendance', { schema: { tags, summary: 'The attendance sheet of a session (trainer of the session or staff)', params: sessionIdParamsSchema, response: { 200: attendanceSheetSchema, ...problemResponses } } }, (req) =>
    getAttendanceSheet(deps, requireCtx(req), req.params.id),
  );
  app.patch(
    '/sessions/:id/attendance/:personId',
    { schema: { tags, summary: "Mark a learner's status (trainer of the session or staff); on their behalf needs a reason", params: sessionPersonParamsSchema, body: markSchema, response: { 200: attendanceRecordSchema, ...problemResponses } } },
    (req) => markAttendance(deps, requireCtx(req), req.params.id, req.params.personId, req.body),
  );
  app.post(
    '/sessions/:id/attendance/:personId/review',
    {
      schema: {
        tags,
        summary: 'Confirm or reject a learner’s signature made after they were marked absent or excused (trainer of the session or staff); rejecting needs a reason',
        params: sessionPersonParamsSchema, body: reviewSchema, response: { 200: attendanceRecordSchema, ...problemResponses },
      },
    },
    (req) => reviewSignature(deps, requireCtx(req), req.params.id, req.params.personId, req.body),
  );
  app.post('/sessions/:id/lock', { schema: { tags, summary: 'Lock the sheet (trainer signature required; pending learners become absent)', params: sessionIdParamsSchema, response: { 200: attendanceSheetSchema, ...problemResponses } } }, (req) =>
    lockSheet(deps, requireCtx(req), req.params.id),
  );
  app.post(
    '/sessions/:id/amendments',
    { schema: { tags, summary: 'Amend a locked sheet (manager or admin, with a reason): a new version', params: sessionIdParamsSchema, body: amendmentSchema, response: { 201: attendanceSheetSchema, ...problemResponses } } },
    async (req, reply) => reply.code(201).send(await amendSheet(deps, requireCtx(req), req.params.id, req.body)),
  );
  app.get(
    '/sessions/:id/amendments',
    { schema: { tags, summary: 'The amendment history of a locked sheet, oldest first: version, who, when, why, before → after (trainer of the session or staff)', params: sessionIdParamsSchema, response: { 200: sheetAmendmentsSchema, ...problemResponses } } },
    (req) => listSheetAmendments(deps, requireCtx(req), req.params.id),
  );
  app.get(
    '/signatures/:id/png',
    { schema: { tags, summary: 'The server-rendered PNG of a signature (staff, a trainer of its session, or the signer)', params: sessionIdParamsSchema, response: { 200: z.any().meta({ description: 'image/png' }), ...problemResponses } } },
    async (req, reply) => {
      const { png, sha256 } = await getSignaturePng(db, requireCtx(req), req.params.id);
      return reply.type('image/png').header('cache-control', 'private, max-age=3600').header('x-content-sha256', sha256).header('x-content-type-options', 'nosniff').send(png);
    },
  );
  app.get(
    '/sessions/:id/events',
    { schema: { tags, summary: 'Live roster: server-sent events of signings, marks and lock (trainer of the session or staff)', params: sessionIdParamsSchema, response: { 200: z.any().meta({ description: 'text/event-stream' }), ...problemResponses } } },
    async (req, reply) => {
      const ctx = requireCtx(req);
      const sessionId = req.params.id;
      await withTenant(db, ctx.actor.organisationId, (trx) => getSessionForActor(trx, ctx.actor, sessionId, 'manage', 'follow its live roster'));
      if (closing) throw new AppError('service_unavailable', 'The server is restarting: the live roster reconnects by itself in a few seconds.');
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write('retry: 3000\n: connected\n\n');
      streams.add(res);
      const organisationId = ctx.actor.organisationId;
      const listener = ({ organisationId: from, ...event }: AttendanceEvent) => {
        // Every event names its organisation (relayed ones too): never another tenant's on this stream.
        if (from !== organisationId) return;
        res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      };
      attendanceEvents.on(sessionId, listener);
      const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
      ping.unref();
      res.on('close', () => {
        clearInterval(ping);
        attendanceEvents.off(sessionId, listener);
        streams.delete(res);
      });
    },
  );
  app.get('/evidence/verify', { schema: { tags, summary: "Verify the organisation's evidence log (admin); read only", response: { 200: evidenceVerificationSchema, ...problemResponses } } }, async (req) => {
    const ctx = requireCtx(req);
    assertAdmin(ctx.actor);
    return verifyEvidence(db, ctx.actor.organisationId);
  });
  app.post('/evidence/seal', { schema: { tags, summary: 'Seal pending evidence entries now (admin); also done every few seconds by the server', response: { 200: evidenceSealResultSchema, ...problemResponses } } }, async (req) => {
    const ctx = requireCtx(req);
    assertAdmin(ctx.actor);
    return sealEvidence(db, deps.clock, ctx.actor.organisationId, deps.config.evidenceAnchoring);
  });
}
