import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { requireCtx } from '../../platform/auth/authenticate.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { problemSchema } from '../../platform/errors/problem.ts';
import { problemResponses } from '../../platform/http/responses.ts';
import type { AppDeps, ZodApp } from '../../platform/http/types.ts';
import { certificateParamsSchema, codeParamsSchema, exportParamsSchema, exportRequestSchema, idParamsSchema, jobAcceptedSchema, jobParamsSchema, jobSchema, sealSchema, sealUploadSchema, verifyCodeResultSchema, verifyPdfResultSchema, weeklySheetQuerySchema } from './documents.schemas.ts';
import { contentDisposition } from './file-names.ts';
import { getCertificatePdf } from './get-certificate-pdf.ts';
import { getExportZip, getJobStatus } from './get-export.ts';
import { requestExport } from './request-export.ts';
import { getSessionSheetPdf } from './get-session-sheet-pdf.ts';
import { getWeeklySheetPdf } from './get-weekly-sheet-pdf.ts';
import { getOrganisationSeal, setOrganisationSeal } from './organisation-seal.ts';
import { verifyByCode, verifyPdf } from './verify-document.ts';

export const MAX_VERIFY_PDF_BYTES = 20 * 1024 * 1024;

const pdfResponse = z.any().describe('The sealed PDF (application/pdf); X-Verification-Code carries its code.');

function sendPdf(reply: FastifyReply, doc: { pdf: Buffer; fileName: string; verificationCode: string; sha256: string }) {
  return reply
    .type('application/pdf')
    .header('content-disposition', contentDisposition(doc.fileName))
    .header('x-verification-code', doc.verificationCode)
    .header('x-content-sha256', doc.sha256)
    .header('cache-control', 'private, no-store')
    .send(doc.pdf);
}

/**
 * Sealed PDFs (sheets, certificates), the organisation's seal, public
 * verification and batch exports. The PDF body of POST /verify is parsed in
 * this plugin's own scope only.
 */
export async function documentsRoutes(app: ZodApp, { db, config, clock }: AppDeps): Promise<void> {
  const tags = ['documents'];
  const publicUrl = config.publicUrl;

  app.get('/organisation/seal', { schema: { tags, summary: "The organisation's seal certificate (generated self-signed on first use)", response: { 200: sealSchema, ...problemResponses } } }, (req) =>
    getOrganisationSeal(db, requireCtx(req)),
  );
  app.put(
    '/organisation/seal',
    { schema: { tags, summary: 'Replace the seal with your own PKCS#12 (admin; RSA, base64 file and its passphrase)', body: sealUploadSchema, response: { 200: sealSchema, ...problemResponses } } },
    (req) => setOrganisationSeal(db, requireCtx(req), req.body, { clock }),
  );

  app.get(
    '/sessions/:id/sheet.pdf',
    { schema: { tags, summary: "A session's attendance sheet, sealed PDF (staff, the session's trainers)", params: idParamsSchema, response: { 200: pdfResponse, ...problemResponses } } },
    async (req, reply) => sendPdf(reply, await getSessionSheetPdf(db, requireCtx(req), req.params.id, { clock, publicUrl })),
  );

  app.get(
    '/cohorts/:id/weekly-sheet.pdf',
    {
      schema: {
        tags,
        summary: "A cohort's weekly attendance sheet (learners × half-days, Monday to Friday), sealed PDF (staff, the cohort's trainers)",
        params: idParamsSchema,
        querystring: weeklySheetQuerySchema,
        response: { 200: pdfResponse, ...problemResponses },
      },
    },
    async (req, reply) => sendPdf(reply, await getWeeklySheetPdf(db, requireCtx(req), req.params.id, req.query, { clock, publicUrl })),
  );

  app.get(
    '/people/:id/certificates/:programId.pdf',
    {
      schema: {
        tags,
        summary: "A learner's certificate of attendance for a program (hours attended / planned, rate), sealed PDF (staff, the learner)",
        params: certificateParamsSchema,
        response: { 200: pdfResponse, ...problemResponses },
      },
    },
    async (req, reply) => sendPdf(reply, await getCertificatePdf(db, requireCtx(req), req.params.id, req.params.programId, { clock, publicUrl })),
  );

  app.post(
    '/cohorts/:id/certificates/export',
    {
      schema: {
        tags,
        summary: "Export a cohort's sealed documents as a ZIP, in the background (staff): kind sheets (every session sheet) or certificates (every learner's)",
        params: idParamsSchema,
        body: exportRequestSchema,
        response: { 202: jobAcceptedSchema, ...problemResponses },
      },
    },
    async (req, reply) => reply.code(202).send(await requestExport(db, requireCtx(req), req.params.id, req.body.kind, { clock })),
  );
  app.get('/jobs/:id', { schema: { tags, summary: 'A background job of your organisation: status, progress {done, total}, result (staff)', params: jobParamsSchema, response: { 200: jobSchema, ...problemResponses } } }, (req) =>
    getJobStatus(db, requireCtx(req), req.params.id),
  );
  app.get(
    '/exports/:jobId.zip',
    { schema: { tags, summary: 'Download a finished export (ZIP of sealed PDFs); 409 while it runs (staff)', params: exportParamsSchema, response: { 200: z.any().describe('application/zip'), ...problemResponses } } },
    async (req, reply) => {
      const file = await getExportZip(db, requireCtx(req), req.params.jobId);
      return reply
        .type('application/zip')
        .header('content-disposition', contentDisposition(file.fileName))
        .header('x-content-sha256', file.sha256)
        .header('cache-control', 'private, no-store')
        .send(file.zip);
    },
  );

  app.get(
    '/verify/:code',
    {
      config: { sessionless: true, rateLimit: { max: 120, timeWindow: '1 minute' } },
      schema: { tags, summary: 'Verify a document by its code (public, no sign-in)', security: [], params: codeParamsSchema, response: { 200: verifyCodeResultSchema, ...problemResponses } },
    },
    (req) => verifyByCode(db, req.params.code),
  );

  await app.register(async (scope) => {
    const api = scope as unknown as ZodApp;
    api.addContentTypeParser('application/pdf', { parseAs: 'buffer', bodyLimit: MAX_VERIFY_PDF_BYTES }, (_req, body, done) => done(null, body));
    api.post(
      '/verify',
      {
        bodyLimit: MAX_VERIFY_PDF_BYTES,
        config: { sessionless: true, rateLimit: { max: 30, timeWindow: '1 minute' } },
        schema: {
          tags,
          summary: 'Verify a PDF itself (public): the seal, and whether these exact bytes were issued',
          description: 'Send the PDF as the body with Content-Type application/pdf (at most 20 MB).',
          security: [],
          response: { 200: verifyPdfResultSchema, 413: problemSchema, 415: problemSchema, ...problemResponses },
        },
      },
      async (req) => {
        if (!Buffer.isBuffer(req.body)) throw new AppError('unsupported_media_type', 'Send the PDF itself with Content-Type: application/pdf.');
        return verifyPdf(db, req.body);
      },
    );
  });
}
