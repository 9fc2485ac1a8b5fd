import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { appendEvidence } from '../attendance/append-evidence.ts';
import type { AttendanceStatus, SigningMethod } from '../attendance/attendance.table.ts';
import { ensureSheet } from '../attendance/ensure-sheet.ts';
import { renderSignaturePng } from '../attendance/signature-strokes.ts';
import { sampleStrokes } from '../attendance/attendance-test-fixtures.ts';

/**
 * Tests only. Poppler's pdfsig / pdftotext / pdftoppm are the independent
 * checkers (Debian: poppler-utils), and `signRecord` writes a signing the way
 * the signing side does (signature with server-rendered PNG, record, evidence
 * entry with its content hash) straight to the tables.
 */
const dir = mkdtempSync(join(tmpdir(), 'emarge-docs-'));
let n = 0;

function tool(name: string, args: string[]): { stdout: string; status: number | null } {
  const run = spawnSync(name, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw new Error(`${name} is needed for these tests (apt-get install poppler-utils): ${run.error.message}`);
  return { stdout: run.stdout + run.stderr, status: run.status };
}

export function writeTemp(bytes: Uint8Array, name = 'doc.pdf'): string {
  const path = join(dir, `${n++}-${name}`);
  writeFileSync(path, bytes);
  return path;
}

export function pdfsig(bytes: Uint8Array): string {
  return tool('pdfsig', [writeTemp(bytes)]).stdout;
}

export function assertSealValid(bytes: Uint8Array, label = 'PDF'): void {
  const out = pdfsig(bytes);
  assert.match(out, /Signature Validation: Signature is Valid\./, `${label}: pdfsig says\n${out}`);
  assert.match(out, /Signature Type: ETSI\.CAdES\.detached/, out);
  assert.match(out, /Total document signed/, out);
}

/** pdftotext -layout of the whole document, or of pages first..last. */
export function pdfText(bytes: Uint8Array, pages?: { first: number; last: number }): string {
  return tool('pdftotext', ['-layout', ...(pages ? ['-f', String(pages.first), '-l', String(pages.last)] : []), writeTemp(bytes), '-']).stdout;
}

/** The text of one column of a page (x and width in points), lines joined by spaces: a wrapped cell reads whole. */
export function pdfColumnText(bytes: Uint8Array, page: number, x: number, width: number): string {
  const args = ['-f', String(page), '-l', String(page), '-r', '72', '-x', String(Math.floor(x)), '-y', '0', '-W', String(Math.ceil(width)), '-H', '2000', writeTemp(bytes), '-'];
  return tool('pdftotext', args).stdout.replace(/\s+/g, ' ');
}

/** Renders every page at `dpi` into PNG files under `dir` (for looking at them), returns their paths. */
export function renderPages(bytes: Uint8Array, outDir: string, name: string, dpi = 60): string[] {
  const path = writeTemp(bytes);
  const run = tool('pdftoppm', ['-png', '-r', String(dpi), path, join(outDir, name)]);
  assert.equal(run.status, 0, run.stdout);
  return readdirSync(outDir).filter((f) => f.startsWith(name) && f.endsWith('.png')).map((f) => join(outDir, f));
}

/** Renders page 1 at 50 dpi and returns the PNG bytes. */
export function renderFirstPage(bytes: Uint8Array): Buffer {
  const path = writeTemp(bytes);
  const prefix = `${path}-page`;
  const run = tool('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', path, prefix]);
  assert.equal(run.status, 0, run.stdout);
  const file = readdirSync(dir).find((f) => join(dir, f).startsWith(prefix) && f.endsWith('.png'));
  assert.ok(file, 'pdftoppm wrote no PNG');
  const png = readFileSync(join(dir, file));
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return png;
}

export function pageCount(bytes: Uint8Array): number {
  const info = tool('pdfinfo', [writeTemp(bytes)]).stdout;
  return Number(/Pages:\s+(\d+)/.exec(info)?.[1]);
}

export interface SignOptions {
  status: AttendanceStatus;
  at?: Date;
  method?: SigningMethod;
  lateMinutes?: number | null;
  leftAt?: Date | null;
  role?: 'learner' | 'trainer';
  seed?: number;
  ip?: string;
  userAgent?: string;
  /** false: set the status only (absent, excused, pending). */
  sign?: boolean;
}

/** Sets a person's record on a session's sheet, with a signature and its evidence when `sign`. */
export async function signRecord(db: Db, organisationId: string, sessionId: string, personId: string, o: SignOptions): Promise<void> {
  await withTenant(db, organisationId, async (trx) => {
    await ensureSheet(trx, sessionId);
    const record = await trx.selectFrom('attendance_records').selectAll().where('session_id', '=', sessionId).where('person_id', '=', personId).executeTakeFirst();
    if (!record) {
      await trx.insertInto('attendance_records').values({ organisation_id: organisationId, session_id: sessionId, person_id: personId, role: o.role ?? 'learner' }).execute();
    }
    const sign = o.sign ?? ['present', 'late', 'left_early'].includes(o.status);
    let signatureId: string | null = null;
    const at = o.at ?? new Date('2026-03-02T08:01:00Z');
    if (sign) {
      const rendered = renderSignaturePng(sampleStrokes(o.seed ?? Math.random() * 10));
      const sig = await trx
        .insertInto('signatures')
        .values({ organisation_id: organisationId, session_id: sessionId, person_id: personId, strokes: rendered.strokesJson, strokes_sha256: rendered.strokesSha256, png: rendered.png, png_sha256: rendered.pngSha256, created_at: at })
        .returning('id')
        .executeTakeFirstOrThrow();
      signatureId = sig.id;
      const person = await trx.selectFrom('people').select(['given_name', 'family_name', 'email']).where('id', '=', personId).executeTakeFirstOrThrow();
      await appendEvidence(trx, organisationId, {
        type: o.role === 'trainer' ? 'attendance.trainer_signed' : 'attendance.signed',
        recordedAt: at,
        payload: {
          sessionId,
          signer: { id: personId, name: `${person.given_name} ${person.family_name}`, email: person.email },
          method: o.method ?? 'qr',
          authentication: { via: 'magic_link_session' },
          ip: o.ip ?? '203.0.113.7',
          userAgent: o.userAgent ?? 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
          signatureId: sig.id,
          strokesSha256: rendered.strokesSha256,
          pngSha256: rendered.pngSha256,
          status: o.status,
        },
      });
    }
    await trx
      .updateTable('attendance_records')
      .set({
        status: o.status,
        late_minutes: o.lateMinutes ?? null,
        left_at: o.leftAt ?? null,
        signed_at: sign ? at : null,
        method: sign ? (o.method ?? 'qr') : null,
        signature_id: signatureId,
      })
      .where('session_id', '=', sessionId)
      .where('person_id', '=', personId)
      .execute();
  });
}
