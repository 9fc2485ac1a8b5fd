import { createPdfDocument } from '../../platform/pdf/create-pdf-document.ts';
import { pdfAnchorText } from '../attendance/evidence-anchors.ts';
import { type DocLocale, formatClockWithZone, formatDayTime, formatLongDate, formatTimeRange, LABELS, methodLabel } from './document-format.ts';
import { drawSignature, embedSignaturePng, type SignatureImage } from './signature-image.ts';
import { A4, MARGIN, PageFlow } from './page-flow.ts';
import { drawLine, drawQrCode, drawWrapped, GREY, hline, leading, LIGHT, RED, wrapLines } from './pdf-drawing.ts';
import { type AppendixItem, renderEvidenceAppendix } from './render-evidence-appendix.ts';
import type { EvidenceAnchor, SessionSheetData, SheetLine } from './sheet-data.ts';
import { amendmentLines, isNotOverAt, statusNotes, statusText } from './sheet-text.ts';

export { statusText } from './sheet-text.ts';

export interface SessionSheetInput {
  organisation: { name: string; timezone: string };
  locale: DocLocale;
  data: SessionSheetData & { sheet: NonNullable<SessionSheetData['sheet']> };
  anchor: EvidenceAnchor | null;
  verifyUrl: string;
  issuedAt: Date;
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
    title: `${L.sheetTitle} — ${session.program_title} — ${formatLongDate(locale, session.date)} ${session.half_day === 'am' ? L.am : L.pm}`,
    author: organisation.name,
    subject: `${L.verification} ${sheet.verificationCode}`,
    creationDate: input.issuedAt,
    language: locale === 'en' ? 'en-GB' : 'fr-FR',
    evidenceAnchor: input.anchor ? pdfAnchorText(input.anchor) : undefined,
    text: [organisation, session, data.learners.map((l) => [l.name, l.reason, l.markedByName, l.reviewedByName]), data.trainers.map((l) => l.name), data.amendments, sheet.lockedByName],
  });
  const upcoming = isNotOverAt(session, input.issuedAt);
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
  flow.line(organisation.name, { face: 'bold', size: 12, width: textWidth });
  flow.line(L.sheetTitle, { face: 'bold', size: 16, gap: 6, width: textWidth });
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
    `${sheet.version} — ${sheet.status === 'locked' && sheet.lockedAt ? `${L.locked} ${formatDayTime(locale, sheet.lockedAt, tz)}${sheet.lockedByName ? ` (${sheet.lockedByName})` : ''}` : L.open}${data.amendments.length ? ` — ${L.sheetAmended}` : ''}`,
  ]);
  for (const [label, value] of infoLines) {
    // Beside the QR code the value column is narrower; below it, the full width.
    const valueWidth = (flow.y > topY - qrSize - 16 ? textWidth : flow.contentWidth) - 92;
    const height = drawWrapped(flow.page, value, MARGIN + 92, flow.y - 2, valueWidth, { font: fonts.regular, size: 8.5 });
    drawLine(flow.page, locale === 'fr' ? `${label}\u00a0:` : `${label}:`, MARGIN, flow.y - 2 - 8.5, { font: fonts.regular, size: 8.5, color: GREY });
    flow.y -= height + 1.5;
  }
  flow.y = Math.min(flow.y, topY - qrSize - 16);
  if (session.status === 'cancelled') flow.line(L.cancelled, { face: 'bold', size: 10, color: RED });
  if (data.holiday) flow.line(`${L.holiday} (${data.holiday}).`, { face: 'bold', size: 10, color: RED });
  if (data.identicalSignatures.length) flow.line(`${L.identicalSignatures} ${data.identicalSignatures.join(', ')}.`, { face: 'bold', size: 9, color: RED });
  flow.y -= 8;

  // Table: name | status (with reason, review) | signature | signed at | method. Rows grow to fit their text.
  const cols = [
    { label: L.learner, w: 128 },
    { label: L.status, w: 150 },
    { label: L.signature, w: 100 },
    { label: L.signedAt, w: 64 },
    { label: L.method, w: flow.contentWidth - 442 },
  ];
  const minRow = 34;
  const pad = 4;
  const drawHeader = (title: string) => {
    flow.ensure(18 + minRow);
    let x = MARGIN;
    let height = 0;
    for (const [i, c] of cols.entries()) {
      height = Math.max(height, drawWrapped(flow.page, i === 0 ? title : c.label, x + 2, flow.y - 2, c.w - 4, { font: fonts.bold, size: 8 }));
      x += c.w;
    }
    flow.y -= height + 5;
    hline(flow.page, MARGIN, flow.width - MARGIN, flow.y, 0.8, GREY);
  };
  const drawRow = (line: SheetLine, title: string) => {
    const status = statusText(locale, line, tz, upcoming);
    const notes = statusNotes(locale, line, tz);
    const marked = line.markedByName && (line.method === 'trainer_mark' || line.method === null || line.reason) ? `${L.markedBy} ${line.markedByName}` : null;
    const method = line.method === null ? (marked ?? (upcoming ? '' : L.none)) : `${methodLabel(locale, line.method)}${marked ? ` (${marked})` : ''}`;
    const signedAt = line.signedAt ? formatClockWithZone(line.signedAt, tz) : upcoming ? '' : L.none;
    const statusColor = line.status === 'absent' || (line.status === 'pending' && !upcoming) ? RED : undefined;
    const noteLines = notes.flatMap((n) => wrapLines(n, fonts.italic, 7, cols[1]!.w - 4));
    const statusHeight = wrapLines(status, fonts.regular, 8, cols[1]!.w - 4).length * leading(8) + noteLines.length * leading(7);
    const height = Math.max(
      minRow,
      pad * 2 + wrapLines(line.name, fonts.regular, 8.5, cols[0]!.w - 4).length * leading(8.5),
      pad * 2 + statusHeight,
      pad * 2 + wrapLines(signedAt, fonts.regular, 7.5, cols[3]!.w - 4).length * leading(7.5),
      pad * 2 + wrapLines(method, fonts.regular, 7.5, cols[4]!.w - 4).length * leading(7.5),
    );
    if (flow.y - height < flow.bottom) {
      flow.newPage();
      drawHeader(title);
    }
    const top = flow.y - pad;
    let x = MARGIN;
    drawWrapped(flow.page, line.name, x + 2, top, cols[0]!.w - 4, { font: fonts.regular, size: 8.5 });
    x += cols[0]!.w;
    const used = drawWrapped(flow.page, status, x + 2, top, cols[1]!.w - 4, { font: fonts.regular, size: 8, ...(statusColor ? { color: statusColor } : {}) });
    noteLines.forEach((n, i) => drawLine(flow.page, n, x + 2, top - used - 7 - i * leading(7), { font: fonts.italic, size: 7, color: GREY }));
    x += cols[1]!.w;
    const image = line.signatureId ? images.get(line.signatureId) : undefined;
    if (image) drawSignature(flow.page, image, x + 2, flow.y - minRow + 2, cols[2]!.w - 4, minRow - 4);
    x += cols[2]!.w;
    drawWrapped(flow.page, signedAt, x + 2, top, cols[3]!.w - 4, { font: fonts.regular, size: 7.5 });
    x += cols[3]!.w;
    drawWrapped(flow.page, method, x + 2, top, cols[4]!.w - 4, { font: fonts.regular, size: 7.5 });
    flow.y -= height;
    hline(flow.page, MARGIN, flow.width - MARGIN, flow.y, 0.4, LIGHT);
  };

  drawHeader(`${L.learners} (${data.learners.length})`);
  for (const line of data.learners) drawRow(line, L.learners);
  flow.y -= 10;
  drawHeader(L.trainers);
  for (const line of data.trainers) drawRow(line, L.trainers);

  if (data.amendments.length) {
    flow.y -= 12;
    flow.line(L.amendments, { face: 'bold', size: 10 });
    for (const a of data.amendments) {
      const [head, ...rest] = amendmentLines(locale, a, tz);
      flow.ensure(40);
      flow.y -= 3;
      flow.line(head!, { face: 'bold', size: 8 });
      for (const l of rest) flow.line(l, { size: 8, x: MARGIN + 10 });
    }
  }

  const items: AppendixItem[] = [...data.learners, ...data.trainers].filter((l) => l.signedAt || l.signatureId || l.evidence.length).map((line) => ({ title: `${line.name} — ${line.role === 'trainer' ? L.trainer : L.learner}`, line }));
  renderEvidenceAppendix(flow, locale, tz, items, input.anchor);

  flow.finish({
    footerLeft: `${organisation.name} — ${L.sheetTitle} ${formatLongDate(locale, session.date)} ${session.half_day === 'am' ? L.am : L.pm} — ${L.version} ${sheet.version}${sheet.status === 'locked' ? '' : ` (${L.draft})`}`,
    footerRight: `${L.verification} ${sheet.verificationCode} — ${L.verifyAt} ${input.verifyUrl}`,
    ...(sheet.status === 'locked' ? {} : { draftText: L.draft }),
    pageLabel: L.page,
  });
  return pdf.save({ useObjectStreams: false });
}
