import { createHash } from 'node:crypto';
import type { RequestMeta } from '../../platform/auth/actor.ts';
import { auditActor } from '../../platform/auth/actor.ts';
import type { Tx } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { emitWebhookEvent } from '../webhooks/emit-webhook-event.ts';
import { appendEvidence, type EvidencePayload } from './append-evidence.ts';
import type { AttendanceEvent } from './attendance-events.ts';
import { type AttendanceSession, assertNotCancelled } from './attendance-session.ts';
import type { AttendanceStatus, SigningMethod } from './attendance.table.ts';
import { ensureSheet } from './ensure-sheet.ts';
import type { RenderedSignature } from './signature-strokes.ts';
import { assertWindowOpen } from './signing-window.ts';

/** What a signer gets back: the proof of their signature (the first one, when they sign again). */
export interface SignatureProof {
  signatureId: string;
  sessionId: string;
  personId: string;
  status: AttendanceStatus;
  lateMinutes: number | null;
  signedAt: string;
  method: SigningMethod;
  strokesSha256: string;
  pngSha256: string;
  /** true: this person had already signed; nothing new was recorded. */
  replayed: boolean;
}

export interface Geolocation {
  latitude: number;
  longitude: number;
  accuracy?: number | null | undefined;
  consent: boolean;
}

export interface SignInput {
  loaded: AttendanceSession;
  personId: string;
  method: 'qr' | 'link' | 'kiosk' | 'sign_in';
  role: 'learner' | 'trainer';
  /** How the signer was authenticated, as written in the evidence. */
  authentication: EvidencePayload;
  meta: RequestMeta;
  rendered: RenderedSignature;
  geolocation: Geolocation | null;
  now: Date;
  /** Who the audit event names (the signer, or the trainer vouching at the kiosk). */
  auditAs: { kind: 'person'; personId: string };
  /** Runs after the checks and before the writes (e.g. spends a signing link). */
  beforeWrite?: () => Promise<void>;
  /** Whether to enforce the learners' signing window (trainers: only that it has opened). */
  window: 'enforce' | 'opened';
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Minutes after the start, and whether that counts as late. */
export function lateness(startsAt: Date, signedAt: Date, lateAfterMinutes: number): { status: 'present' | 'late'; lateMinutes: number | null } {
  const minutes = Math.floor((signedAt.getTime() - startsAt.getTime()) / 60_000);
  return minutes > lateAfterMinutes ? { status: 'late', lateMinutes: minutes } : { status: 'present', lateMinutes: null };
}

/**
 * Records one signature on a session's sheet in the caller's tenant
 * transaction: checks (cancelled, on the sheet, already signed → the first
 * proof, locked, window), then the signature (strokes, server-rendered PNG,
 * hashes), the record, the evidence entry, the audit event and the webhook,
 * all in that transaction. The record row is locked first, so two concurrent
 * signings of one person give one signature.
 */
export async function recordSignature(trx: Tx, input: SignInput): Promise<{ proof: SignatureProof; event: AttendanceEvent | null }> {
  const { loaded, personId, now } = input;
  const { session, organisation, settings, window } = loaded;
  const organisationId = organisation.id;
  assertNotCancelled(session);

  const lockRecord = () =>
    trx.selectFrom('attendance_records').selectAll().where('session_id', '=', session.id).where('person_id', '=', personId).forUpdate().executeTakeFirst();
  let record = await lockRecord();
  if (!record) {
    await ensureSheet(trx, session.id);
    record = await lockRecord();
  }
  if (!record || record.role !== input.role) {
    throw new AppError('not_on_sheet', input.role === 'trainer' ? 'You are not a trainer of this session.' : 'This person is not on the attendance sheet of this session (not enrolled in its cohort): a trainer can add them as a walk-in.');
  }
  if (record.signature_id) {
    const first = await trx.selectFrom('signatures').select(['id', 'strokes_sha256', 'png_sha256']).where('id', '=', record.signature_id).executeTakeFirstOrThrow();
    return {
      proof: {
        signatureId: first.id, sessionId: session.id, personId, status: record.status, lateMinutes: record.late_minutes,
        signedAt: (record.signed_at ?? now).toISOString(), method: record.method ?? input.method, strokesSha256: first.strokes_sha256, pngSha256: first.png_sha256, replayed: true,
      },
      event: null,
    };
  }
  // Read after the record lock: a lock committed meanwhile is seen here.
  const sheet = await trx.selectFrom('attendance_sheets').select(['status', 'version']).where('session_id', '=', session.id).executeTakeFirstOrThrow();
  if (sheet.status === 'locked') throw new AppError('sheet_locked', 'The attendance sheet of this session is locked: signing is over. Ask a manager if your attendance is missing.');
  if (input.window === 'enforce') assertWindowOpen(window, now, organisation.timezone);
  else if (now < window.opensAt) assertWindowOpen(window, now, organisation.timezone);
  await input.beforeWrite?.();

  const person = await trx.selectFrom('people').select(['id', 'given_name', 'family_name', 'email']).where('id', '=', personId).executeTakeFirstOrThrow();
  const { rendered } = input;
  const signature = await trx
    .insertInto('signatures')
    .values({
      organisation_id: organisationId,
      session_id: session.id,
      person_id: personId,
      strokes: rendered.strokesJson,
      strokes_sha256: rendered.strokesSha256,
      png: rendered.png,
      png_sha256: rendered.pngSha256,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const { status, lateMinutes } = input.role === 'trainer' ? { status: 'present' as const, lateMinutes: null } : lateness(session.starts_at, now, settings.lateAfterMinutes);
  await trx
    .updateTable('attendance_records')
    .set({ status, late_minutes: lateMinutes, signed_at: now, method: input.method, signature_id: signature.id, updated_at: now })
    .where('id', '=', record.id)
    .execute();

  const geo = input.geolocation && input.geolocation.consent && settings.geolocation.enabled && settings.geolocation.purpose
    ? { latitude: input.geolocation.latitude, longitude: input.geolocation.longitude, accuracy: input.geolocation.accuracy ?? null, purpose: settings.geolocation.purpose, consent: true }
    : null;
  await appendEvidence(trx, organisationId, {
    type: input.role === 'trainer' ? 'attendance.trainer_signed' : 'attendance.signed',
    recordedAt: now,
    payload: {
      sessionId: session.id,
      sessionStartsAt: session.starts_at.toISOString(),
      sessionEndsAt: session.ends_at.toISOString(),
      timezone: organisation.timezone,
      signer: { id: person.id, name: `${person.given_name} ${person.family_name}`, email: person.email },
      role: input.role,
      method: input.method,
      authentication: input.authentication,
      ip: input.meta.ip,
      userAgent: input.meta.userAgent,
      signatureId: signature.id,
      strokesSha256: rendered.strokesSha256,
      pngSha256: rendered.pngSha256,
      status,
      lateMinutes,
      sheetVersion: sheet.version,
      geolocation: geo,
    },
  });
  await trx
    .insertInto('audit_events')
    .values({
      organisation_id: organisationId,
      type: input.role === 'trainer' ? 'attendance.trainer_signed' : 'attendance.signed',
      ...auditActor({ kind: 'person', organisationId, personId: input.auditAs.personId, roles: [], method: 'password', csrfToken: '' }),
      subject_type: 'session',
      subject_id: session.id,
      payload: JSON.stringify({ sessionId: session.id, personId, method: input.method, signatureId: signature.id, status }),
      ip: input.meta.ip,
      user_agent: input.meta.userAgent,
    })
    .execute();
  if (input.role === 'learner') {
    await emitWebhookEvent(trx, organisationId, 'signature.created', {
      sessionId: session.id, personId, signatureId: signature.id, method: input.method, status, lateMinutes, signedAt: now.toISOString(),
    }, { occurredAt: now });
  }
  const proof: SignatureProof = {
    signatureId: signature.id, sessionId: session.id, personId, status, lateMinutes, signedAt: now.toISOString(), method: input.method,
    strokesSha256: rendered.strokesSha256, pngSha256: rendered.pngSha256, replayed: false,
  };
  return {
    proof,
    event: { type: input.role === 'trainer' ? 'trainer_signature' : 'signature', sessionId: session.id, personId, status, method: input.method, signedAt: proof.signedAt, at: now.toISOString() },
  };
}
