import { createPdfDocument } from '../../platform/pdf/create-pdf-document.ts';
import { pdfAnchorText } from '../attendance/evidence-anchors.ts';
import {
  type DocLocale,
  formatClockWithZone,
  formatDateTimeWithZone,
  formatLongDate,
  formatTime,
  formatTimeRange,
  LABELS,
  methodLabel,
  statusLabel,
} from './document-format.ts';
import { drawSignature, embedSignaturePng, type SignatureImage } from './signature-image.ts';
import { A4, MARGIN, PageFlow } from './page-flow.ts';
import { drawLine, drawQrCode, GREY, hline, LIGHT, RED } from './pdf-drawing.ts';
import { type AppendixItem, renderEvidenceAppendix } from './render-evidence-appendix.ts';
import type { EvidenceAnchor, SessionSheetData, SheetLine } from './sheet-data.ts';

export interface SessionSheetInput {
  organisation: { name: string; timezone: string };
  locale: DocLocale;
  data: SessionSheetData & { sheet: NonNullable<SessionSheetData['sheet']> };
  anchor: EvidenceAnchor | null;
  verifyUrl: string;
  issuedAt: Date;
}

/** The status cell text: "En retard (12 min)", "Parti en avance (parti à 11:10)". */
export function statusText(locale: DocLocale, line: SheetLine, timezone: string): string {
  const L = LABELS[locale];
  const base = statusLabel(locale, line.status);
  if (line.status === 'late' && line.lateMinutes !== null) return `${base} (${line.lateMinutes} ${L.minutes})`;
  if (line.status === 'left_early' && line.leftAt) return `${base} (${L.leftAt} ${formatTime(line.leftAt, timezone)})`;
  return base;
}

/** Header lines shared by the session sheet and the export (program, funder, module, cohort). */
export function programLines(locale: DocLocale, s: { program_title: string; program_code: string | null; funder: string | null; funding_reference: string | null; module_title?: string | null; cohort_name: string }): Array<[string, string]> {
  const L = LABELS[locale];
  const lines: Array<[string, string]> = [[L.program, s.program_code ? `${s.program_title} (${s.program_code})` : s.program_title]];
  lines.push([L.funder, `${s.funder ?? L.none}${s.funding_reference ? ` — ${L.fundingReference} ${s.funding_reference}` : ''}`]);
  if (s.module_title !== undefined) lines.push([L.module, s.module_title ?? L.none]);
  lines.push([L.cohort, s.cohort_name]);
  return lines;
}

/**
 * The attendance sheet of one half-day session (A4 portrait), unsealed:
 * header, learners × {name, status, signature, time, method}, trainers,
 * verification code and QR, version and status (a sheet not locked carries a
 * visible PROVISOIRE / DRAFT mark), then the evidence appendix.
 */
export async function renderSessionSheet(input: SessionSheetInput): Promise<Uint8Array> {
  const { data, locale, organisation } = input;
  const { session, sheet } = data;
  const tz = organisation.timezone;
  const L = LABELS[locale];
  const { pdf, fonts } = await createPdfDocument({
    title: `${L.sheetTitle} — ${session.program_title} — ${session.date} ${session.half_day === 'am' ? L.am : L.pm}`,
    author: organisation.name,
    subject: `${L.verification} ${sheet.verificationCode}`,
    creationDate: input.issuedAt,
    language: locale === 'en' ? 'en-GB' : 'fr-FR',
    evidenceAnchor: input.anchor ? pdfAnchorText(input.anchor) : undefined,
  });
  const images = new Map<string, SignatureImage>();
  for (const line of [...data.learners, ...data.trainers]) {
    if (line.png && line.signatureId && !images.has(line.signatureId)) images.set(line.signatureId, await embedSignaturePng(pdf, line.png));
  }

  const flow = new PageFlow(pdf, fonts, A4);
  const qrSize = 92;
  const qrX = flow.width - MARGIN - qrSize;
  const topY = flow.y;
  drawQrCode(flow.page, input.verifyUrl, qrX, topY - qrSize, qrSize);
  drawLine(flow.page, sheet.verificationCode, qrX + (qrSize - fonts.bold.widthOfTextAtSize(sheet.verificationCode, 9)) / 2, topY - qrSize - 10, { font: fonts.bold, size: 9 });

  const textWidth = flow.contentWidth - qrSize - 12;
  flow.line(organisation.name, { face: 'bold', size: 12 });
  flow.line(L.sheetTitle, { face: 'bold', size: 16, gap: 6 });
  flow.y -= 4;
  const infoLines: Array<[string, string]> = [
    ...programLines(locale, session),
    [L.date, `${formatLongDate(locale, session.date)} — ${session.half_day === 'am' ? L.am : L.pm}`],
    [L.times, formatTimeRange(session.starts_at, session.ends_at, tz)],
  ];
  if (session.location) infoLines.push([L.place, session.location]);
  if (session.remote_url) infoLines.push([L.remote, session.remote_url]);
  infoLines.push([
    L.version,
    `${sheet.version} — ${sheet.status === 'locked' && sheet.lockedAt ? `${L.locked} ${formatDateTimeWithZone(sheet.lockedAt, tz)}${sheet.lockedByName ? ` (${sheet.lockedByName})` : ''}` : L.open}`,
  ]);
  for (const [label, value] of infoLines) {
    flow.y -= 12;
    drawLine(flow.page, locale === 'fr' ? `${label} :` : `${label}:`, MARGIN, flow.y, { font: fonts.regular, size: 8.5, color: GREY });
    drawLine(flow.page, value, MARGIN + 92, flow.y, { font: fonts.regular, size: 8.5, maxWidth: textWidth - 92 });
  }
  flow.y = Math.min(flow.y, topY - qrSize - 16);
  if (session.status === 'cancelled') flow.line(L.cancelled, { face: 'bold', size: 10, color: RED });
  if (data.holiday) flow.line(`${L.holiday} (${data.holiday}).`, { face: 'bold', size: 10, color: RED });
  if (data.identicalSignatures.length) flow.line(`${L.identicalSignatures} ${data.identicalSignatures.join(', ')}.`, { face: 'bold', size: 9, color: RED });
  flow.y -= 8;

  // Table: name | status | signature | signed at | method
  const cols = [
    { label: L.learner, w: 150 },
    { label: L.status, w: 92 },
    { label: L.signature, w: 110 },
    { label: L.signedAt, w: 90 },
    { label: L.method, w: flow.contentWidth - 442 },
  ];
  const rowHeight = 34;
  const drawHeader = (title: string) => {
    flow.ensure(18 + rowHeight);
    flow.y -= 12;
    let x = MARGIN;
    for (const [i, c] of cols.entries()) {
      drawLine(flow.page, i === 0 ? title : c.label, x + 2, flow.y, { font: fonts.bold, size: 8, maxWidth: c.w - 4 });
      x += c.w;
    }
    flow.y -= 4;
    hline(flow.page, MARGIN, flow.width - MARGIN, flow.y, 0.8, GREY);
  };
  const drawRow = (line: SheetLine, title: string) => {
    if (flow.y - rowHeight < flow.bottom) {
      flow.newPage();
      drawHeader(title);
    }
    const top = flow.y;
    const mid = top - rowHeight / 2 - 3;
    let x = MARGIN;
    drawLine(flow.page, line.name, x + 2, mid, { font: fonts.regular, size: 8.5, maxWidth: cols[0]!.w - 4 });
    x += cols[0]!.w;
    drawLine(flow.page, statusText(locale, line, tz), x + 2, mid, { font: fonts.regular, size: 8, maxWidth: cols[1]!.w - 4, color: line.status === 'absent' || line.status === 'pending' ? RED : undefined });
    x += cols[1]!.w;
    const image = line.signatureId ? images.get(line.signatureId) : undefined;
    if (image) drawSignature(flow.page, image, x + 2, top - rowHeight + 2, cols[2]!.w - 4, rowHeight - 4);
    x += cols[2]!.w;
    drawLine(flow.page, line.signedAt ? formatClockWithZone(line.signedAt, tz) : L.none, x + 2, mid, { font: fonts.regular, size: 7.5, maxWidth: cols[3]!.w - 4 });
    x += cols[3]!.w;
    const method = `${methodLabel(locale, line.method)}${line.markedByName && line.method === 'trainer_mark' ? ` (${line.markedByName})` : ''}`;
    drawLine(flow.page, method, x + 2, mid, { font: fonts.regular, size: 7.5, maxWidth: cols[4]!.w - 4 });
    flow.y -= rowHeight;
    hline(flow.page, MARGIN, flow.width - MARGIN, flow.y, 0.4, LIGHT);
  };

  drawHeader(`${L.learners} (${data.learners.length})`);
  for (const line of data.learners) drawRow(line, L.learners);
  flow.y -= 10;
  drawHeader(L.trainers);
  for (const line of data.trainers) drawRow(line, L.trainers);

  const items: AppendixItem[] = [...data.learners, ...data.trainers].filter((l) => l.signedAt || l.signatureId || l.evidence.length).map((line) => ({ title: `${line.name} — ${line.role === 'trainer' ? L.trainer : L.learner}`, line }));
  renderEvidenceAppendix(flow, locale, tz, items, input.anchor);

  flow.finish({
    footerLeft: `${organisation.name} — ${L.sheetTitle} ${session.date} ${session.half_day === 'am' ? L.am : L.pm} — ${L.version} ${sheet.version}${sheet.status === 'locked' ? '' : ` (${L.draft})`}`,
    footerRight: `${L.verification} ${sheet.verificationCode} — ${L.verifyAt} ${input.verifyUrl}`,
    ...(sheet.status === 'locked' ? {} : { draftText: L.draft }),
    pageLabel: L.page,
  });
  return pdf.save({ useObjectStreams: false });
}
