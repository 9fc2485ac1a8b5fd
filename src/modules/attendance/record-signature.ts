import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { RequestMeta } from '../../platform/auth/actor.ts';
import { auditActor } from '../../platform/auth/actor.ts';
import { type Db, isServerDatabase } from '../../platform/db/database.ts';
import type { Tx } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { emitWebhookEvent } from '../webhooks/emit-webhook-event.ts';
import { type EvidencePayload, type PreparedEvidence, prepareEvidence } from './append-evidence.ts';
import type { AttendanceEvent } from './attendance-events.ts';
import { type AttendanceSession, assertNotCancelled } from './attendance-session.ts';
import type { AttendanceStatus, SignatureReview, SigningMethod } from './attendance.table.ts';
import { ensureSheet } from './ensure-sheet.ts';
import type { SessionRow } from '../catalogue/session.repository.ts';
import type { RenderedSignature } from './signature-strokes.ts';
import { assertWindowOpen } from './signing-window.ts';
import { type BatchedRow, writeRows, writeSignatureBatched } from './signing-batch.ts';

/** A signing's outcome: the proof, and the live-roster event to publish after commit (none on a replay). */
export type SignResult = { proof: SignatureProof; event: AttendanceEvent | null };

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
  /** 'pending': the trainer had marked this learner absent or excused; the signature is recorded and the mark stands until the trainer confirms or rejects it. */
  review: SignatureReview | null;
}

export interface Geolocation {
  latitude: number;
  longitude: number;
  accuracy?: number | null | undefined;
  consent: boolean;
}

export interface SignInput {
  loaded: SigningSession;
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
  /** What the caller already read and locked in its own statement (lockSigningState's result); read here when absent. */
  state?: SigningState;
  /** A personal signing link to spend in the write statement (checked after the other checks: used, expired). */
  spendLink?: { tokenHash: string; usedAt: Date | null; expiresAt: Date };
  /** Whether to enforce the learners' signing window (trainers: only that it has opened). */
  window: 'enforce' | 'opened';
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * What a learner's signature does to their record, given what the trainer
 * already said (ARCHITECTURE.md, "The trainer's word and the learner's
 * signature"): the signature is always recorded, but it never replaces a mark.
 * - not marked (pending): the status comes from the signing time (present, or late after the threshold);
 * - marked absent or excused: the mark stays and the signature waits for the trainer (review 'pending':
 *   confirmed, the learner becomes present or late from the signing time; rejected, the mark stays);
 * - marked present, late or left early on the learner's behalf: the trainer's status and minutes stay, the
 *   signature is added to them.
 * A trainer's own signature has no mark to respect.
 */
export function signingOutcome(
  record: { status: AttendanceStatus; late_minutes: number | null },
  signed: { status: 'present' | 'late'; lateMinutes: number | null },
  role: 'learner' | 'trainer',
): { status: AttendanceStatus; lateMinutes: number | null; review: 'pending' | null } {
  if (role === 'trainer' || record.status === 'pending') return { ...signed, review: null };
  if (record.status === 'absent' || record.status === 'excused') return { status: record.status, lateMinutes: record.late_minutes, review: 'pending' };
  return { status: record.status, lateMinutes: record.late_minutes, review: null };
}

/** Minutes after the start, and whether that counts as late. */
export function lateness(startsAt: Date, signedAt: Date, lateAfterMinutes: number): { status: 'present' | 'late'; lateMinutes: number | null } {
  const minutes = Math.floor((signedAt.getTime() - startsAt.getTime()) / 60_000);
  return minutes > lateAfterMinutes ? { status: 'late', lateMinutes: minutes } : { status: 'present', lateMinutes: null };
}

/**
 * What recordSignature needs to know about the signer's record, read in one
 * statement that also locks the record row (FOR UPDATE OF r): two concurrent
 * signings of one person queue there and give one signature.
 *
 * The sheet status read here can be stale when this statement waited for the
 * record lock (PostgreSQL rechecks only the locked row): the write statement
 * checks it again under its own snapshot, so a sheet locked meanwhile refuses
 * the signature.
 */
export interface SigningState {
  record: { id: string; role: 'learner' | 'trainer'; status: AttendanceStatus; late_minutes: number | null; signed_at: Date | null; method: SigningMethod | null; signature_id: string | null; review: SignatureReview | null };
  /** The recorded signature's hashes when the record is signed (null if not visible to this statement's snapshot). */
  first: { strokes_sha256: string; png_sha256: string } | null;
  sheet: { status: 'open' | 'locked'; version: number };
  person: { id: string; given_name: string; family_name: string; email: string | null };
  /** Whether any active webhook endpoint subscribes to signature.created (if not, no webhook query is made). */
  hasWebhooks: boolean;
}

/** The columns of SigningState, to select beside others (aliases sr_*, sh_*, sp_*, sg_*). Tables: r, sh, pe, sg. */
export const SIGNING_STATE_COLUMNS = sql`
  r.id AS sr_id, r.role AS sr_role, r.status AS sr_status, r.late_minutes AS sr_late_minutes, r.signed_at AS sr_signed_at, r.method AS sr_method, r.signature_id AS sr_signature_id, r.review AS sr_review,
  sh.status AS sh_status, sh.version AS sh_version,
  pe.id AS sp_id, pe.given_name AS sp_given_name, pe.family_name AS sp_family_name, pe.email AS sp_email,
  sg.strokes_sha256 AS sg_strokes_sha256, sg.png_sha256 AS sg_png_sha256,
  EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.organisation_id = r.organisation_id AND w.active AND 'signature.created' = ANY (w.events)) AS sg_has_webhooks`;

/** The joins of SigningState from a record r. */
export const SIGNING_STATE_JOINS = sql`
  JOIN attendance_sheets sh ON sh.organisation_id = r.organisation_id AND sh.session_id = r.session_id
  JOIN people pe ON pe.organisation_id = r.organisation_id AND pe.id = r.person_id
  LEFT JOIN signatures sg ON sg.organisation_id = r.organisation_id AND sg.id = r.signature_id`;

export interface SigningStateColumns {
  sr_id: string; sr_role: 'learner' | 'trainer'; sr_status: AttendanceStatus; sr_late_minutes: number | null; sr_signed_at: Date | null; sr_method: SigningMethod | null; sr_signature_id: string | null; sr_review: SignatureReview | null;
  sh_status: 'open' | 'locked'; sh_version: number;
  sp_id: string; sp_given_name: string; sp_family_name: string; sp_email: string | null;
  sg_strokes_sha256: string | null; sg_png_sha256: string | null; sg_has_webhooks: boolean;
}

export function toSigningState(row: SigningStateColumns): SigningState {
  return {
    record: { id: row.sr_id, role: row.sr_role, status: row.sr_status, late_minutes: row.sr_late_minutes, signed_at: row.sr_signed_at, method: row.sr_method, signature_id: row.sr_signature_id, review: row.sr_review },
    first: row.sg_strokes_sha256 !== null && row.sg_png_sha256 !== null ? { strokes_sha256: row.sg_strokes_sha256, png_sha256: row.sg_png_sha256 } : null,
    sheet: { status: row.sh_status, version: row.sh_version },
    person: { id: row.sp_id, given_name: row.sp_given_name, family_name: row.sp_family_name, email: row.sp_email },
    hasWebhooks: row.sg_has_webhooks,
  };
}

/** Locks a person's record on a session's sheet and reads what signing needs, in one statement; undefined when they have no record. */
export async function lockSigningState(trx: Tx, sessionId: string, personId: string): Promise<SigningState | undefined> {
  const { rows } = await sql<SigningStateColumns>`
    SELECT ${SIGNING_STATE_COLUMNS}
    FROM attendance_records r ${SIGNING_STATE_JOINS}
    WHERE r.session_id = ${sessionId} AND r.person_id = ${personId}
    FOR UPDATE OF r`.execute(trx);
  return rows[0] ? toSigningState(rows[0]) : undefined;
}

const linkUsed = () => new AppError('signing_link_invalid', 'This signing link was already used, and the signature it gave is no longer on the sheet; ask the trainer.');
const linkInvalid = () => new AppError('signing_link_invalid', 'This signing link is not valid (mistyped or cut?): open the link from your latest mail, or ask the trainer.');
const sheetLocked = () => new AppError('sheet_locked', 'The attendance sheet of this session is locked: signing is over. Ask a manager if your attendance is missing.');

/** The session facts signing needs (an AttendanceSession, or the columns the fast read returns). */
export interface SigningSession {
  session: Pick<SessionRow, 'id' | 'status' | 'starts_at' | 'ends_at'>;
  organisation: AttendanceSession['organisation'];
  settings: AttendanceSession['settings'];
  window: AttendanceSession['window'];
}

/** Everything a new signature writes, computed before the write (ids, status, evidence entry hashed, audit). */
interface PreparedSignature {
  signatureId: string;
  /** The record's status after this signing (signingOutcome), and the status it must still have when written. */
  status: AttendanceStatus;
  lateMinutes: number | null;
  review: 'pending' | null;
  expectedStatus: AttendanceStatus;
  type: 'attendance.signed' | 'attendance.trainer_signed';
  evidence: PreparedEvidence;
  actor: ReturnType<typeof auditActor>;
  auditPayload: string;
  nowIso: string;
}

type CheckedInput = Omit<SignInput, 'loaded' | 'state'> & { loaded: SigningSession; state: SigningState };

/**
 * The checks before writing, in order (cancelled, on the sheet, already signed → the first proof, locked,
 * window, link), then what the write needs. When the person already signed: their first proof, or
 * `firstUnknown` when the state did not carry its hashes (the caller reads them).
 */
function checkAndPrepare(input: CheckedInput): { replay: SignatureProof } | { replay: null; firstUnknown: true } | { replay: null; firstUnknown: false; prepared: PreparedSignature } {
  const { loaded, personId, now, state } = input;
  const { session, organisation, settings, window } = loaded;
  const organisationId = organisation.id;
  if (state.record.role !== input.role) {
    throw new AppError('not_on_sheet', input.role === 'trainer' ? 'You are not a trainer of this session.' : 'This person is not on the attendance sheet of this session (not enrolled in its cohort): a trainer can add them as a walk-in.');
  }
  const { record } = state;
  if (record.signature_id) {
    if (!state.first) return { replay: null, firstUnknown: true };
    return { replay: replayProof(input, record, state.first) };
  }
  if (state.sheet.status === 'locked') throw sheetLocked();
  if (input.window === 'enforce') assertWindowOpen(window, now, organisation.timezone);
  else if (now < window.opensAt) assertWindowOpen(window, now, organisation.timezone);
  const link = input.spendLink;
  if (link) {
    if (link.usedAt) throw linkUsed();
    if (link.expiresAt <= now) throw new AppError('signing_link_expired', 'This signing link has expired; ask the trainer for a new one, or scan the QR code in the room.', { extra: { expiredAt: link.expiresAt.toISOString() } });
  }

  const { person } = state;
  const { rendered } = input;
  const signatureId = randomUUID();
  const signed = input.role === 'trainer' ? { status: 'present' as const, lateMinutes: null } : lateness(session.starts_at, now, settings.lateAfterMinutes);
  const { status, lateMinutes, review } = signingOutcome(record, signed, input.role);
  const geo = input.geolocation && input.geolocation.consent && settings.geolocation.enabled && settings.geolocation.purpose
    ? { latitude: input.geolocation.latitude, longitude: input.geolocation.longitude, accuracy: input.geolocation.accuracy ?? null, purpose: settings.geolocation.purpose, consent: true }
    : null;
  const type = input.role === 'trainer' ? 'attendance.trainer_signed' as const : 'attendance.signed' as const;
  const evidence = prepareEvidence(organisationId, {
    type,
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
      signatureId,
      strokesSha256: rendered.strokesSha256,
      pngSha256: rendered.pngSha256,
      status,
      lateMinutes,
      sheetVersion: state.sheet.version,
      geolocation: geo,
      // Added with the review rule (status and lateMinutes above are the record's after this write):
      personId: person.id,
      review,
      markedStatus: record.status === 'pending' ? null : record.status,
      signedStatus: signed.status,
      signedLateMinutes: signed.lateMinutes,
    },
  });
  const actor = auditActor({ kind: 'person', organisationId, personId: input.auditAs.personId, roles: [], method: 'password', csrfToken: '' });
  const auditPayload = JSON.stringify({ sessionId: session.id, personId, method: input.method, signatureId, status, review });
  return { replay: null, firstUnknown: false, prepared: { signatureId, status, lateMinutes, review, expectedStatus: record.status, type, evidence, actor, auditPayload, nowIso: now.toISOString() } };
}

/** The first proof of a person who already signed (record.signature_id set). */
function replayProof(input: { loaded: SigningSession; personId: string; now: Date; method: SignInput['method'] }, record: SigningState['record'], first: { strokes_sha256: string; png_sha256: string }): SignatureProof {
  return {
    signatureId: record.signature_id!, sessionId: input.loaded.session.id, personId: input.personId, status: record.status, lateMinutes: record.late_minutes,
    signedAt: (record.signed_at ?? input.now).toISOString(), method: record.method ?? input.method, strokesSha256: first.strokes_sha256, pngSha256: first.png_sha256, replayed: true,
    review: record.review,
  };
}

function signedResult(input: CheckedInput, prepared: PreparedSignature): { proof: SignatureProof; event: AttendanceEvent } {
  const { signatureId, status, lateMinutes, review, nowIso } = prepared;
  const proof: SignatureProof = {
    signatureId, sessionId: input.loaded.session.id, personId: input.personId, status, lateMinutes, signedAt: nowIso, method: input.method,
    strokesSha256: input.rendered.strokesSha256, pngSha256: input.rendered.pngSha256, replayed: false, review,
  };
  return {
    proof,
    event: { type: input.role === 'trainer' ? 'trainer_signature' : 'signature', organisationId: input.loaded.organisation.id, sessionId: proof.sessionId, personId: proof.personId, status, method: input.method, signedAt: proof.signedAt, at: nowIso },
  };
}

async function emitSignatureWebhook(trx: Tx, input: CheckedInput, prepared: PreparedSignature): Promise<void> {
  if (input.role !== 'learner' || !input.state.hasWebhooks) return;
  await emitWebhookEvent(trx, input.loaded.organisation.id, 'signature.created', {
    sessionId: input.loaded.session.id, personId: input.personId, signatureId: prepared.signatureId, method: input.method, status: prepared.status, lateMinutes: prepared.lateMinutes, signedAt: prepared.nowIso,
  }, { occurredAt: input.now });
}

/**
 * One prepared signing as a row of emarge_write_signatures (platform/db/definitions/emarge_write_signatures.sql):
 * its JSON object members after '{' (jsonb parts embedded as they are). The one list of the row's members; the
 * function's recordset is the one list on the SQL side.
 */
function signingRow(input: CheckedInput, prepared: PreparedSignature, emit: BatchedRow['emit']): BatchedRow {
  const q = JSON.stringify;
  const { rendered, meta } = input;
  const members = `"record_id":${q(input.state.record.id)},"session_id":${q(input.loaded.session.id)},"person_id":${q(input.personId)},`
    + `"expected_status":${q(prepared.expectedStatus)},"sheet_version":${input.state.sheet.version},"link_token_hash":${q(input.spendLink?.tokenHash ?? null)},`
    + `"now":${q(prepared.nowIso)},"status":${q(prepared.status)},"late_minutes":${q(prepared.lateMinutes)},"review":${q(prepared.review)},"method":${q(input.method)},`
    + `"signature_id":${q(prepared.signatureId)},"strokes":${rendered.strokesJson},"strokes_sha256":${q(rendered.strokesSha256)},`
    + `"png":"${rendered.png.toString('base64')}","png_sha256":${q(rendered.pngSha256)},`
    + `"evidence_id":${q(prepared.evidence.id)},"evidence_type":${q(prepared.type)},"evidence_recorded_at":${q(prepared.evidence.recordedAt)},`
    + `"evidence_payload":${prepared.evidence.payloadJson},"evidence_content_hash":${q(prepared.evidence.contentHash)},`
    + `"actor_type":${q(prepared.actor.actor_type)},"actor_id":${q(prepared.actor.actor_id)},"audit_payload":${prepared.auditPayload},`
    + `"ip":${q(meta.ip ?? null)},"user_agent":${q(meta.userAgent ?? null)}}`;
  return { organisationId: input.loaded.organisation.id, signatureId: prepared.signatureId, members, emit };
}

/**
 * The burst path: records a signature from state read WITHOUT a lock
 * (emarge_link_signing_states or emarge_qr_signing_state) through the one
 * signing write, emarge_write_signatures, in a transaction of its own — shared
 * with the other signings queued meanwhile on PostgreSQL (group commit), alone
 * on PGlite: it writes the signature, the record (only if still unsigned, still
 * in the status read, and the sheet still open at the version read), spends the
 * link (only if unused), and inserts the evidence entry (hashed here, as in
 * recordSignature) and the audit event — or writes nothing.
 * With a subscribed webhook endpoint the deliveries join the same transaction.
 *
 * Same checks and errors as recordSignature. Returns null when the caller must
 * take the locking path instead (the write found the state changed — a
 * concurrent signing, a link spent, a sheet locked — or the first proof of a
 * signed record is unknown): that path re-reads under lock and answers.
 */
export async function recordSignatureUnlocked(db: Db, input: CheckedInput): Promise<SignResult | null> {
  assertNotCancelled(input.loaded.session);
  const checked = checkAndPrepare(input);
  if (checked.replay) return { proof: checked.replay, event: null };
  if (checked.firstUnknown) return null;
  const { prepared } = checked;
  // Group commit on PostgreSQL (signing-batch.ts): written with the other signings queued meanwhile, in one
  // transaction. PGlite runs one statement at a time in this process (no commit to share, nothing waits in
  // parallel): there each signing is written alone — by the same function.
  const needsWebhook = input.role === 'learner' && input.state.hasWebhooks;
  const row = signingRow(input, prepared, needsWebhook ? (trx) => emitSignatureWebhook(trx, input, prepared) : null);
  const outcome = isServerDatabase(db) ? await writeSignatureBatched(db, row) : 'failed';
  if (outcome === 'skipped') return null;
  // PGlite, or the batch failed as a whole: this signing is written alone (its own error, if any, is its own).
  if (outcome === 'failed' && !(await writeRows({ db }, row.organisationId, [row])).has(row.signatureId)) return null;
  return signedResult(input, prepared);
}

/**
 * Records one signature on a session's sheet in the caller's tenant
 * transaction: checks (cancelled, on the sheet, already signed → the first
 * proof, locked, window, link), then the one signing write (emarge_write_signatures,
 * as for the burst path) writes the spent link, the signature (strokes,
 * server-rendered PNG, hashes), the record, the evidence entry and the audit
 * event, all conditioned on the sheet still being open at its snapshot; the webhook deliveries follow in the same
 * transaction when the organisation has a subscribed endpoint. The record row
 * is locked first, so two concurrent signings of one person give one signature.
 */
export async function recordSignature(trx: Tx, input: SignInput): Promise<SignResult> {
  const { loaded, personId } = input;
  const { session } = loaded;
  const organisationId = loaded.organisation.id;
  assertNotCancelled(session);

  let state = input.state ?? (await lockSigningState(trx, session.id, personId));
  if (!state) {
    await ensureSheet(trx, session.id);
    state = await lockSigningState(trx, session.id, personId);
  }
  if (!state) {
    throw new AppError('not_on_sheet', input.role === 'trainer' ? 'You are not a trainer of this session.' : 'This person is not on the attendance sheet of this session (not enrolled in its cohort): a trainer can add them as a walk-in.');
  }
  const checkedInput: CheckedInput = { ...input, state };
  const checked = checkAndPrepare(checkedInput);
  if (checked.replay || checked.firstUnknown) {
    const { record } = state;
    const first = state.first ?? (await trx.selectFrom('signatures').select(['strokes_sha256', 'png_sha256']).where('id', '=', record.signature_id!).executeTakeFirstOrThrow());
    return { proof: replayProof(input, record, first), event: null };
  }
  const { prepared } = checked;
  const link = input.spendLink;
  // The one signing write, in this transaction: everything is written only if the sheet is still open (and
  // unchanged) at its snapshot and, for a link, only if this statement is the one that spends it.
  const row = signingRow(checkedInput, prepared, null);
  if (!(await writeRows({ trx }, organisationId, [row])).has(prepared.signatureId)) {
    // Nothing was written: say why (the sheet was locked or amended meanwhile, or the link was spent meanwhile).
    const sheet = await trx.selectFrom('attendance_sheets').select(['status', 'version']).where('session_id', '=', session.id).executeTakeFirstOrThrow();
    if (sheet.status === 'locked') throw sheetLocked();
    if (link) throw linkInvalid();
    throw AppError.because('conflict', 'sheet_changed');
  }
  await emitSignatureWebhook(trx, checkedInput, prepared);
  return signedResult(checkedInput, prepared);
}
