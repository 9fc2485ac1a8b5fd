import type { Ctx } from '../../platform/auth/actor.ts';
import { hashToken } from '../../platform/auth/tokens.ts';
import type { Clock } from '../../platform/clock.ts';
import { type Db, queryPrepared } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { publishAttendanceEvent } from './attendance-events.ts';
import { loadAttendanceSession } from './attendance-session.ts';
import { findQrKey } from './qr-key.ts';
import { isQrTokenAuthentic, peekQrToken, type QrPayload, qrTokenTiming, readQrTicket } from './qr-token.ts';
import { type Geolocation, recordSignature, recordSignatureUnlocked, sha256Hex, type SignResult, type SignatureProof, type SigningSession, type SigningStateColumns, toSigningState } from './record-signature.ts';
import { resolveAttendanceSettings } from './attendance-settings.ts';
import { signingWindowOf } from './signing-window.ts';
import type { SessionRow } from '../catalogue/session.repository.ts';
import { qrTokenInvalid as invalid } from './scan-qr-code.ts';
import { type RenderedSignature, renderSignaturePng, type SignatureStrokes } from './signature-strokes.ts';

/**
 * A learner signs after scanning the projected QR code. They must be signed in
 * (magic-link session or password): the code proves they are in the room, the
 * session proves who they are. The code must be authentic (HMAC with the
 * organisation's key), of this session, and current (its window plus grace).
 * This is also the only self-signing path for a signed-in learner: there is
 * deliberately no "sign from my account" endpoint without the code, as it
 * would prove nothing about presence.
 *
 * The page normally scans first (`scanQrCode`) and signs with the ticket it got,
 * so the learner may take minutes to draw; a current token is still accepted
 * directly (one step, for clients that sign at once).
 */
export async function signWithQr(
  deps: { db: Db; clock: Clock },
  ctx: Ctx,
  input: { token?: string; ticket?: string; strokes: SignatureStrokes; geolocation?: Geolocation | null },
  sessionCookie: string | undefined,
): Promise<SignatureProof> {
  const actor = ctx.actor;
  if (actor.kind !== 'person') throw AppError.because('forbidden', 'person_only_qr');
  const token = input.token ?? null;
  const payload = token ? peekQrToken(token) : null;
  if (token && !payload) throw invalid();
  const rendered = renderSignaturePng(input.strokes);
  const signer = { organisationId: actor.organisationId, personId: actor.personId, method: actor.method };
  // The usual case in two statements, no lock held across round trips (as for a link: see recordSignatureUnlocked);
  // anything unusual (no record yet, a concurrent signing, a sheet locked meanwhile) takes the locking path.
  const fast = await signWithQrUnlocked(deps, signer, ctx.meta, input, sessionCookie, token, payload, rendered);
  const result = fast ?? (await withTenant(deps.db, actor.organisationId, async (trx) => {
    const now = deps.clock.now();
    const key = await findQrKey(trx, actor.organisationId);
    if (!key) throw invalid();
    const scan = checkScan(key, signer.personId, token, payload, input.ticket, now);
    const loaded = await loadAttendanceSession(trx, scan.sessionId);
    if (!loaded) throw invalid();
    checkQrSettings(loaded.settings, payload, now);
    return recordSignature(trx, qrSignInput(signer, ctx.meta, scan, loaded, rendered, input.geolocation ?? null, now, sessionCookie));
  }));
  if (result.event) publishAttendanceEvent(result.event);
  return result.proof;
}

type Signer = { organisationId: string; personId: string; method: string };
type Scan = { sessionId: string; window: number; scannedAt: string | null; proofSha256: string };

/** The code (or the ticket got by scanning it) checked with the organisation's key; throws as the learner should read it. */
function checkScan(key: Buffer, personId: string, token: string | null, payload: QrPayload | null, ticketText: string | undefined, now: Date): Scan {
  if (token && payload) {
    // A code of another organisation fails here (other key), and so does an altered session id.
    if (!isQrTokenAuthentic(key, token)) throw invalid();
    return { sessionId: payload.s, window: payload.w, scannedAt: null, proofSha256: sha256Hex(token) };
  }
  const ticket = readQrTicket(key, ticketText ?? '');
  // A ticket is bound to the person who scanned: another person's ticket proves nothing about them.
  if (!ticket || ticket.p !== personId) throw invalid();
  if (now.getTime() >= ticket.exp) throw new AppError('qr_token_expired', 'More than 5 minutes have passed since you scanned the code: scan the code projected now.');
  return { sessionId: ticket.s, window: ticket.w, scannedAt: new Date(ticket.at).toISOString(), proofSha256: sha256Hex(ticketText!) };
}

function checkQrSettings(settings: SigningSession['settings'], payload: QrPayload | null, now: Date): void {
  if (!settings.methods.qr) throw new AppError('signing_method_disabled', 'Signing by QR code is disabled for this program.');
  if (payload) {
    const timing = qrTokenTiming(payload, now, settings.qrRotationSeconds, settings.qrGraceSeconds);
    if (timing === 'expired') throw new AppError('qr_token_expired', 'This QR code has expired (codes change every few seconds): scan the code projected now.');
    if (timing === 'future') throw invalid();
  }
}

function qrSignInput(signer: Signer, meta: Ctx['meta'], scan: Scan, loaded: SigningSession, rendered: RenderedSignature, geolocation: Geolocation | null, now: Date, sessionCookie: string | undefined) {
  return {
    loaded,
    personId: signer.personId,
    method: 'qr' as const,
    role: 'learner' as const,
    authentication: {
      via: signer.method === 'magic_link' ? 'magic_link_session' : 'password_session',
      sessionSha256: sessionCookie ? sha256Hex(hashToken(sessionCookie)) : null,
      qrWindow: scan.window,
      ...(scan.scannedAt ? { qrScannedAt: scan.scannedAt, qrTicketSha256: scan.proofSha256 } : { qrTokenSha256: scan.proofSha256 }),
    },
    meta,
    rendered,
    geolocation,
    now,
    auditAs: { kind: 'person' as const, personId: signer.personId },
    window: 'enforce' as const,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The session a ticket names, read WITHOUT checking it (checkScan checks it once the key is read). */
function peekTicketSession(ticket: string | undefined): string | null {
  const m = /^qt1\.([A-Za-z0-9_-]{10,600})\./.exec(ticket ?? '');
  if (!m) return null;
  try {
    const s = (JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as { s?: unknown }).s;
    return typeof s === 'string' ? s : null;
  } catch {
    return null;
  }
}

/** A row of emarge_qr_signing_state (platform/db/definitions/). */
interface QrStateRow extends SigningStateColumns {
  qr_key: Uint8Array;
  ses_status: SessionRow['status']; ses_starts_at: Date; ses_ends_at: Date;
  org_name: string; org_timezone: string; org_locale: 'fr' | 'en'; org_settings: unknown; program_settings: unknown;
}

/**
 * Reads the key, session, settings and the signer's record in one statement (emarge_qr_signing_state,
 * no lock), checks as the locking path does, then writes through the batched write; null when the
 * locking path must answer (nothing found, no record yet, or the write found the state changed).
 */
async function signWithQrUnlocked(
  deps: { db: Db; clock: Clock },
  signer: Signer,
  meta: Ctx['meta'],
  input: { ticket?: string; geolocation?: Geolocation | null },
  sessionCookie: string | undefined,
  token: string | null,
  payload: QrPayload | null,
  rendered: RenderedSignature,
): Promise<SignResult | null> {
  const sessionId = payload ? payload.s : peekTicketSession(input.ticket);
  if (!sessionId || !UUID.test(sessionId)) return null;
  const [row] = await queryPrepared<QrStateRow>(deps.db, 'emarge_qr_signing_state', 'SELECT * FROM emarge_qr_signing_state($1::uuid, $2::uuid, $3::uuid)', [signer.organisationId, sessionId, signer.personId]);
  if (!row) return null;
  const now = deps.clock.now();
  const scan = checkScan(Buffer.from(row.qr_key), signer.personId, token, payload, input.ticket, now);
  if (scan.sessionId !== sessionId) return null;
  const settings = resolveAttendanceSettings(row.org_settings, row.program_settings);
  checkQrSettings(settings, payload, now);
  const session = { id: sessionId, status: row.ses_status, starts_at: row.ses_starts_at, ends_at: row.ses_ends_at };
  const loaded: SigningSession = { session, organisation: { id: signer.organisationId, name: row.org_name, timezone: row.org_timezone, locale: row.org_locale }, settings, window: signingWindowOf(session, settings) };
  return recordSignatureUnlocked(deps.db, { ...qrSignInput(signer, meta, scan, loaded, rendered, input.geolocation ?? null, now, sessionCookie), state: toSigningState(row) });
}
