import type { PDFFont } from 'pdf-lib';
import { wrapText } from '../../platform/pdf/fonts.ts';
import { type DocLocale, formatInstantFull, LABELS, methodLabel } from './document-format.ts';
import { MARGIN, type PageFlow } from './page-flow.ts';
import { drawLine, drawWrapped, GREY, hline, wrapLines, leading } from './pdf-drawing.ts';
import type { EvidenceAnchor, SheetLine } from './sheet-data.ts';

export interface AppendixItem {
  /** e.g. "DUPONT Marie" or "DUPONT Marie — lun. 02/03 Matin". */
  title: string;
  line: SheetLine;
}

/**
 * The evidence appendix: one block per signature (method, server time with
 * explicit zone, IP, user agent, authentication, strokes and PNG SHA-256, and
 * the evidence entries with their content hash and chain position), then the
 * latest evidence batch hash as an anchor.
 */
export function renderEvidenceAppendix(flow: PageFlow, locale: DocLocale, timezone: string, items: AppendixItem[], anchor: EvidenceAnchor | null): void {
  const L = LABELS[locale];
  flow.newPage();
  flow.line(L.appendix, { face: 'bold', size: 13 });
  const intro = flow.fonts.regular;
  for (const l of wrapText(L.appendixIntro, intro, 7.5, flow.contentWidth)) flow.line(l, { size: 7.5, color: GREY });
  flow.y -= 4;
  const labelWidth = 118;
  const row = (label: string, value: string, font: PDFFont = flow.fonts.regular) => {
    // Values wrap (a long user agent, reason or name is never cut).
    const width = flow.contentWidth - labelWidth - 8;
    const lines = wrapLines(value, font, 7, width);
    flow.ensure(Math.min(lines.length, 3) * 9.5);
    lines.forEach((text, i) => {
      if (i > 0) flow.ensure(9.5);
      flow.y -= 9.5;
      if (i === 0) drawLine(flow.page, label, MARGIN + 8, flow.y, { font: flow.fonts.regular, size: 7, color: GREY, maxWidth: labelWidth - 4 });
      drawLine(flow.page, text, MARGIN + 8 + labelWidth, flow.y, { font, size: 7 });
    });
  };
  for (const item of items) {
    const l = item.line;
    const blockHeight = 16 + 9.5 * (6 + Math.max(1, l.evidence.length) * 2);
    flow.ensure(Math.min(blockHeight, 200));
    flow.y -= 4;
    hline(flow.page, MARGIN, flow.width - MARGIN, flow.y);
    flow.line(item.title, { face: 'bold', size: 8.5 });
    row(L.method, `${methodLabel(locale, l.method)}${l.markedByName ? ` (${l.markedByName})` : ''}${l.reason ? ` — ${L.reason}: ${l.reason}` : ''}`);
    row(L.serverTime, l.signedAt ? formatInstantFull(l.signedAt, timezone) : L.none);
    const e = l.evidence[0];
    row(L.ip, e?.ip ?? L.none);
    row(L.userAgent, e?.userAgent ?? L.none);
    row(L.authentication, e?.authentication ?? L.none);
    row(L.strokesHash, l.strokesSha256 ?? L.none);
    row(L.pngHash, l.pngSha256 ?? L.none);
    if (l.evidence.length === 0) row(L.evidenceHash, L.noEvidence);
    for (const ev of l.evidence) {
      row(`${L.evidenceHash}`, `${ev.contentHash}  (${ev.type}, ${ev.recordedAt})`);
      row(L.evidenceChain, ev.seq === null ? L.notSealedYet : `#${ev.seq} ${ev.chainHash ?? ''}`);
    }
  }
  flow.y -= 8;
  flow.ensure(24);
  hline(flow.page, MARGIN, flow.width - MARGIN, flow.y, 0.8);
  flow.line(`${L.anchor}: ${anchor ? `#${anchor.batchNumber} ${anchor.batchHash} (${anchor.sealedAt})` : L.none}`, { size: 7 });
}


/**
 * The same evidence, two lines per signature, for sheets with many signatures
 * (the weekly sheet): line 1 who, when (server time with zone), how, IP,
 * browser, authentication; line 2 the strokes, image and evidence hashes.
 */
export function renderCompactEvidenceAppendix(flow: PageFlow, locale: DocLocale, timezone: string, items: AppendixItem[], anchor: EvidenceAnchor | null): void {
  const L = LABELS[locale];
  flow.newPage();
  flow.line(L.appendix, { face: 'bold', size: 12 });
  for (const l of wrapText(L.appendixIntro, flow.fonts.regular, 7, flow.contentWidth)) flow.line(l, { size: 7, color: GREY });
  flow.y -= 4;
  const size = 6;
  const font = flow.fonts.regular;
  for (const item of items) {
    const l = item.line;
    const e = l.evidence[0];
    const first = [
      `${L.method}: ${methodLabel(locale, l.method)}${l.markedByName ? ` (${l.markedByName})` : ''}`,
      `${L.serverTime}: ${l.signedAt ? formatInstantFull(l.signedAt, timezone) : L.none}`,
      `${L.ip}: ${e?.ip ?? L.none}`,
      `${L.authentication}: ${e?.authentication ?? L.none}`,
      `${L.userAgent}: ${e?.userAgent ?? L.none}`,
    ].join('  ·  ');
    const second = [
      `${L.strokesHash} ${l.strokesSha256 ?? L.none}`,
      `${L.pngHash} ${l.pngSha256 ?? L.none}`,
      `${L.evidenceHash} ${l.evidence.map((ev) => `${ev.contentHash}${ev.seq === null ? '' : ` #${ev.seq}`}`).join(', ') || L.noEvidence}`,
    ].join('  ·  ');
    // Every field wraps within its column; the block is as tall as its longest part.
    const titleLines = wrapLines(item.title, flow.fonts.bold, size, 170);
    const firstLines = wrapLines(first, font, size, flow.contentWidth - 174);
    const secondLines = wrapLines(second, font, 5, flow.contentWidth - 8);
    const topHeight = Math.max(titleLines.length, firstLines.length) * leading(size);
    flow.ensure(topHeight + secondLines.length * leading(5) + 4);
    const top = flow.y - 2;
    drawWrapped(flow.page, item.title, MARGIN, top, 170, { font: flow.fonts.bold, size });
    drawWrapped(flow.page, first, MARGIN + 174, top, flow.contentWidth - 174, { font, size });
    flow.y = top - topHeight;
    flow.y -= drawWrapped(flow.page, second, MARGIN + 8, flow.y, flow.contentWidth - 8, { font, size: 5, color: GREY });
    flow.y -= 2;
    hline(flow.page, MARGIN, flow.width - MARGIN, flow.y, 0.3);
  }
  flow.y -= 6;
  flow.line(`${L.anchor}: ${anchor ? `#${anchor.batchNumber} ${anchor.batchHash} (${anchor.sealedAt})` : L.none}`, { size: 7 });
}
