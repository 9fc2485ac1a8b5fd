import { createHash } from 'node:crypto';
import { zipSync, type Zippable } from 'fflate';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { JobContext, JobHandler } from '../../platform/jobs/job-queue.ts';
import { findCohortLearners, findCohortSessions, getCohortContext, getOrganisationInfo } from './documents.repository.ts';
import { fileSlug } from './file-names.ts';
import { produceCertificate } from './produce-certificate.ts';
import { produceSessionSheet } from './produce-session-sheet.ts';
import { EXPORT_JOB, type ExportJobPayload } from './request-export.ts';
import { getOrCreateSealKey } from './seal-key.ts';

/**
 * The batch export job: produces every sealed document of the cohort, one
 * tenant transaction per document (each is registered for verification as it
 * is issued), reports progress {done, total} after each, and stores the ZIP
 * (entries stored, not recompressed: PDF streams already are) in
 * document_exports, downloadable by the job id.
 */
export async function runExport(db: Db, payload: ExportJobPayload, ctx: Pick<JobContext, 'jobId' | 'progress'>, deps: { clock: Clock; publicUrl: string }) {
  const { organisationId, cohortId, kind } = payload;
  const setup = await withTenant(db, organisationId, async (trx) => {
    const cohort = await getCohortContext(trx, cohortId);
    if (!cohort) throw new Error(`cohort ${cohortId} no longer exists`);
    const organisation = await getOrganisationInfo(trx, organisationId);
    const seal = await getOrCreateSealKey(trx, organisationId, organisation.name);
    const sessions = kind === 'sheets' ? (await findCohortSessions(trx, cohortId, '0001-01-01', '9999-12-31')).filter((s) => s.status !== 'cancelled') : [];
    const learners = kind === 'certificates' ? (await findCohortLearners(trx, cohortId)).filter((l) => l.status !== 'withdrawn') : [];
    return { cohort, organisation, seal, sessions, learners };
  });
  const total = kind === 'sheets' ? setup.sessions.length : setup.learners.length;
  await ctx.progress({ done: 0, total });
  const files: Zippable = {};
  const used = new Set<string>();
  const add = (name: string, pdf: Buffer) => {
    let unique = name;
    for (let i = 2; used.has(unique); i++) unique = name.replace(/\.pdf$/, `-${i}.pdf`);
    used.add(unique);
    files[unique] = [new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength), { level: 0 }];
  };
  let done = 0;
  const issuedAt = deps.clock.now();
  if (kind === 'sheets') {
    for (const session of setup.sessions) {
      const doc = await withTenant(db, organisationId, (trx) =>
        produceSessionSheet(trx, { organisation: setup.organisation, seal: setup.seal, session, publicUrl: deps.publicUrl, issuedAt, issuedBy: payload.requestedBy }),
      );
      add(doc.fileName, doc.pdf);
      await ctx.progress({ done: ++done, total });
    }
  } else {
    for (const learner of setup.learners) {
      const doc = await withTenant(db, organisationId, (trx) =>
        produceCertificate(trx, { organisation: setup.organisation, seal: setup.seal, personId: learner.id, programId: setup.cohort.program_id, publicUrl: deps.publicUrl, issuedAt, issuedBy: payload.requestedBy }),
      );
      if (doc) add(doc.fileName, doc.pdf);
      await ctx.progress({ done: ++done, total });
    }
  }
  const zip = Buffer.from(zipSync(files));
  const sha256 = createHash('sha256').update(zip).digest('hex');
  const slug = fileSlug(setup.cohort.name, 'groupe');
  const fileName = `${kind === 'sheets' ? 'feuilles' : 'certificats'}-${slug}-${ctx.jobId}.zip`;
  await withTenant(db, organisationId, (trx) =>
    trx
      .insertInto('document_exports')
      .values({ organisation_id: organisationId, job_id: ctx.jobId, kind, cohort_id: cohortId, file_name: fileName, entries: used.size, size_bytes: zip.length, sha256, zip })
      .onConflict((oc) => oc.columns(['organisation_id', 'job_id']).doUpdateSet({ file_name: fileName, entries: used.size, size_bytes: zip.length, sha256, zip }))
      .execute(),
  );
  return { fileName, entries: used.size, sizeBytes: zip.length, sha256, downloadUrl: `/api/v1/exports/${ctx.jobId}.zip` };
}

/** The job handlers of this module, for the server's single JobRunner. */
export function documentsJobHandlers(deps: { db: Db; clock: Clock; config: { publicUrl: string } }): Record<string, JobHandler> {
  return {
    [EXPORT_JOB]: (payload, ctx) => runExport(deps.db, payload as unknown as ExportJobPayload, ctx, { clock: deps.clock, publicUrl: deps.config.publicUrl }),
  };
}
