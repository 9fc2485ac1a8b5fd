import { createPdfDocument } from '../../platform/pdf/create-pdf-document.ts';
import { textWidth } from '../../platform/pdf/fonts.ts';
import { pdfAnchorText } from '../attendance/evidence-anchors.ts';
import type { EvidenceAnchor } from './sheet-data.ts';
import { localParts } from '../catalogue/session-time.ts';
import type { AttendanceHours } from './attendance-hours.ts';
import { type DocLocale, fill, formatDay, formatDayTime, formatHours, formatPercent, LABELS } from './document-format.ts';
import { A4, MARGIN, PageFlow } from './page-flow.ts';
import { drawLine, drawQrCode, drawWrapped, GREY, hline, leading, wrappedHeight } from './pdf-drawing.ts';

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
  /** The evidence log's latest batch when issued: kept in the document's metadata for `emarge verify PDF`. */
  anchor?: EvidenceAnchor | null;
}

/**
 * A learner's certificate of completion for a program (A4 portrait), unsealed,
 * after the Ministry's model "certificat de réalisation": the organisation,
 * the learner, the action and its nature (art. L6313-1 du Code du travail),
 * its dates and the hours completed; then the hours planned, delivered,
 * completed, excused and unexcused, counted on the half-days over at issue
 * and explained in a footnote. Every field wraps; nothing is cut.
 */
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
    text: input,
    evidenceAnchor: input.anchor ? pdfAnchorText(input.anchor) : undefined,
  });
  const flow = new PageFlow(pdf, fonts, A4);
  const qrSize = 86;
  const top = flow.y;
  drawQrCode(flow.page, input.verifyUrl, flow.width - MARGIN - qrSize, top - qrSize, qrSize);
  drawLine(flow.page, input.verificationCode, flow.width - MARGIN - qrSize + (qrSize - textWidth(input.verificationCode, fonts.bold, 9)) / 2, top - qrSize - 10, { font: fonts.bold, size: 9 });
  const besideQr = flow.contentWidth - qrSize - 12;
  flow.line(organisation.name, { face: 'bold', size: 13, width: besideQr });
  flow.y -= 26;
  flow.line(L.certificateTitle, { face: 'bold', size: 18, width: besideQr });
  flow.y = Math.min(flow.y, top - qrSize - 22);
  const paragraph = (text: string, size = 10.5, face: 'regular' | 'bold' | 'italic' = 'regular', o: { x?: number; color?: typeof GREY } = {}) => flow.line(text, { size, face, gap: 4, ...o });

  const p = input.program;
  const dateOf = (d: Date | null) => (d ? formatDay(locale, localParts(d, tz).date) : L.none);
  const issuedDay = formatDay(locale, localParts(input.issuedAt, tz).date);
  paragraph(`${organisation.name}${L.certifies}`);
  flow.y -= 6;
  paragraph(input.learnerName, 15, 'bold');
  flow.y -= 6;
  paragraph(L.followed);
  paragraph(p.code ? `${p.title} (${p.code})` : p.title, 11.5, 'bold');
  const colon = locale === 'fr' ? '\u00a0:' : ':';
  paragraph(`${L.cohort}${colon} ${p.cohort_name}`, 9.5);
  paragraph(`${L.funder}${colon} ${p.funder ?? L.none}${p.funding_reference ? ` — ${L.fundingReference} ${p.funding_reference}` : ''}`, 9.5);
  flow.y -= 6;
  paragraph(L.nature, 9.5);
  L.natures.forEach((nature, i) => paragraph(`${i === 0 ? '☒' : '☐'} ${nature}`, 9.5, 'regular', { x: MARGIN + 12 }));
  flow.y -= 6;
  const underWay = hours.lastDate !== null && hours.lastDate.getTime() > input.issuedAt.getTime();
  paragraph(fill(underWay ? L.takesPlace : L.tookPlace, { from: dateOf(hours.firstDate), to: dateOf(hours.lastDate) }));
  paragraph(fill(L.duration, { hours: formatHours(locale, hours.attendedHours), date: issuedDay }), 10.5, 'bold');
  flow.y -= 10;

  const rows: Array<[string, string, boolean]> = [
    [L.sessions, `${hours.heldSessions} / ${hours.sessions}`, false],
    [L.plannedHours, formatHours(locale, hours.plannedHours), false],
    [L.heldHours, formatHours(locale, hours.heldHours), false],
    [L.upcomingHours, formatHours(locale, hours.upcomingHours), false],
    [L.attendedHours, formatHours(locale, hours.attendedHours), true],
    [L.excusedHours, formatHours(locale, hours.excusedHours), false],
    [L.absentHours, formatHours(locale, hours.absentHours), false],
    [L.rate, formatPercent(locale, hours.rate), true],
    [L.rateExcludingExcused, formatPercent(locale, hours.rateExcludingExcused), false],
  ];
  const labelWidth = 330;
  const valueX = MARGIN + labelWidth + 10;
  const valueWidth = flow.width - MARGIN - valueX;
  for (const [label, value, strong] of rows) {
    const size = 9.5;
    const h = Math.max(wrappedHeight(label, fonts.regular, size, labelWidth), wrappedHeight(value, fonts.bold, size, valueWidth)) + 5;
    flow.ensure(h);
    drawWrapped(flow.page, label, MARGIN, flow.y - 2, labelWidth, { font: fonts.regular, size, color: GREY });
    drawWrapped(flow.page, value, valueX, flow.y - 2, valueWidth, { font: strong ? fonts.bold : fonts.regular, size });
    flow.y -= h;
    hline(flow.page, MARGIN, flow.width - MARGIN, flow.y + 1);
  }
  flow.y -= 8;
  paragraph(fill(L.footnote, { asOf: formatDayTime(locale, input.issuedAt, tz) }), 7.5, 'italic', { color: GREY });
  flow.y -= 6;
  paragraph(L.retention, 7.5, 'regular', { color: GREY });
  flow.y -= 14;
  paragraph(`${L.issuedAt} ${formatDayTime(locale, input.issuedAt, tz)}`, 10);
  flow.y -= 6;
  paragraph(`${L.sealedBy} ${organisation.name}`, 10, 'bold');
  flow.ensure(leading(7) * 2);
  paragraph(`${L.sealFingerprint} (SHA-256)${colon} ${input.sealFingerprint}`, 7, 'regular', { color: GREY });
  flow.finish({
    footerLeft: `${organisation.name} — ${L.certificateTitle} — ${input.learnerName}`,
    footerRight: `${L.verification} ${input.verificationCode} — ${L.verifyAt} ${input.verifyUrl}`,
    pageLabel: L.page,
  });
  return pdf.save({ useObjectStreams: false });
}
