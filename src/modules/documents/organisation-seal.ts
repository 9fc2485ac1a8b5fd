import { createPublicKey } from 'node:crypto';
import { assertAdmin, assertOrgWide, type Ctx } from '../../platform/auth/actor.ts';
import { recordAuditEvent } from '../../platform/audit/record-audit-event.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Db } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import { readPkcs12 } from '../../platform/pdf/read-pkcs12.ts';
import { getOrganisationInfo } from './documents.repository.ts';
import { describeSealCertificate, getOrCreateSealKey, type SealCertificateInfo, storeSealKey } from './seal-key.ts';

const MAX_P12_BYTES = 64 * 1024;

/** The organisation's seal certificate (generated on first use when it has none). Staff only. */
export async function getOrganisationSeal(db: Db, ctx: Ctx): Promise<SealCertificateInfo> {
  assertOrgWide(ctx.actor);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    const organisation = await getOrganisationInfo(trx, ctx.actor.organisationId);
    const key = await getOrCreateSealKey(trx, organisation.id, organisation.name);
    return describeSealCertificate(key.p12, key.passphrase);
  });
}

function sealError(message: string, path = 'body.p12'): AppError {
  return new AppError('seal_invalid', message, { errors: [{ path, message }] });
}

/**
 * Replaces the organisation's seal with its own PKCS#12 (admin). The file is
 * opened with the passphrase and checked: an RSA key of at least 2048 bits,
 * the certificate matching it, valid now. Documents issued before keep their
 * seal; new ones use this one.
 */
export async function setOrganisationSeal(db: Db, ctx: Ctx, input: { p12: string; passphrase: string }, deps: { clock: Clock }): Promise<SealCertificateInfo> {
  assertAdmin(ctx.actor);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(input.p12.replace(/\s+/g, ''))) throw sealError('must be the PKCS#12 file encoded in base64');
  const bytes = Buffer.from(input.p12, 'base64');
  if (bytes.length === 0) throw sealError('is empty');
  if (bytes.length > MAX_P12_BYTES) throw sealError(`is larger than ${MAX_P12_BYTES / 1024} KiB`);
  let info: SealCertificateInfo;
  try {
    const contents = readPkcs12(bytes, input.passphrase);
    const key = createPublicKey(contents.privateKey);
    if (key.asymmetricKeyType !== 'rsa') throw sealError(`holds a ${key.asymmetricKeyType} key; the seal needs an RSA key`);
    info = describeSealCertificate(bytes, input.passphrase);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw sealError(`cannot be opened with this passphrase, or is not a PKCS#12 with an RSA key and its certificate (${(error as Error).message})`);
  }
  if ((info.keyBits ?? 0) < 2048) throw sealError(`holds an RSA key of ${info.keyBits} bits; at least 2048 are required`);
  const now = deps.clock.now();
  if (new Date(info.validTo) <= now || new Date(info.validFrom) > now) throw sealError(`its certificate is not valid now (valid from ${info.validFrom} to ${info.validTo})`);
  return withTenant(db, ctx.actor.organisationId, async (trx) => {
    await storeSealKey(trx, ctx.actor.organisationId, { p12: bytes, passphrase: input.passphrase, fingerprint: info.fingerprint });
    await recordAuditEvent(trx, ctx, {
      type: 'organisation.seal_replaced',
      subjectType: 'organisation',
      subjectId: ctx.actor.organisationId,
      payload: { fingerprint: info.fingerprint, subject: info.subject, selfSigned: info.selfSigned },
    });
    return info;
  });
}
