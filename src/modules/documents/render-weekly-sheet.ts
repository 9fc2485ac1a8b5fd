import { createPdfDocument } from '../../platform/pdf/create-pdf-document.ts';
import { pdfAnchorText } from '../attendance/evidence-anchors.ts';
import { addDaysToDate } from '../catalogue/session-time.ts';
import { textWidth } from '../../platform/pdf/fonts.ts';
import { type DocLocale, formatLongDate, formatShortDate, formatTime, formatWeek, LABELS, utcOffset } from './document-format.ts';
import { drawSignature, embedSignaturePng, type SignatureImage } from './signature-image.ts';
import { A4_LANDSCAPE, MARGIN, PageFlow } from './page-flow.ts';
import { drawLine, drawQrCode, drawWrapped, GREY, hline, leading, LIGHT, RED, wrapLines } from './pdf-drawing.ts';
import { type AppendixItem, renderCompactEvidenceAppendix } from './render-evidence-appendix.ts';
import type { EvidenceAnchor, SessionSheetData, SheetLine } from './sheet-data.ts';
import { amendmentLines, isNotOverAt, statusNotes, statusText } from './sheet-text.ts';

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
    title: `${L.weeklyTitle} — ${input.cohort.name} — ${formatWeek(locale, input.monday)}`,
    author: organisation.name,
    subject: `${L.verification} ${input.verificationCode}`,
    creationDate: input.issuedAt,
    language: locale === 'en' ? 'en-GB' : 'fr-FR',
    evidenceAnchor: input.anchor ? pdfAnchorText(input.anchor) : undefined,
    text: [organisation, input.cohort, input.learners.map((l) => l.name), input.sheets.map((s) => [s.session.module_title, s.trainers.map((t) => t.name), s.learners.map((l) => [l.reason, l.markedByName, l.reviewedByName]), s.amendments])],
  });
  const weekLabel = formatWeek(locale, input.monday);
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

  const nameWidth = 130;
  const colWidth = (A4_LANDSCAPE[0] - 2 * MARGIN - nameWidth) / 10;
  const minRow = 26;
  const lineOf = (slot: Slot, personId: string): SheetLine | undefined => slot.sheet?.learners.find((l) => l.personId === personId);
  const notOver = (slot: Slot) => (slot.sheet ? isNotOverAt(slot.sheet.session, input.issuedAt) : false);

  let inAppendix = false;
  const drawPageHeader = (flow: PageFlow) => {
    if (inAppendix) return;
    const qrSize = 70;
    const top = flow.y;
    drawQrCode(flow.page, input.verifyUrl, flow.width - MARGIN - qrSize, top - qrSize, qrSize);
    drawLine(flow.page, input.verificationCode, flow.width - MARGIN - qrSize + (qrSize - textWidth(input.verificationCode, fonts.bold, 8)) / 2, top - qrSize - 9, { font: fonts.bold, size: 8 });
    const width = flow.contentWidth - qrSize - 10;
    const colon = locale === 'fr' ? '\u00a0:' : ':';
    const line = (text: string, size: number, bold = false) => flow.line(text, { face: bold ? 'bold' : 'regular', size, width });
    line(organisation.name, 10, true);
    line(`${L.weeklyTitle} — ${weekLabel} (${formatLongDate(locale, input.monday)} – ${formatLongDate(locale, friday)})`, 11, true);
    const c = input.cohort;
    line(`${L.program}${colon} ${c.program_code ? `${c.program_title} (${c.program_code})` : c.program_title}   ·   ${L.cohort}${colon} ${c.name}`, 8.5);
    line(`${L.funder}${colon} ${c.funder ?? L.none}${c.funding_reference ? ` — ${L.fundingReference} ${c.funding_reference}` : ''}`, 8.5);
    line(`${L.times}${colon} ${tz} (${utcOffset(new Date(`${input.monday}T12:00:00Z`), tz)})${allLocked ? '' : `   ·   ${L.draft}`}`, 8.5);
    flow.y = Math.min(flow.y, top - qrSize - 12);
    // Column headers: day, half-day, times, module (wrapped), holiday.
    flow.y -= 2;
    const headTop = flow.y;
    let height = drawWrapped(flow.page, L.learner, MARGIN + 2, headTop - 8, nameWidth - 4, { font: fonts.bold, size: 8 }) + 8;
    slots.forEach((slot, i) => {
      const x = MARGIN + nameWidth + i * colWidth + 2;
      const w = colWidth - 4;
      let y = headTop;
      y -= drawWrapped(flow.page, `${formatShortDate(locale, slot.date)} ${slot.halfDay === 'am' ? L.am : L.pm}`, x, y, w, { font: fonts.bold, size: 6.5 });
      const s = slot.sheet?.session;
      if (s) {
        y -= drawWrapped(flow.page, `${formatTime(s.starts_at, tz)}–${formatTime(s.ends_at, tz)}${s.status === 'cancelled' ? ` ${L.cancelled}` : ''}`, x, y, w, { font: fonts.regular, size: 6, ...(s.status === 'cancelled' ? { color: RED } : {}) });
        if (s.module_title) y -= drawWrapped(flow.page, s.module_title, x, y, w, { font: fonts.italic, size: 5.5, color: GREY });
        if (slot.sheet?.holiday) y -= drawWrapped(flow.page, slot.sheet.holiday, x, y, w, { font: fonts.bold, size: 5.5, color: RED });
      } else {
        y -= drawWrapped(flow.page, L.none, x, y, w, { font: fonts.regular, size: 6, color: GREY });
      }
      height = Math.max(height, headTop - y);
    });
    flow.y = headTop - height - 3;
    hline(flow.page, MARGIN, flow.width - MARGIN, flow.y, 0.8, GREY);
  };

  const flow = new PageFlow(pdf, fonts, A4_LANDSCAPE, drawPageHeader);
  const sigHeight = 13;
  const cellW = colWidth - 4;
  /** What a cell shows: the signature, the status (blank for a half-day not over yet and not signed), the reason and a later signature's review. */
  const cellContent = (line: SheetLine | undefined, slot: Slot) => {
    if (!slot.sheet || !line) return null;
    const upcoming = notOver(slot);
    const status = statusText(locale, line, tz, upcoming);
    const time = line.signedAt ? formatTime(line.signedAt, tz) : '';
    const head = [status, time].filter(Boolean).join(' ');
    const notes = statusNotes(locale, line, tz);
    const image = line.signatureId ? images.get(line.signatureId) : undefined;
    const headLines = wrapLines(head, fonts.regular, 5.5, cellW);
    const noteLines = notes.flatMap((n) => wrapLines(n, fonts.italic, 5, cellW));
    const height = (image ? sigHeight + 1 : 0) + (head ? headLines.length * leading(5.5) : 0) + noteLines.length * leading(5) + 4;
    const red = line.status === 'absent' || (line.status === 'pending' && !upcoming);
    return { image, head, headLines, noteLines, height, red };
  };
  const drawRow = (label: string, cellFor: (slot: Slot) => SheetLine | undefined, bold = false) => {
    const font = bold ? fonts.bold : fonts.regular;
    const contents = slots.map((slot) => cellContent(cellFor(slot), slot));
    const height = Math.max(minRow, wrapLines(label, font, 7.5, nameWidth - 4).length * leading(7.5) + 6, ...contents.map((c) => (c ? c.height : 0)));
    if (flow.y - height < flow.bottom) flow.newPage();
    const top = flow.y;
    drawWrapped(flow.page, label, MARGIN + 2, top - 3, nameWidth - 4, { font, size: 7.5 });
    slots.forEach((slot, i) => {
      const x = MARGIN + nameWidth + i * colWidth + 2;
      if (!slot.sheet) {
        flow.page.drawRectangle({ x: x - 1, y: top - height + 1, width: colWidth - 2, height: height - 2, color: LIGHT, opacity: 0.35 });
        return;
      }
      const c = contents[i];
      if (!c) {
        if (!notOver(slot)) drawLine(flow.page, L.none, x, top - minRow / 2 - 2, { font: fonts.regular, size: 6, color: GREY });
        return;
      }
      let y = top - 2;
      if (c.image) {
        drawSignature(flow.page, c.image, x, y - sigHeight, cellW, sigHeight);
        y -= sigHeight + 1;
      }
      for (const l of c.headLines) {
        if (!c.head) break;
        y -= leading(5.5);
        drawLine(flow.page, l, x, y + 1.2, { font: fonts.regular, size: 5.5, ...(c.red ? { color: RED } : {}) });
      }
      for (const l of c.noteLines) {
        y -= leading(5);
        drawLine(flow.page, l, x, y + 1.1, { font: fonts.italic, size: 5, color: GREY });
      }
    });
    flow.y -= height;
    hline(flow.page, MARGIN, flow.width - MARGIN, flow.y, 0.4, LIGHT);
  };
  for (const learner of input.learners) drawRow(learner.name, (slot) => lineOf(slot, learner.id));
  // Trainers: one row per trainer appearing on a sheet of the week.
  const trainers = new Map<string, string>();
  for (const s of input.sheets) for (const t of s.trainers) trainers.set(t.personId, t.name);
  flow.y -= 4;
  const colon = locale === 'fr' ? '\u00a0:' : ':';
  for (const [id, name] of trainers) drawRow(`${L.trainer}${colon} ${name}`, (slot) => slot.sheet?.trainers.find((t) => t.personId === id), true);

  // Every amendment of the week's sheets: who, when, what, why.
  const amended = slots.filter((slot) => slot.sheet?.amendments.length);
  if (amended.length) {
    flow.y -= 10;
    flow.line(L.amendments, { face: 'bold', size: 9 });
    for (const slot of amended) {
      for (const a of slot.sheet!.amendments) {
        const [head, ...rest] = amendmentLines(locale, a, tz);
        flow.ensure(30);
        flow.y -= 2;
        flow.line(`${formatLongDate(locale, slot.date)} ${slot.halfDay === 'am' ? L.am : L.pm} — ${head}`, { face: 'bold', size: 7.5 });
        for (const l of rest) flow.line(l, { size: 7.5, x: MARGIN + 10 });
      }
    }
  }

  const items: AppendixItem[] = [];
  for (const slot of slots) {
    for (const line of [...(slot.sheet?.learners ?? []), ...(slot.sheet?.trainers ?? [])]) {
      if (line.signedAt || line.signatureId || line.evidence.length) items.push({ title: `${line.name} — ${formatShortDate(locale, slot.date)} ${slot.halfDay === 'am' ? L.am : L.pm}`, line });
    }
  }
  inAppendix = true;
  renderCompactEvidenceAppendix(flow, locale, tz, items, input.anchor);
  flow.finish({
    footerLeft: `${organisation.name} — ${L.weeklyTitle} ${input.cohort.name} — ${weekLabel}${allLocked ? '' : ` (${L.draft})`}`,
    footerRight: `${L.verification} ${input.verificationCode} — ${L.verifyAt} ${input.verifyUrl}`,
    ...(allLocked ? {} : { draftText: L.draft }),
    pageLabel: L.page,
  });
  return pdf.save({ useObjectStreams: false });
}
