import { sql } from 'kysely';
import type { Config } from '../../config.ts';
import type { RequestMeta } from '../../platform/auth/actor.ts';
import { hashToken } from '../../platform/auth/tokens.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { publishAttendanceEvent } from './attendance-events.ts';
import { type AttendanceSession, loadAttendanceSession } from './attendance-session.ts';
import { resolveAttendanceSettings } from './attendance-settings.ts';
import { readLinkSigningState } from './signing-batch.ts';
import { signingWindowOf } from './signing-window.ts';
import type { SessionRow } from '../catalogue/session.repository.ts';
import { type Geolocation, recordSignature, recordSignatureUnlocked, type SignResult, SIGNING_STATE_COLUMNS, SIGNING_STATE_JOINS, type SignatureProof, type SigningState, type SigningStateColumns, toSigningState } from './record-signature.ts';
import { renderSignaturePng, type SignatureStrokes } from './signature-strokes.ts';

type Deps = { db: Db; clock: Clock; config?: Pick<Config, 'publicUrl'> };

export const invalidLink = () => new AppError('signing_link_invalid', 'This signing link is not valid (mistyped or cut?): open the link from your latest mail, or ask the trainer.');

/**
 * Who a browser's session cookie belongs to, if anyone (signing links are
 * sessionless: the link authenticates; the cookie only guards against signing
 * with someone else's forwarded link).
 */
async function cookiePerson(db: Db, cookieToken: string | undefined): Promise<{ organisation_id: string; person_id: string; expires_at: Date } | null> {
  if (!cookieToken) return null;
  const row = await db.selectFrom('auth_sessions').select(['organisation_id', 'person_id', 'expires_at']).where('token_hash', '=', hashToken(cookieToken)).executeTakeFirst();
  return row ? row : null;
}

type LinkSigningRow = SessionRow & SigningStateColumns & {
  org_name: string; org_timezone: string; org_locale: 'fr' | 'en'; org_settings: unknown; program_settings: unknown;
  link_person_id: string; link_created_at: Date; link_expires_at: Date; link_used_at: Date | null;
};

function splitLinkSigningRow(row: LinkSigningRow): { loaded: AttendanceSession; state: SigningState; link: { person_id: string; created_at: Date; expires_at: Date; used_at: Date | null } } {
  const {
    org_name, org_timezone, org_locale, org_settings, program_settings, link_person_id, link_created_at, link_expires_at, link_used_at,
    sr_id, sr_role, sr_status, sr_late_minutes, sr_signed_at, sr_method, sr_signature_id, sr_review, sh_status, sh_version, sp_id, sp_given_name, sp_family_name, sp_email,
    sg_strokes_sha256, sg_png_sha256, sg_has_webhooks, ...session
  } = row;
  const settings = resolveAttendanceSettings(org_settings, program_settings);
  return {
    loaded: { session, organisation: { id: session.organisation_id, name: org_name, timezone: org_timezone, locale: org_locale }, settings, window: signingWindowOf(session, settings) },
    state: toSigningState({ sr_id, sr_role, sr_status, sr_late_minutes, sr_signed_at, sr_method, sr_signature_id, sr_review, sh_status, sh_version, sp_id, sp_given_name, sp_family_name, sp_email, sg_strokes_sha256, sg_png_sha256, sg_has_webhooks }),
    link: { person_id: link_person_id, created_at: link_created_at, expires_at: link_expires_at, used_at: link_used_at },
  };
}

/**
 * Signs with a personal signing link: the link authenticates its person (no
 * account needed) and is spent in the same transaction as the signature (one
 * conditional UPDATE, so two uses cannot both sign). A second use returns the
 * first proof (200) without recording anything; an expired unused link is
 * refused (410). A browser signed in as someone else cannot use the link.
 */
export async function signWithLink(
  deps: Deps,
  input: { token: string; strokes: SignatureStrokes; geolocation?: Geolocation | null },
  meta: RequestMeta,
  cookieToken?: string,
): Promise<SignatureProof> {
  const { db, clock } = deps;
  const tokenHash = hashToken(input.token);
  // The usual case in two statements, no lock held across round trips (see recordSignatureUnlocked);
  // anything unusual (no record yet, a concurrent signing, a link spent meanwhile) takes the locking path.
  const fast = await signWithLinkUnlocked(deps, input, meta, cookieToken, tokenHash);
  if (fast) {
    if (fast.result.event) publishAttendanceEvent(fast.result.event);
    return fast.result.proof;
  }
  return signWithLinkLocked(deps, input, meta, cookieToken, tokenHash);
}

/** A row of emarge_link_signing_states (platform/db/definitions/). */
interface LinkStateRow extends SigningStateColumns {
  link_organisation_id: string; link_session_id: string; link_person_id: string; link_created_at: Date; link_expires_at: Date; link_used_at: Date | null;
  ses_status: SessionRow['status']; ses_starts_at: Date; ses_ends_at: Date;
  org_name: string; org_timezone: string; org_locale: 'fr' | 'en'; org_settings: unknown; program_settings: unknown;
}

function assertSameSigner(browser: Awaited<ReturnType<typeof cookiePerson>>, now: Date, link: { organisation_id: string; person_id: string }): void {
  if (browser && browser.expires_at > now && (browser.organisation_id !== link.organisation_id || browser.person_id !== link.person_id)) {
    throw new AppError('signer_mismatch', 'This signing link was sent to someone else; you are signed in as another person. Each person signs with their own link.');
  }
}

/**
 * Reads the link's state in one statement shared with the other signings queued meanwhile
 * (emarge_link_signing_states: tenant role set from each link's organisation, no lock), renders, then
 * writes in one statement; null when the locking path must answer.
 */
async function signWithLinkUnlocked(
  deps: Deps,
  input: { token: string; strokes: SignatureStrokes; geolocation?: Geolocation | null },
  meta: RequestMeta,
  cookieToken: string | undefined,
  tokenHash: string,
): Promise<{ result: SignResult } | null> {
  const { db, clock } = deps;
  const row = await readLinkSigningState<LinkStateRow>(db, tokenHash);
  if (!row) return null;
  assertSameSigner(await cookiePerson(db, cookieToken), clock.now(), { organisation_id: row.link_organisation_id, person_id: row.link_person_id });
  const settings = resolveAttendanceSettings(row.org_settings, row.program_settings);
  const session = { id: row.link_session_id, status: row.ses_status, starts_at: row.ses_starts_at, ends_at: row.ses_ends_at };
  const rendered = renderSignaturePng(input.strokes);
  const result = await recordSignatureUnlocked(db, {
    loaded: { session, organisation: { id: row.link_organisation_id, name: row.org_name, timezone: row.org_timezone, locale: row.org_locale }, settings, window: signingWindowOf(session, settings) },
    state: toSigningState(row),
    personId: row.link_person_id,
    method: 'link',
    role: 'learner',
    authentication: { via: 'signing_link', linkTokenSha256: tokenHash, linkCreatedAt: row.link_created_at.toISOString(), linkExpiresAt: row.link_expires_at.toISOString() },
    meta,
    rendered,
    geolocation: input.geolocation ?? null,
    now: clock.now(),
    auditAs: { kind: 'person', personId: row.link_person_id },
    window: 'enforce',
    spendLink: { tokenHash, usedAt: row.link_used_at, expiresAt: row.link_expires_at },
  });
  return result ? { result } : null;
}

/** The locking path: one tenant transaction that locks the signer's record first (see recordSignature). */
async function signWithLinkLocked(
  deps: Deps,
  input: { token: string; strokes: SignatureStrokes; geolocation?: Geolocation | null },
  meta: RequestMeta,
  cookieToken: string | undefined,
  tokenHash: string,
): Promise<SignatureProof> {
  const { db, clock } = deps;
  // The token is the only thing we have: find its organisation first (cross-tenant lookup by hash).
  const link = await db.selectFrom('signing_links').select(['organisation_id', 'person_id']).where('token_hash', '=', tokenHash).executeTakeFirst();
  if (!link) throw invalidLink();
  assertSameSigner(await cookiePerson(db, cookieToken), clock.now(), link);
  // Rendering is CPU work (about 0.5 ms): done before the transaction, so it holds no lock meanwhile.
  const rendered = renderSignaturePng(input.strokes);
  const result = await withTenant(db, link.organisation_id, async (trx) => {
    const now = clock.now();
    // One statement: the link, its session, organisation and settings, and the signer's record (locked) with what signing needs.
    // Its joins are written in the order to run them (each one an index lookup): planning a 10-table join
    // (with the RLS conditions on every table) costs PostgreSQL 7-13 ms of CPU per signing; in the written
    // order, 0.6 ms. So this transaction plans joins in the written order.
    await sql`SELECT set_config('join_collapse_limit', '1', true)`.execute(trx);
    const { rows } = await sql<LinkSigningRow>`
      SELECT s.*, c.name AS cohort_name, p.title AS program_title, m.title AS module_title,
        coalesce(array(SELECT st.person_id FROM session_trainers st WHERE st.organisation_id = s.organisation_id AND st.session_id = s.id ORDER BY st.person_id), '{}') AS trainer_ids,
        o.name AS org_name, o.timezone AS org_timezone, o.locale AS org_locale, o.settings AS org_settings, p.attendance_settings AS program_settings,
        l.person_id AS link_person_id, l.created_at AS link_created_at, l.expires_at AS link_expires_at, l.used_at AS link_used_at,
        ${SIGNING_STATE_COLUMNS}
      FROM signing_links l
      JOIN attendance_records r ON r.organisation_id = l.organisation_id AND r.session_id = l.session_id AND r.person_id = l.person_id
      JOIN sessions s ON s.organisation_id = r.organisation_id AND s.id = r.session_id
      JOIN cohorts c ON c.organisation_id = s.organisation_id AND c.id = s.cohort_id
      JOIN programs p ON p.organisation_id = c.organisation_id AND p.id = c.program_id
      LEFT JOIN modules m ON m.organisation_id = s.organisation_id AND m.id = s.module_id
      JOIN organisations o ON o.id = s.organisation_id
      ${SIGNING_STATE_JOINS}
      WHERE l.token_hash = ${tokenHash}
      FOR UPDATE OF r`.execute(trx);
    /** The learner's signature through this link, with the state read above when there was a record. */
    const sign = (row: { person_id: string; created_at: Date; expires_at: Date; used_at: Date | null }, loaded: AttendanceSession, state?: SigningState) =>
      recordSignature(trx, {
        loaded,
        ...(state ? { state } : {}),
        personId: row.person_id,
        method: 'link',
        role: 'learner',
        authentication: { via: 'signing_link', linkTokenSha256: tokenHash, linkCreatedAt: row.created_at.toISOString(), linkExpiresAt: row.expires_at.toISOString() },
        meta,
        rendered,
        geolocation: input.geolocation ?? null,
        now,
        auditAs: { kind: 'person', personId: row.person_id },
        window: 'enforce',
        spendLink: { tokenHash, usedAt: row.used_at, expiresAt: row.expires_at },
      });
    const found = rows[0];
    if (found) {
      const { loaded, state, link } = splitLinkSigningRow(found);
      return sign(link, loaded, state);
    }
    // No record yet (a sheet not created, or a learner enrolled since): the general path creates it.
    const row = await trx.selectFrom('signing_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirstOrThrow();
    const loaded = await loadAttendanceSession(trx, row.session_id);
    if (!loaded) throw invalidLink();
    return sign(row, loaded);
  });
  if (result.event) publishAttendanceEvent(result.event);
  return result.proof;
}

