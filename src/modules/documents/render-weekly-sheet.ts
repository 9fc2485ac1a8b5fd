import { createPdfDocument } from '../../platform/pdf/create-pdf-document.ts';
import { pdfAnchorText } from '../attendance/evidence-anchors.ts';
import { addDaysToDate } from '../catalogue/session-time.ts';
import { type DocLocale, formatLongDate, formatShortDate, formatTime, LABELS, statusLabel, utcOffset } from './document-format.ts';
import { drawSignature, embedSignaturePng, type SignatureImage } from './signature-image.ts';
import { A4_LANDSCAPE, MARGIN, PageFlow } from './page-flow.ts';
import { drawLine, drawQrCode, GREY, hline, LIGHT, RED } from './pdf-drawing.ts';
import { type AppendixItem, renderCompactEvidenceAppendix } from './render-evidence-appendix.ts';
import type { EvidenceAnchor, SessionSheetData, SheetLine } from './sheet-data.ts';

export interface WeeklySheetInput {
  organisation: { name: string; timezone: string };
  locale: DocLocale;
  cohort: { name: string; program_title: string; program_code: string | null; funder: string | null; funding_reference: string | null };
  /** ISO week label, e.g. 2026-W10, and its Monday. */
  week: string;
  monday: string;
  sheets: SessionSheetData[];
  /** Learners of the grid, in order (everyone on a sheet of the week, plus active enrolments). */
  learners: Array<{ id: string; name: string }>;
  verificationCode: string;
  verifyUrl: string;
  anchor: EvidenceAnchor | null;
  issuedAt: Date;
}

interface Slot {
  date: string;
  halfDay: 'am' | 'pm';
  sheet: SessionSheetData | null;
}

/**
 * A cohort's week on one grid (A4 landscape): learners × the ten half-days
 * from Monday to Friday, each cell with the signature thumbnail, the status and
 * the signing time; the trainers' signatures per half-day; program, funder
 * reference, modules and times (with the zone); verification code and QR; then
 * the evidence appendix. Unsealed.
 */
export async function renderWeeklySheet(input: WeeklySheetInput): Promise<Uint8Array> {
  const { locale, organisation } = input;
  const L = LABELS[locale];
  const tz = organisation.timezone;
  const friday = addDaysToDate(input.monday, 4);
  const { pdf, fonts } = await createPdfDocument({
    title: `${L.weeklyTitle} — ${input.cohort.name} — ${input.week}`,
    author: organisation.name,
    subject: `${L.verification} ${input.verificationCode}`,
    creationDate: input.issuedAt,
    language: locale === 'en' ? 'en-GB' : 'fr-FR',
    evidenceAnchor: input.anchor ? pdfAnchorText(input.anchor) : undefined,
  });
  const slots: Slot[] = [];
  for (let d = 0; d < 5; d++) {
    const date = addDaysToDate(input.monday, d);
    for (const halfDay of ['am', 'pm'] as const) {
      slots.push({ date, halfDay, sheet: input.sheets.find((s) => s.session.date === date && s.session.half_day === halfDay) ?? null });
    }
  }
  const images = new Map<string, SignatureImage>();
  for (const sheet of input.sheets) {
    for (const line of [...sheet.learners, ...sheet.trainers]) {
      if (line.png && line.signatureId && !images.has(line.signatureId)) images.set(line.signatureId, await embedSignaturePng(pdf, line.png));
    }
  }
  const allLocked = input.sheets.length > 0 && input.sheets.every((s) => s.sheet?.status === 'locked' || s.session.status === 'cancelled');

  const nameWidth = 140;
  const colWidth = (A4_LANDSCAPE[0] - 2 * MARGIN - nameWidth) / 10;
  const rowHeight = 26;
  const lineOf = (slot: Slot, personId: string): SheetLine | undefined => slot.sheet?.learners.find((l) => l.personId === personId);

  let inAppendix = false;
  const drawPageHeader = (flow: PageFlow) => {
    if (inAppendix) return;
    const qrSize = 70;
    const top = flow.y;
    drawQrCode(flow.page, input.verifyUrl, flow.width - MARGIN - qrSize, top - qrSize, qrSize);
    drawLine(flow.page, input.verificationCode, flow.width - MARGIN - qrSize + (qrSize - fonts.bold.widthOfTextAtSize(input.verificationCode, 8)) / 2, top - qrSize - 9, { font: fonts.bold, size: 8 });
    const maxWidth = flow.contentWidth - qrSize - 10;
    const line = (text: string, size: number, bold = false) => {
      flow.y -= size + 3;
      drawLine(flow.page, text, MARGIN, flow.y, { font: bold ? fonts.bold : fonts.regular, size, maxWidth });
    };
    line(organisation.name, 10, true);
    line(`${L.weeklyTitle} — ${L.week} ${input.week} (${formatLongDate(locale, input.monday)} – ${formatLongDate(locale, friday)})`, 11, true);
    const c = input.cohort;
    line(`${L.program} : ${c.program_code ? `${c.program_title} (${c.program_code})` : c.program_title}   ·   ${L.cohort} : ${c.name}`, 8.5);
    line(`${L.funder} : ${c.funder ?? L.none}${c.funding_reference ? ` — ${L.fundingReference} ${c.funding_reference}` : ''}`, 8.5);
    line(`${L.times} : ${tz} (${utcOffset(new Date(`${input.monday}T12:00:00Z`), tz)})   ·   ${allLocked ? '' : `${L.draft}`}`, 8.5);
    flow.y = Math.min(flow.y, top - qrSize - 12);
    // Column headers: day, half-day, times, module.
    flow.y -= 9;
    drawLine(flow.page, L.learner, MARGIN + 2, flow.y - 8, { font: fonts.bold, size: 8 });
    slots.forEach((slot, i) => {
      const x = MARGIN + nameWidth + i * colWidth + 2;
      const w = colWidth - 4;
      drawLine(flow.page, `${formatShortDate(locale, slot.date)} ${slot.halfDay === 'am' ? L.am : L.pm}`, x, flow.y, { font: fonts.bold, size: 6.5, maxWidth: w });
      const s = slot.sheet?.session;
      if (s) {
        drawLine(flow.page, `${formatTime(s.starts_at, tz)}–${formatTime(s.ends_at, tz)}${s.status === 'cancelled' ? ` ${L.cancelled}` : ''}`, x, flow.y - 8, { font: fonts.regular, size: 6, maxWidth: w, ...(s.status === 'cancelled' ? { color: RED } : {}) });
        drawLine(flow.page, s.module_title ?? '', x, flow.y - 15, { font: fonts.italic, size: 5.5, maxWidth: w, color: GREY });
        if (slot.sheet?.holiday) drawLine(flow.page, slot.sheet.holiday, x, flow.y - 22, { font: fonts.bold, size: 5.5, maxWidth: w, color: RED });
      } else {
        drawLine(flow.page, L.none, x, flow.y - 8, { font: fonts.regular, size: 6, color: GREY });
      }
    });
    flow.y -= 26;
    hline(flow.page, MARGIN, flow.width - MARGIN, flow.y, 0.8, GREY);
  };

  const flow = new PageFlow(pdf, fonts, A4_LANDSCAPE, drawPageHeader);
  const drawCell = (x: number, top: number, line: SheetLine | undefined, slot: Slot) => {
    const w = colWidth - 4;
    if (!slot.sheet) {
      flow.page.drawRectangle({ x: x - 1, y: top - rowHeight + 1, width: colWidth - 2, height: rowHeight - 2, color: LIGHT, opacity: 0.35 });
      return;
    }
    if (!line) {
      drawLine(flow.page, L.none, x, top - rowHeight / 2 - 2, { font: fonts.regular, size: 6, color: GREY });
      return;
    }
    const image = line.signatureId ? images.get(line.signatureId) : undefined;
    if (image) drawSignature(flow.page, image, x, top - 15, w, 13);
    const status = line.status === 'late' && line.lateMinutes !== null ? `${statusLabel(locale, line.status)} ${line.lateMinutes}′` : statusLabel(locale, line.status);
    const time = line.signedAt ? ` ${formatTime(line.signedAt, tz)}` : '';
    drawLine(flow.page, `${status}${time}`, x, top - rowHeight + 4, { font: fonts.regular, size: 5.5, maxWidth: w, ...(line.status === 'absent' || line.status === 'pending' ? { color: RED } : {}) });
  };
  const drawRow = (label: string, cellFor: (slot: Slot) => SheetLine | undefined, bold = false) => {
    if (flow.y - rowHeight < flow.bottom) flow.newPage();
    const top = flow.y;
    drawLine(flow.page, label, MARGIN + 2, top - rowHeight / 2 - 3, { font: bold ? fonts.bold : fonts.regular, size: 7.5, maxWidth: nameWidth - 4 });
    slots.forEach((slot, i) => drawCell(MARGIN + nameWidth + i * colWidth + 2, top, cellFor(slot), slot));
    flow.y -= rowHeight;
    hline(flow.page, MARGIN, flow.width - MARGIN, flow.y, 0.4, LIGHT);
  };
  for (const learner of input.learners) drawRow(learner.name, (slot) => lineOf(slot, learner.id));
  // Trainers: one row per trainer appearing on a sheet of the week.
  const trainers = new Map<string, string>();
  for (const s of input.sheets) for (const t of s.trainers) trainers.set(t.personId, t.name);
  flow.y -= 4;
  for (const [id, name] of trainers) drawRow(`${L.trainer} : ${name}`, (slot) => slot.sheet?.trainers.find((t) => t.personId === id), true);

  const items: AppendixItem[] = [];
  for (const slot of slots) {
    for (const line of [...(slot.sheet?.learners ?? []), ...(slot.sheet?.trainers ?? [])]) {
      if (line.signedAt || line.signatureId || line.evidence.length) items.push({ title: `${line.name} — ${formatShortDate(locale, slot.date)} ${slot.halfDay === 'am' ? L.am : L.pm}`, line });
    }
  }
  inAppendix = true;
  renderCompactEvidenceAppendix(flow, locale, tz, items, input.anchor);
  flow.finish({
    footerLeft: `${organisation.name} — ${L.weeklyTitle} ${input.cohort.name} ${input.week}${allLocked ? '' : ` (${L.draft})`}`,
    footerRight: `${L.verification} ${input.verificationCode} — ${L.verifyAt} ${input.verifyUrl}`,
    ...(allLocked ? {} : { draftText: L.draft }),
    pageLabel: L.page,
  });
  return pdf.save({ useObjectStreams: false });
}
