import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

export interface Pkcs12Contents {
  privateKey: KeyObject;
  /** DER of the certificate whose public key matches the private key. */
  certificate: Buffer;
  /** DER of the other certificates in the file (intermediates), in file order. */
  chain: Buffer[];
}

/** Thrown when a PKCS#12 cannot be opened: wrong passphrase, corrupt file, unsupported key type. */
export class Pkcs12Error extends Error {
  override name = 'Pkcs12Error';
}

function toDer(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

/**
 * Opens a PKCS#12 (PFX) and returns its private key and the certificate that
 * goes with it. RSA keys only (node-forge's PKCS#12 reader does not decode EC
 * keys). Files from `openssl pkcs12 -export` (OpenSSL 3 defaults: PBES2,
 * AES-256, SHA-256 MAC) and from generateSealCertificate both open.
 */
export function readPkcs12(p12: Uint8Array, passphrase: string): Pkcs12Contents {
  let parsed: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(Buffer.from(p12).toString('binary'));
    parsed = forge.pkcs12.pkcs12FromAsn1(asn1, false, passphrase);
  } catch (error) {
    throw new Pkcs12Error(`cannot open the PKCS#12 (wrong passphrase, damaged file, or a non-RSA key): ${(error as Error).message}`);
  }
  const keyBags = [
    ...(parsed.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(parsed.getBags({ bagType: forge.pki.oids.keyBag! })[forge.pki.oids.keyBag!] ?? []),
  ];
  const keyBag = keyBags.find((bag) => bag.key);
  if (!keyBag?.key) throw new Pkcs12Error('the PKCS#12 holds no private key');
  const privateKey = createPrivateKey(forge.pki.privateKeyToPem(keyBag.key));
  const publicDer = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });

  const certs = (parsed.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [])
    .flatMap((bag) => (bag.cert ? [toDer(bag.cert)] : []));
  const signerIndex = certs.findIndex((der) => new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' }).equals(publicDer));
  if (signerIndex < 0) throw new Pkcs12Error('the PKCS#12 holds no certificate for its private key');
  return {
    privateKey,
    certificate: certs[signerIndex]!,
    chain: certs.filter((_, i) => i !== signerIndex),
  };
}
