import { X509Certificate, createHash, sign, verify, type KeyObject } from 'node:crypto';
import {
  TAG, decodeOid, derContext, derNull, derOctetString, derOid, derSequence, derSetOf, derSmallInteger, derTlv,
  readChildren, readDer, type DerNode,
} from './der.ts';

/**
 * CMS SignedData (RFC 5652) for PDF seals, built and checked by hand over DER
 * so that the signed attributes are exactly those PAdES baseline B-B asks for
 * (ETSI EN 319 142-1): content-type, message-digest and signing-certificate-v2,
 * and no signing-time (the time is the signature dictionary's /M).
 */

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
} as const;

const DIGEST_NAMES: Record<string, string> = { [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };
const SIGNATURE_ALGORITHMS = new Set<string>([
  OID.rsaEncryption, OID.sha256WithRsa, OID.sha384WithRsa, OID.sha512WithRsa,
  OID.ecdsaWithSha256, OID.ecdsaWithSha384, OID.ecdsaWithSha512,
]);

/** Issuer Name and serialNumber of a certificate, as the DER bytes found in it. */
export function getIssuerAndSerial(certificateDer: Buffer): { issuer: Buffer; serial: Buffer } {
  const tbs = readChildren(readDer(certificateDer))[0];
  if (!tbs) throw new RangeError('not an X.509 certificate');
  const fields = readChildren(tbs);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] EXPLICIT version, absent for v1
  const serial = fields[offset];
  const issuer = fields[offset + 2];
  if (!serial || !issuer || serial.tag !== TAG.integer || issuer.tag !== TAG.sequence) throw new RangeError('not an X.509 certificate');
  return { issuer: issuer.bytes, serial: serial.bytes };
}

function attribute(oid: string, value: Buffer): Buffer {
  return derSequence(derOid(oid), derSetOf(value));
}

function signingCertificateV2(certificateDer: Buffer): Buffer {
  const { issuer, serial } = getIssuerAndSerial(certificateDer);
  const certHash = createHash('sha256').update(certificateDer).digest();
  // ESSCertIDv2: hashAlgorithm is DEFAULT sha256, so DER omits it.
  const issuerSerial = derSequence(derSequence(derContext(4, issuer)), serial);
  return derSequence(derSequence(derSequence(derOctetString(certHash), issuerSerial)));
}

export interface BuildSignedDataInput {
  /** SHA-256 of the signed bytes (for a PDF: the two ByteRange spans). */
  contentDigest: Buffer;
  certificate: Buffer;
  chain?: Buffer[];
  privateKey: KeyObject;
}

/** A detached CAdES-BES / PAdES B-B SignedData ContentInfo (DER). */
export function buildSignedData(input: BuildSignedDataInput): Buffer {
  const { issuer, serial } = getIssuerAndSerial(input.certificate);
  const sha256 = derSequence(derOid(OID.sha256));
  const signedAttrs = derSetOf(
    attribute(OID.contentType, derOid(OID.data)),
    attribute(OID.messageDigest, derOctetString(input.contentDigest)),
    attribute(OID.signingCertificateV2, signingCertificateV2(input.certificate)),
  );
  const keyType = input.privateKey.asymmetricKeyType;
  let signatureAlgorithm: Buffer;
  if (keyType === 'rsa') signatureAlgorithm = derSequence(derOid(OID.rsaEncryption), derNull());
  else if (keyType === 'ec') signatureAlgorithm = derSequence(derOid(OID.ecdsaWithSha256));
  else throw new RangeError(`unsupported sealing key type: ${keyType}`);
  // The signature covers the DER of the attributes as a SET OF (tag 0x31).
  const signature = sign('sha256', signedAttrs, input.privateKey);
  const signerInfo = derSequence(
    derSmallInteger(1),
    derSequence(issuer, serial),
    sha256,
    derTlv(0xa0, readDer(signedAttrs).content), // [0] IMPLICIT SET OF Attribute
    signatureAlgorithm,
    derOctetString(signature),
  );
  const signedData = derSequence(
    derSmallInteger(1),
    derSetOf(sha256),
    derSequence(derOid(OID.data)),
    derContext(0, Buffer.concat([input.certificate, ...(input.chain ?? [])])),
    derSetOf(signerInfo),
  );
  return derSequence(derOid(OID.signedData), derContext(0, signedData));
}

export interface SignedDataCheck {
  /** The certificate of the signer (matched by issuer and serial), or null. */
  signer: X509Certificate | null;
  signerDer: Buffer | null;
  /** True when the content digest matches and the signature verifies with the signer's key. */
  valid: boolean;
  /** Why not valid, in words; null when valid. */
  failure: string | null;
  /** The CMS signing-time attribute when present (PAdES puts the time in /M instead). */
  signingTime: Date | null;
}

function findAttribute(attrs: DerNode[], oid: string): DerNode | undefined {
  for (const attr of attrs) {
    const [type, values] = readChildren(attr);
    if (type && values && decodeOid(type) === oid) return readChildren(values)[0];
  }
  return undefined;
}

function decodeTime(node: DerNode): Date | null {
  const text = node.content.toString('latin1');
  const m = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return null;
  let year = Number(m[1]);
  if (m[1]!.length === 2) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/**
 * Checks a detached SignedData against the bytes it claims to sign: the
 * message-digest attribute must equal the digest of `content`, the signature
 * must verify over the signed attributes with the signer certificate's key,
 * and a signing-certificate-v2 attribute, when present, must name that
 * certificate. Never throws on malformed input: it reports it.
 */
export function checkSignedData(cmsDer: Buffer, content: Buffer): SignedDataCheck {
  const result: SignedDataCheck = { signer: null, signerDer: null, valid: false, failure: null, signingTime: null };
  try {
    const [contentType, wrapped] = readChildren(readDer(cmsDer));
    if (!contentType || !wrapped || decodeOid(contentType) !== OID.signedData) return { ...result, failure: 'not a CMS SignedData' };
    const signedData = readChildren(readChildren(wrapped)[0]!);
    const certSet = signedData.find((n) => n.tag === 0xa0);
    const certificates = certSet ? readChildren(certSet).filter((n) => n.tag === TAG.sequence).map((n) => Buffer.from(n.bytes)) : [];
    const signerInfos = signedData[signedData.length - 1];
    const signerInfo = signerInfos?.tag === TAG.set ? readChildren(signerInfos)[0] : undefined;
    if (!signerInfo) return { ...result, failure: 'the SignedData has no signer' };
    const fields = readChildren(signerInfo);
    const sid = fields[1]!;
    const digestAlgorithm = decodeOid(readChildren(fields[2]!)[0]!);
    const hasSignedAttrs = fields[3]?.tag === 0xa0;
    const signedAttrs = hasSignedAttrs ? fields[3]! : null;
    const signatureAlgorithm = decodeOid(readChildren(fields[hasSignedAttrs ? 4 : 3]!)[0]!);
    const signature = fields[hasSignedAttrs ? 5 : 4]!.content;

    const [sidIssuer, sidSerial] = sid.tag === TAG.sequence ? readChildren(sid) : [];
    const signerDer = certificates.find((der) => {
      const { issuer, serial } = getIssuerAndSerial(der);
      return sidIssuer !== undefined && sidSerial !== undefined && issuer.equals(sidIssuer.bytes) && serial.equals(sidSerial.bytes);
    });
    if (!signerDer) return { ...result, failure: 'the signer certificate is not embedded in the signature' };
    result.signerDer = signerDer;
    result.signer = new X509Certificate(signerDer);

    const digestName = DIGEST_NAMES[digestAlgorithm];
    if (!digestName) return { ...result, failure: `unsupported digest algorithm ${digestAlgorithm}` };
    if (!SIGNATURE_ALGORITHMS.has(signatureAlgorithm)) return { ...result, failure: `unsupported signature algorithm ${signatureAlgorithm}` };
    const digest = createHash(digestName).update(content).digest();

    let signedBytes: Buffer;
    if (signedAttrs) {
      const attrs = readChildren(signedAttrs);
      const messageDigest = findAttribute(attrs, OID.messageDigest);
      if (!messageDigest || !messageDigest.content.equals(digest)) return { ...result, failure: 'the document digest does not match the signed digest (the signed bytes were changed)' };
      const signingCert = findAttribute(attrs, OID.signingCertificateV2);
      if (signingCert) {
        const essCertId = readChildren(readChildren(signingCert)[0]!)[0]!;
        const idFields = readChildren(essCertId);
        const hashAlgorithm = idFields[0]?.tag === TAG.sequence ? DIGEST_NAMES[decodeOid(readChildren(idFields[0])[0]!)] : 'sha256';
        const certHash = idFields.find((n) => n.tag === TAG.octetString);
        if (!hashAlgorithm || !certHash || !createHash(hashAlgorithm).update(signerDer).digest().equals(certHash.content)) {
          return { ...result, failure: 'the signing-certificate-v2 attribute does not name the embedded certificate' };
        }
      }
      const time = findAttribute(attrs, OID.signingTime);
      if (time) result.signingTime = decodeTime(time);
      // Signed over the attributes re-tagged as SET OF (0x31) instead of [0] IMPLICIT.
      signedBytes = Buffer.concat([Buffer.from([TAG.set]), signedAttrs.bytes.subarray(1)]);
    } else {
      signedBytes = content;
    }
    const ok = verify(digestName, signedBytes, result.signer.publicKey, signature);
    return ok ? { ...result, valid: true } : { ...result, failure: 'the signature does not verify with the signer certificate' };
  } catch (error) {
    return { ...result, failure: `malformed signature: ${(error as Error).message}` };
  }
}
