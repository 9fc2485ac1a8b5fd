import type { Tx } from '../../platform/db/tenant.ts';
import { frenchHolidayName } from '../catalogue/french-holidays.ts';
import type { AttendanceStatus, SigningMethod } from '../attendance/attendance.table.ts';
import {
  findEvidenceForSessions,
  findPeopleNames,
  findSheetAmendments,
  findSheetRecords,
  findSheets,
  getLatestEvidenceBatch,
  type SessionContextRow,
} from './documents.repository.ts';

/** Everything a session's sheet shows, read straight from the tables. */
export interface EvidenceView {
  id: string;
  type: string;
  recordedAt: string;
  contentHash: string;
  seq: number | null;
  chainHash: string | null;
  ip: string | null;
  userAgent: string | null;
  authentication: string | null;
}

export interface SheetLine {
  personId: string;
  name: string;
  role: 'learner' | 'trainer';
  status: AttendanceStatus;
  lateMinutes: number | null;
  leftAt: Date | null;
  signedAt: Date | null;
  method: SigningMethod | null;
  reason: string | null;
  markedByName: string | null;
  signatureId: string | null;
  png: Buffer | null;
  pngSha256: string | null;
  strokesSha256: string | null;
  evidence: EvidenceView[];
  /** A learner's signature after the trainer's absent/excused mark: waiting for, confirmed or refused by the trainer. */
  review: 'pending' | 'confirmed' | 'rejected' | null;
  reviewedByName: string | null;
  reviewedAt: Date | null;
}

/** A record's state before or after an amendment, as the amendment row keeps it. */
export interface AmendedState {
  status: AttendanceStatus | null;
  lateMinutes: number | null;
  leftAt: Date | null;
  reason: string | null;
}

/** One version of a locked sheet: who (a person, an API key or the system), when, why, what changed. */
export interface AmendmentView {
  version: number;
  at: Date;
  by: { kind: 'person' | 'api_key' | 'system'; name: string | null };
  reason: string;
  personName: string | null;
  before: AmendedState;
  after: AmendedState;
}

export interface SessionSheetData {
  session: SessionContextRow;
  sheet: { status: 'open' | 'locked'; version: number; verificationCode: string; lockedAt: Date | null; lockedByName: string | null } | null;
  learners: SheetLine[];
  trainers: SheetLine[];
  holiday: string | null;
  /** Names of learners whose signature image is byte-identical to another's on the same sheet. */
  identicalSignatures: string[];
  /** The sheet's versions after locking, oldest first. */
  amendments: AmendmentView[];
}

function amendedState(value: unknown): AmendedState {
  const v = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  return {
    status: typeof v.status === 'string' ? (v.status as AttendanceStatus) : null,
    lateMinutes: typeof v.lateMinutes === 'number' ? v.lateMinutes : null,
    leftAt: typeof v.leftAt === 'string' ? new Date(v.leftAt) : null,
    reason: typeof v.reason === 'string' ? v.reason : null,
  };
}

export interface EvidenceAnchor {
  organisationId: string;
  batchNumber: number;
  batchHash: string;
  sealedAt: string;
  lastSeq: number;
  merkleRoot: string;
}

function text(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(', ');
  }
  return null;
}

/** Reads what the appendix shows from an evidence entry's payload (written by the signing side). */
function evidenceView(row: Awaited<ReturnType<typeof findEvidenceForSessions>>[number]): EvidenceView {
  const p = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Record<string, unknown>;
  const meta = (p.meta ?? p.request ?? {}) as Record<string, unknown>;
  return {
    id: row.id,
    type: row.type,
    recordedAt: row.recorded_at,
    contentHash: row.content_hash,
    seq: row.seq === null ? null : Number(row.seq),
    chainHash: row.chain_hash,
    ip: text(p.ip ?? meta.ip),
    userAgent: text(p.userAgent ?? p.user_agent ?? meta.userAgent),
    authentication: text(p.authentication ?? p.authenticatedBy ?? p.auth ?? p.authMethod),
  };
}

/** Loads the sheets of several sessions at once (a session sheet, a weekly sheet, an export). */
export async function loadSessionSheets(trx: Tx, sessions: SessionContextRow[]): Promise<Map<string, SessionSheetData>> {
  const ids = sessions.map((s) => s.id);
  const [sheets, records, evidence, amendments] = await Promise.all([findSheets(trx, ids), findSheetRecords(trx, ids), findEvidenceForSessions(trx, ids), findSheetAmendments(trx, ids)]);
  const changesOf = (c: unknown) => (typeof c === 'string' ? JSON.parse(c) : (c ?? {})) as Record<string, unknown>;
  const personIds = new Set<string>();
  for (const r of records) {
    if (r.marked_by) personIds.add(r.marked_by);
    if (r.reviewed_by) personIds.add(r.reviewed_by);
  }
  for (const a of amendments) {
    const subject = changesOf(a.changes).personId;
    if (typeof subject === 'string') personIds.add(subject);
  }
  for (const s of sheets) if (s.locked_by) personIds.add(s.locked_by);
  const people = await findPeopleNames(trx, [...personIds]);
  const names = new Map(people.map((p) => [p.id, `${p.given_name} ${p.family_name}`]));
  const sheetNames = new Map(people.map((p) => [p.id, `${p.family_name.toLocaleUpperCase('fr-FR')} ${p.given_name}`]));

  const evidenceByKey = new Map<string, EvidenceView[]>();
  for (const row of evidence) {
    const p = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Record<string, unknown>;
    const signer = (p.signer ?? {}) as Record<string, unknown>;
    const key = `${p.sessionId}/${p.personId ?? signer.id ?? ''}`;
    const list = evidenceByKey.get(key) ?? [];
    list.push(evidenceView(row));
    evidenceByKey.set(key, list);
  }

  const out = new Map<string, SessionSheetData>();
  for (const session of sessions) {
    const sheet = sheets.find((s) => s.session_id === session.id);
    const lines = records
      .filter((r) => r.session_id === session.id)
      .map<SheetLine>((r) => ({
        personId: r.person_id,
        name: `${r.family_name.toLocaleUpperCase('fr-FR')} ${r.given_name}`,
        role: r.role,
        status: r.status,
        lateMinutes: r.late_minutes,
        leftAt: r.left_at,
        signedAt: r.signed_at,
        method: r.method,
        reason: r.reason,
        markedByName: r.marked_by ? (names.get(r.marked_by) ?? null) : null,
        signatureId: r.signature_id,
        png: r.png ? Buffer.from(r.png) : null,
        pngSha256: r.png_sha256,
        strokesSha256: r.strokes_sha256,
        evidence: evidenceByKey.get(`${session.id}/${r.person_id}`) ?? [],
        review: r.review ?? null,
        reviewedByName: r.reviewed_by ? (names.get(r.reviewed_by) ?? null) : null,
        reviewedAt: r.reviewed_at ?? null,
      }));
    const learners = lines.filter((l) => l.role === 'learner');
    const byHash = new Map<string, string[]>();
    for (const l of learners) if (l.strokesSha256) byHash.set(l.strokesSha256, [...(byHash.get(l.strokesSha256) ?? []), l.name]);
    out.set(session.id, {
      session,
      sheet: sheet
        ? {
            status: sheet.status,
            version: sheet.version,
            verificationCode: sheet.verification_code,
            lockedAt: sheet.locked_at,
            lockedByName: sheet.locked_by ? (names.get(sheet.locked_by) ?? null) : null,
          }
        : null,
      learners,
      trainers: lines.filter((l) => l.role === 'trainer'),
      holiday: frenchHolidayName(session.date),
      identicalSignatures: [...byHash.values()].filter((n) => n.length > 1).flat(),
      amendments: amendments
        .filter((a) => a.session_id === session.id)
        .map((a) => {
          const c = changesOf(a.changes);
          return {
            version: a.version,
            at: new Date(a.created_at),
            by: a.amended_by
              ? { kind: 'person' as const, name: a.given_name ? `${a.given_name} ${a.family_name}` : null }
              : a.amended_by_api_key
                ? { kind: 'api_key' as const, name: a.key_name ?? null }
                : { kind: 'system' as const, name: null },
            reason: a.reason,
            personName: typeof c.personId === 'string' ? (sheetNames.get(c.personId) ?? null) : null,
            before: amendedState(c.before),
            after: amendedState(c.after),
          };
        }),
    });
  }
  return out;
}

export async function loadEvidenceAnchor(trx: Tx): Promise<EvidenceAnchor | null> {
  const batch = await getLatestEvidenceBatch(trx);
  return batch ? { organisationId: batch.organisation_id, batchNumber: batch.batch_number, batchHash: batch.batch_hash, sealedAt: batch.sealed_at, lastSeq: Number(batch.last_seq), merkleRoot: batch.merkle_root } : null;
}
