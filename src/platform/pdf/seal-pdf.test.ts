import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import { decodePng, sampleAt } from './__fixtures__/decode-png.ts';
import { createPdfDocument } from './create-pdf-document.ts';
import { NARROW_NO_BREAK_SPACE } from './fonts.ts';
import { generateSealCertificate, type SealCertificate } from './generate-seal-certificate.ts';
import { Pkcs12Error, readPkcs12 } from './read-pkcs12.ts';
import { SealPdfError, sealPdf } from './seal-pdf.ts';
import { parsePdfDate, verifySealedPdf } from './verify-sealed-pdf.ts';

// Poppler's pdfsig / pdftoppm / pdftotext are the independent checkers (Debian: poppler-utils).
const ORG = 'Organisme Fête & Co — Évry';
const FRENCH_LINES = [
  'Feuille d’émargement — matinée du lundi 2 mars 2026',
  'Module : « Sécurité électrique » ; coût 1 250,00' + NARROW_NO_BREAK_SPACE + '€',
  'Stagiaire : Françoise Lœwenbrück, déjà présente à 9 h',
  'Forêt, garçon, où, naïf, cœur, Ève, ÇA, à côté',
];
const SIGNING_TIME = new Date('2026-03-02T11:42:17Z');

let dir: string;
let cert: SealCertificate;
let unsealed: Uint8Array;
let sealed: Buffer;

function tool(name: string, args: string[]): { stdout: string; status: number | null } {
  const run = spawnSync(name, args, { encoding: 'utf8' });
  if (run.error) throw new Error(`${name} is needed for these tests (apt-get install poppler-utils): ${run.error.message}`);
  return { stdout: run.stdout + run.stderr, status: run.status };
}

function pdfsig(bytes: Uint8Array, file: string): string {
  const path = join(dir, file);
  writeFileSync(path, bytes);
  return tool('pdfsig', [path]).stdout;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emarge-seal-'));
  cert = generateSealCertificate({ organisationName: ORG, notBefore: new Date('2026-01-01T00:00:00Z') });
  const { pdf, fonts } = await createPdfDocument({ title: 'Feuille d’émargement', author: ORG, creationDate: new Date('2026-03-02T11:40:00Z') });
  const page = pdf.addPage([595.28, 841.89]);
  FRENCH_LINES.forEach((line, i) => page.drawText(line, { x: 40, y: 790 - i * 22, size: 12, font: i === 0 ? fonts.bold : fonts.regular }));
  unsealed = await pdf.save({ useObjectStreams: false });
  sealed = await sealPdf(unsealed, {
    p12: cert.p12,
    passphrase: cert.passphrase,
    reason: 'Feuille d’émargement scellée par Emarge',
    location: 'Évry, France',
    contactInfo: 'dpo@example.org',
    name: ORG,
    signingTime: SIGNING_TIME,
  });
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('pdfsig validates the seal: PAdES (ETSI.CAdES.detached), SHA-256, whole document signed', () => {
  const out = pdfsig(sealed, 'sealed.pdf');
  assert.match(out, /^ {2}- Signature Validation: Signature is Valid\.$/m, out);
  assert.match(out, /^ {2}- Total document signed$/m, out);
  assert.match(out, /^ {2}- Signature Type: ETSI\.CAdES\.detached$/m, out);
  assert.match(out, /^ {2}- Signing Hash Algorithm: SHA-256$/m, out);
  assert.ok(out.includes(`Signer Certificate Common Name: ${ORG}`), out);
  // Self-signed: the signature is valid but poppler cannot chain the issuer to a trust anchor.
  assert.match(out, /Certificate Validation: Certificate issuer (is unknown|isn't Trusted)\./, out);
  assert.equal((out.match(/^Signature #/gm) ?? []).length, 1);
});

test('verifySealedPdf finds the seal intact, its signer, time, and whole-document coverage', () => {
  const v = verifySealedPdf(sealed);
  assert.equal(v.failure, null);
  assert.equal(v.intact, true);
  assert.equal(v.coversWholeDocument, true);
  assert.equal(v.subFilter, 'ETSI.CAdES.detached');
  assert.equal(v.reason, 'Feuille d’émargement scellée par Emarge');
  assert.equal(v.signingTime?.toISOString(), SIGNING_TIME.toISOString());
  assert.equal(v.signer?.commonName, ORG);
  assert.equal(v.signer?.organisation, ORG);
  assert.equal(v.signer?.fingerprint, cert.fingerprint);
});

test('the unsealed document is reported as carrying no signature', () => {
  const v = verifySealedPdf(unsealed);
  assert.equal(v.intact, false);
  assert.equal(v.signer, null);
  assert.match(v.failure ?? '', /no signature/);
});

test('one flipped byte inside the signed range: pdfsig and verifySealedPdf both reject it', () => {
  // A byte of the binary comment on line 2: the file still parses, only the digest changes.
  const tampered = Buffer.from(sealed);
  tampered[11] = tampered[11]! ^ 0x01;
  const out = pdfsig(tampered, 'flipped.pdf');
  assert.doesNotMatch(out, /Signature is Valid\./, out);
  assert.match(out, /^ {2}- Signature Validation: (Digest Mismatch|Signature is Invalid)\.$/m, out);
  const v = verifySealedPdf(tampered);
  assert.equal(v.intact, false);
  assert.match(v.failure ?? '', /digest does not match/);
});

test('a visible content change (page size) is caught; so is a change after the signature value', () => {
  const text = sealed.toString('latin1');
  const at = text.indexOf('595.28');
  assert.ok(at > 0);
  const widened = Buffer.from(sealed);
  widened.write('596.28', at, 'latin1');
  assert.match(pdfsig(widened, 'widened.pdf'), /Signature Validation: (Digest Mismatch|Signature is Invalid)\./);
  assert.equal(verifySealedPdf(widened).intact, false);

  const tail = Buffer.from(sealed);
  const inSecondRange = tail.length - 40;
  tail[inSecondRange] = tail[inSecondRange]! ^ 0x20;
  assert.equal(verifySealedPdf(tail).intact, false);
});

test('a forged signature value (the CMS itself changed) does not verify', () => {
  const v0 = verifySealedPdf(sealed);
  assert.equal(v0.intact, true);
  const text = sealed.toString('latin1');
  const contentsAt = text.lastIndexOf('/Contents <') + '/Contents <'.length;
  // Change one hex digit well inside the CMS (inside the RSA signature value near its end).
  const forged = Buffer.from(sealed);
  const hex = text.slice(contentsAt, text.indexOf('>', contentsAt));
  const lastNonZero = hex.replace(/0+$/, '').length;
  const at = contentsAt + lastNonZero - 20;
  forged.write(forged[at] === 0x61 ? 'b' : 'a', at, 'latin1');
  const v = verifySealedPdf(forged);
  assert.equal(v.intact, false);
  assert.match(v.failure ?? '', /signature does not verify/);
  assert.doesNotMatch(pdfsig(forged, 'forged.pdf'), /Signature is Valid\./);
});

test('bytes appended after the seal: the signature still verifies but no longer covers the whole document', () => {
  const appended = Buffer.concat([sealed, Buffer.from('\n% appended after sealing\n', 'latin1')]);
  const v = verifySealedPdf(appended);
  assert.equal(v.intact, true);
  assert.equal(v.coversWholeDocument, false);
  const out = pdfsig(appended, 'appended.pdf');
  assert.match(out, /^ {2}- Not total document signed$/m, out);
  assert.doesNotMatch(out, /^ {2}- Total document signed$/m, out);
});

test('pdftoppm renders page 1 and pdftotext extracts the French text, accents included', () => {
  const pdfPath = join(dir, 'render.pdf');
  writeFileSync(pdfPath, sealed);
  const render = tool('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', pdfPath, join(dir, 'page')]);
  assert.equal(render.status, 0, render.stdout);
  const png = readdirSync(dir).find((f) => f.startsWith('page') && f.endsWith('.png'));
  assert.ok(png, 'pdftoppm wrote no PNG');
  const image = decodePng(readFileSync(join(dir, png)));
  // A4 at 50 dpi: 595.28 pt × 50/72 ≈ 413.4 px wide, 841.89 pt ≈ 584.6 px high (poppler rounds up).
  assert.ok(Math.abs(image.width - 413.4) < 1 && Math.abs(image.height - 584.6) < 1, `${image.width}×${image.height}`);
  // Text was drawn in the top band (y from 790 pt down to ~724 pt, i.e. rows ~35..82); the lower half is blank.
  const darkIn = (y0: number, y1: number) => {
    let dark = 0;
    for (let y = y0; y < y1; y++) for (let x = 0; x < image.width; x++) if (sampleAt(image, x, y) < 128) dark++;
    return dark;
  };
  assert.ok(darkIn(30, 90) > 200, `only ${darkIn(30, 90)} dark pixels where the text is`);
  assert.equal(darkIn(300, image.height), 0);

  const extracted = tool('pdftotext', ['-layout', pdfPath, '-']).stdout;
  for (const word of ['Feuille d’émargement', 'matinée', '« Sécurité électrique »', 'Françoise Lœwenbrück', 'déjà présente à 9 h', 'Forêt', 'garçon', 'où', 'naïf', 'cœur', 'Ève', 'ÇA', 'à côté']) {
    assert.ok(extracted.includes(word), `pdftotext lost "${word}" in:\n${extracted}`);
  }
  // The narrow no-break space before € is drawn (poppler may extract it as a plain space).
  assert.match(extracted, /1 250,00[\u202f\u00a0 ]€/u);
});

test('sealing refuses a wrong passphrase and an already-signed document', async () => {
  await assert.rejects(
    sealPdf(unsealed, { p12: cert.p12, passphrase: 'wrong', reason: 'x', signingTime: SIGNING_TIME }),
    (e: unknown) => e instanceof Pkcs12Error && /passphrase/.test(e.message),
  );
  await assert.rejects(
    sealPdf(sealed, { p12: cert.p12, passphrase: cert.passphrase, reason: 'x', signingTime: SIGNING_TIME }),
    (e: unknown) => e instanceof SealPdfError && /already signed/.test(e.message),
  );
  await assert.rejects(
    sealPdf(Buffer.from('not a pdf'), { p12: cert.p12, passphrase: cert.passphrase, reason: 'x', signingTime: SIGNING_TIME }),
    SealPdfError,
  );
});

test('sealing preserves the document: same page count and text, and a PDF pdf-lib can reopen', async () => {
  const reopened = await PDFDocument.load(sealed);
  assert.equal(reopened.getPageCount(), 1);
  assert.equal(reopened.getTitle(), 'Feuille d’émargement');
});

test('the generated certificate: subject, 10-year validity, key usage, fingerprint, PKCS#12 round trip', () => {
  const { certificate, privateKey, chain } = readPkcs12(cert.p12, cert.passphrase);
  const x509 = new X509Certificate(certificate);
  assert.equal(x509.subject, `CN=${ORG}\nO=${ORG}`);
  assert.equal(x509.issuer, x509.subject);
  assert.equal(new Date(x509.validFrom).toISOString(), '2026-01-01T00:00:00.000Z');
  assert.equal(new Date(x509.validTo).toISOString(), '2036-01-01T00:00:00.000Z');
  assert.equal(x509.ca, false);
  assert.equal(createHash('sha256').update(certificate).digest('hex'), cert.fingerprint);
  assert.equal(x509.fingerprint256.replaceAll(':', '').toLowerCase(), cert.fingerprint);
  assert.equal(privateKey.asymmetricKeyType, 'rsa');
  assert.equal(privateKey.asymmetricKeyDetails?.modulusLength, 3072);
  assert.equal(chain.length, 0);
  assert.ok(x509.checkPrivateKey(privateKey));
  assert.ok(x509.verify(x509.publicKey), 'self-signature verifies');
  assert.equal(new X509Certificate(cert.certificatePem).fingerprint256, x509.fingerprint256);
  // keyUsage: digitalSignature + nonRepudiation, critical. Checked in the DER: OID 2.5.29.15, critical TRUE, BIT STRING 0xC0.
  const keyUsage = Buffer.from('0603551d0f0101ff040403020' + '6c0', 'hex');
  assert.ok(certificate.includes(keyUsage), 'keyUsage extension digitalSignature+nonRepudiation (critical)');
  assert.throws(() => generateSealCertificate({ organisationName: '   ' }), RangeError);
});

test('PDF dates parse with Z and with offsets', () => {
  assert.equal(parsePdfDate('D:20260302124217Z')?.toISOString(), '2026-03-02T12:42:17.000Z');
  assert.equal(parsePdfDate("D:20260302134217+01'00'")?.toISOString(), '2026-03-02T12:42:17.000Z');
  assert.equal(parsePdfDate('D:2026')?.toISOString(), '2026-01-01T00:00:00.000Z');
  assert.equal(parsePdfDate('yesterday'), null);
});

test('a PDF saved with object streams (pdf-lib default) and a multi-page one seal and verify too', async () => {
  const { pdf, fonts } = await createPdfDocument({ title: 'Certificat de réalisation' });
  for (let i = 1; i <= 3; i++) pdf.addPage().drawText(`Page ${i} — réalisée`, { x: 40, y: 700, size: 14, font: fonts.regular });
  const withObjectStreams = await pdf.save(); // useObjectStreams defaults to true
  const out = await sealPdf(withObjectStreams, { p12: cert.p12, passphrase: cert.passphrase, reason: 'Certificat', signingTime: SIGNING_TIME });
  assert.equal(verifySealedPdf(out).intact, true);
  assert.equal(verifySealedPdf(out).coversWholeDocument, true);
  const sig = pdfsig(out, 'object-streams.pdf');
  assert.match(sig, /^ {2}- Signature Validation: Signature is Valid\.$/m, sig);
  assert.equal((await PDFDocument.load(out)).getPageCount(), 3);
});
