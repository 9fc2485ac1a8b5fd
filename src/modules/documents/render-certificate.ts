import { createPdfDocument } from '../../platform/pdf/create-pdf-document.ts';
import { wrapText } from '../../platform/pdf/fonts.ts';
import { localParts } from '../catalogue/session-time.ts';
import type { AttendanceHours } from './attendance-hours.ts';
import { type DocLocale, formatDateTimeWithZone, formatHours, formatLongDate, formatPercent, LABELS } from './document-format.ts';
import { A4, MARGIN, PageFlow } from './page-flow.ts';
import { drawLine, drawQrCode, GREY, hline } from './pdf-drawing.ts';

export interface CertificateInput {
  organisation: { name: string; timezone: string };
  locale: DocLocale;
  learnerName: string;
  program: { title: string; code: string | null; funder: string | null; funding_reference: string | null; cohort_name: string };
  hours: AttendanceHours;
  sealFingerprint: string;
  verificationCode: string;
  verifyUrl: string;
  issuedAt: Date;
}

/** A learner's certificate of attendance for a program (A4 portrait), unsealed. */
export async function renderCertificate(input: CertificateInput): Promise<Uint8Array> {
  const { locale, organisation, hours } = input;
  const L = LABELS[locale];
  const tz = organisation.timezone;
  const { pdf, fonts } = await createPdfDocument({
    title: `${L.certificateTitle} — ${input.learnerName} — ${input.program.title}`,
    author: organisation.name,
    subject: `${L.verification} ${input.verificationCode}`,
    creationDate: input.issuedAt,
    language: locale === 'en' ? 'en-GB' : 'fr-FR',
  });
  const flow = new PageFlow(pdf, fonts, A4);
  const qrSize = 86;
  drawQrCode(flow.page, input.verifyUrl, flow.width - MARGIN - qrSize, flow.y - qrSize, qrSize);
  drawLine(flow.page, input.verificationCode, flow.width - MARGIN - qrSize + (qrSize - fonts.bold.widthOfTextAtSize(input.verificationCode, 9)) / 2, flow.y - qrSize - 10, { font: fonts.bold, size: 9 });
  flow.line(organisation.name, { face: 'bold', size: 13 });
  flow.y -= 40;
  for (const l of wrapText(L.certificateTitle, fonts.bold, 17, flow.contentWidth - qrSize - 10)) flow.line(l, { face: 'bold', size: 17 });
  flow.y -= 24;
  const paragraph = (text: string, size = 11, face: 'regular' | 'bold' = 'regular') => {
    for (const l of wrapText(text, fonts[face], size, flow.contentWidth)) flow.line(l, { size, face, gap: 5 });
  };
  paragraph(`${organisation.name} ${L.certifies}`);
  flow.y -= 4;
  paragraph(input.learnerName, 15, 'bold');
  flow.y -= 4;
  paragraph(L.certifiesTail);
  flow.y -= 10;
  const p = input.program;
  const day = (d: Date | null) => (d ? formatLongDate(locale, localParts(d, tz).date) : L.none);
  const rows: Array<[string, string]> = [
    [L.program, p.code ? `${p.title} (${p.code})` : p.title],
    [L.cohort, p.cohort_name],
    [L.funder, `${p.funder ?? L.none}${p.funding_reference ? ` — ${L.fundingReference} ${p.funding_reference}` : ''}`],
    [L.period, `${day(hours.firstDate)} – ${day(hours.lastDate)}`],
    [L.sessions, String(hours.sessions)],
    [L.plannedHours, formatHours(locale, hours.plannedHours)],
    [L.heldHours, formatHours(locale, hours.heldHours)],
    [L.attendedHours, formatHours(locale, hours.attendedHours)],
    [L.excusedHours, formatHours(locale, hours.excusedHours)],
    [L.absentHours, formatHours(locale, hours.absentHours)],
    [L.rate, formatPercent(locale, hours.rate)],
  ];
  for (const [label, value] of rows) {
    flow.ensure(18);
    flow.y -= 17;
    drawLine(flow.page, label, MARGIN, flow.y, { font: fonts.regular, size: 10, color: GREY, maxWidth: 300 });
    drawLine(flow.page, value, MARGIN + 310, flow.y, { font: label === L.attendedHours || label === L.rate ? fonts.bold : fonts.regular, size: 10, maxWidth: flow.contentWidth - 310 });
    hline(flow.page, MARGIN, flow.width - MARGIN, flow.y - 5);
  }
  flow.y -= 14;
  for (const l of wrapText(L.rules, fonts.italic, 8, flow.contentWidth)) flow.line(l, { face: 'italic', size: 8, color: GREY });
  flow.y -= 30;
  flow.line(`${L.issuedAt} ${formatDateTimeWithZone(input.issuedAt, tz)}`, { size: 10 });
  flow.y -= 10;
  flow.line(`${L.sealedBy} ${organisation.name}`, { face: 'bold', size: 10 });
  flow.line(`${L.sealFingerprint} (SHA-256) : ${input.sealFingerprint}`, { size: 7, color: GREY });
  flow.finish({
    footerLeft: `${organisation.name} — ${L.certificateTitle} — ${input.learnerName}`,
    footerRight: `${L.verification} ${input.verificationCode} — ${L.verifyAt} ${input.verifyUrl}`,
    pageLabel: L.page,
  });
  return pdf.save({ useObjectStreams: false });
}
