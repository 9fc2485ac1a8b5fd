import type { AttendanceStatus } from '../attendance/attendance.table.ts';
import { type DocLocale, fill, formatClockWithZone, formatDayTime, formatTime, LABELS, statusLabel } from './document-format.ts';
import type { AmendedState, AmendmentView, SheetLine } from './sheet-data.ts';

/**
 * The words a sheet prints about one record: its status (never "late 0 min"),
 * the trainer's reason and mark, a signature that came after the mark and what
 * the trainer decided about it, and each amendment (who, when, what, why).
 */

/** A session that is not over at `at`: its unsigned records are not "not signed" yet, only blank. */
export function isNotOverAt(session: { ends_at: Date }, at: Date): boolean {
  return session.ends_at.getTime() > at.getTime();
}

/** "En retard (12 min)", "En retard" (no minutes, or 0), "Parti en avance (parti à 11:10)". */
export function stateText(locale: DocLocale, s: { status: AttendanceStatus | null; lateMinutes: number | null; leftAt: Date | null }, timezone: string): string {
  const L = LABELS[locale];
  if (s.status === null) return L.none;
  const base = statusLabel(locale, s.status);
  const late = s.lateMinutes !== null && s.lateMinutes > 0 ? s.lateMinutes : null;
  if (s.status === 'late' && late !== null) return `${base} (${late} ${L.minutes})`;
  if (s.status === 'left_early' && s.leftAt) return `${base} (${L.leftAt} ${formatTime(s.leftAt, timezone)})`;
  return base;
}

/** The status cell's first line; blank for a record not signed yet in a session not over at issue. */
export function statusText(locale: DocLocale, line: SheetLine, timezone: string, upcoming = false): string {
  if (upcoming && line.status === 'pending') return '';
  return stateText(locale, line, timezone);
}

/** Lines under the status: the trainer's reason, and the later signature's review. */
export function statusNotes(locale: DocLocale, line: SheetLine, timezone: string): string[] {
  const L = LABELS[locale];
  const colon = locale === 'fr' ? '\u00a0:' : ':';
  const notes: string[] = [];
  if (line.reason) notes.push(`${L.amendmentReason}${colon} ${line.reason}`);
  if (line.review) {
    const at = line.signedAt ? formatClockWithZone(line.signedAt, timezone) : L.none;
    const who = line.reviewedByName ?? L.none;
    const when = line.reviewedAt ? formatDayTime(locale, line.reviewedAt, timezone) : L.none;
    const template = line.review === 'pending' ? L.reviewPending : line.review === 'confirmed' ? L.reviewConfirmed : L.reviewRejected;
    notes.push(fill(template, { at, who, when }));
  }
  return notes;
}

function amendedText(locale: DocLocale, s: AmendedState, timezone: string): string {
  return stateText(locale, s, timezone);
}

/** "Version 2 — 2 mars 2026 à 14:05 (Europe/Paris) — par Marie Martin", "DUPONT Jean : Absent → Absence justifiée", "Motif : …". */
export function amendmentLines(locale: DocLocale, a: AmendmentView, timezone: string): string[] {
  const L = LABELS[locale];
  const colon = locale === 'fr' ? '\u00a0:' : ':';
  const who = a.by.kind === 'person' ? (a.by.name ?? L.none) : a.by.kind === 'api_key' ? `${L.apiKey} ${a.by.name ?? ''}`.trim() : L.system;
  const lines = [
    fill(L.amendmentLine, { version: a.version, at: formatDayTime(locale, a.at, timezone), who }),
    fill(L.amendmentChange, { name: a.personName ?? L.none, before: amendedText(locale, a.before, timezone), after: amendedText(locale, a.after, timezone) }),
    `${L.amendmentReason}${colon} ${a.reason}`,
  ];
  if (a.before.reason && a.before.reason !== a.reason) lines.splice(2, 0, `${L.amendmentReason} (${locale === 'fr' ? 'avant' : 'before'})${colon} ${a.before.reason}`);
  return lines;
}
