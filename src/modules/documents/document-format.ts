import { TZDate } from '@date-fns/tz';
import type { AttendanceStatus, SigningMethod } from '../attendance/attendance.table.ts';

/**
 * Wording and formatting shared by the PDFs: French by default, English when
 * the organisation's locale is en. Every time shown carries its time zone.
 */
export type DocLocale = 'fr' | 'en';

const STATUS: Record<DocLocale, Record<AttendanceStatus, string>> = {
  fr: { pending: 'Non signé', present: 'Présent', late: 'En retard', left_early: 'Parti en avance', absent: 'Absent', excused: 'Absence justifiée' },
  en: { pending: 'Not signed', present: 'Present', late: 'Late', left_early: 'Left early', absent: 'Absent', excused: 'Excused' },
};

const METHOD: Record<DocLocale, Record<SigningMethod, string>> = {
  fr: { qr: 'QR code', link: 'Lien personnel', kiosk: 'Borne du formateur', trainer_mark: 'Marqué par le formateur', sign_in: 'Connexion' },
  en: { qr: 'QR code', link: 'Personal link', kiosk: "Trainer's kiosk", trainer_mark: 'Marked by the trainer', sign_in: 'Signed in' },
};

export const LABELS = {
  fr: {
    sheetTitle: "Feuille d'émargement",
    weeklyTitle: "Feuille d'émargement hebdomadaire",
    certificateTitle: "Certificat de réalisation — attestation d'assiduité",
    draft: 'PROVISOIRE / DRAFT',
    organisation: 'Organisme',
    program: 'Formation',
    funder: 'Financeur',
    fundingReference: 'Réf. financement',
    module: 'Module',
    cohort: 'Groupe',
    date: 'Date',
    halfDay: 'Demi-journée',
    am: 'Matin',
    pm: 'Après-midi',
    times: 'Horaires',
    place: 'Lieu',
    remote: 'À distance',
    learner: 'Apprenant',
    learners: 'Apprenants',
    trainer: 'Formateur',
    trainers: 'Formateurs',
    status: 'Statut',
    signature: 'Signature',
    signedAt: 'Signé à',
    method: 'Mode',
    version: 'Version',
    locked: 'verrouillée le',
    open: 'ouverte (non verrouillée)',
    verification: 'Code de vérification',
    verifyAt: 'Vérifier sur',
    holiday: 'ATTENTION : cette date est un jour férié',
    cancelled: 'Séance annulée',
    appendix: 'Annexe — journal de preuves',
    appendixIntro:
      "Pour chaque signature : mode, heure du serveur (avec fuseau), adresse IP, navigateur, authentification, empreintes SHA-256 du tracé et de l'image, empreinte de l'entrée du journal de preuves.",
    serverTime: 'Heure serveur',
    ip: 'IP',
    userAgent: 'Navigateur',
    authentication: 'Authentification',
    strokesHash: 'SHA-256 tracé',
    pngHash: 'SHA-256 image',
    evidenceHash: 'Entrée du journal (SHA-256)',
    evidenceChain: 'Chaîne (n°, empreinte)',
    notSealedYet: 'pas encore chaînée',
    noEvidence: 'aucune entrée',
    anchor: 'Dernier lot du journal de preuves',
    minutes: 'min',
    leftAt: 'parti à',
    reason: 'motif',
    page: 'Page',
    sealedBy: 'Document scellé électroniquement (PAdES) par',
    sealFingerprint: 'Empreinte du certificat de scellement',
    week: 'Semaine',
    identicalSignatures: 'ATTENTION : signatures identiques détectées pour',
    none: '—',
    issuedAt: 'Émis le',
    period: 'Période',
    plannedHours: 'Heures prévues',
    heldHours: 'Heures déjà dispensées',
    attendedHours: 'Heures suivies',
    excusedHours: 'Absences justifiées (non comptées comme suivies)',
    absentHours: 'Absences non justifiées',
    rate: "Taux d'assiduité (heures suivies / heures dispensées)",
    certifies: 'certifie que',
    certifiesTail: 'a suivi la formation ci-dessous, selon les feuilles d’émargement signées :',
    hoursUnit: 'h',
    sessions: 'Séances',
    rules: 'Présent, en retard : durée complète ; parti en avance : jusqu’à l’heure de départ ; les absences justifiées sont comptées à part.',
  },
  en: {
    sheetTitle: 'Attendance sheet',
    weeklyTitle: 'Weekly attendance sheet',
    certificateTitle: 'Certificate of attendance',
    draft: 'PROVISOIRE / DRAFT',
    organisation: 'Training organisation',
    program: 'Program',
    funder: 'Funder',
    fundingReference: 'Funding ref.',
    module: 'Module',
    cohort: 'Cohort',
    date: 'Date',
    halfDay: 'Half-day',
    am: 'Morning',
    pm: 'Afternoon',
    times: 'Times',
    place: 'Place',
    remote: 'Remote',
    learner: 'Learner',
    learners: 'Learners',
    trainer: 'Trainer',
    trainers: 'Trainers',
    status: 'Status',
    signature: 'Signature',
    signedAt: 'Signed at',
    method: 'Method',
    version: 'Version',
    locked: 'locked on',
    open: 'open (not locked)',
    verification: 'Verification code',
    verifyAt: 'Verify at',
    holiday: 'WARNING: this date is a public holiday',
    cancelled: 'Session cancelled',
    appendix: 'Appendix — evidence log',
    appendixIntro:
      'For each signature: method, server time (with time zone), IP address, browser, authentication, SHA-256 of the strokes and of the image, hash of the evidence log entry.',
    serverTime: 'Server time',
    ip: 'IP',
    userAgent: 'Browser',
    authentication: 'Authentication',
    strokesHash: 'Strokes SHA-256',
    pngHash: 'Image SHA-256',
    evidenceHash: 'Evidence entry (SHA-256)',
    evidenceChain: 'Chain (seq, hash)',
    notSealedYet: 'not chained yet',
    noEvidence: 'no entry',
    anchor: 'Latest evidence log batch',
    minutes: 'min',
    leftAt: 'left at',
    reason: 'reason',
    page: 'Page',
    sealedBy: 'Electronically sealed (PAdES) by',
    sealFingerprint: 'Seal certificate fingerprint',
    week: 'Week',
    identicalSignatures: 'WARNING: identical signatures found for',
    none: '—',
    issuedAt: 'Issued on',
    period: 'Period',
    plannedHours: 'Planned hours',
    heldHours: 'Hours held so far',
    attendedHours: 'Hours attended',
    excusedHours: 'Excused absences (not counted as attended)',
    absentHours: 'Unexcused absences',
    rate: 'Attendance rate (hours attended / hours held)',
    certifies: 'certifies that',
    certifiesTail: 'attended the training below, according to the signed attendance sheets:',
    hoursUnit: 'h',
    sessions: 'Sessions',
    rules: 'Present, late: full duration; left early: until the time of leaving; excused absences are counted separately.',
  },
} as const;

export type Labels = (typeof LABELS)[DocLocale];

export function docLocale(locale: string | null | undefined): DocLocale {
  return locale === 'en' ? 'en' : 'fr';
}

export function statusLabel(locale: DocLocale, status: AttendanceStatus): string {
  return STATUS[locale][status];
}

export function methodLabel(locale: DocLocale, method: SigningMethod | null): string {
  return method ? METHOD[locale][method] : LABELS[locale].none;
}

/** "lundi 2 mars 2026" / "Monday 2 March 2026" for a calendar date 'YYYY-MM-DD'. */
export function formatLongDate(locale: DocLocale, date: string): string {
  return new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'fr-FR', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${date}T12:00:00Z`),
  );
}

/** "lun. 02/03" / "Mon 02/03". */
export function formatShortDate(locale: DocLocale, date: string): string {
  const weekday = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'fr-FR', { weekday: 'short', timeZone: 'UTC' }).format(new Date(`${date}T12:00:00Z`));
  return `${weekday} ${date.slice(8, 10)}/${date.slice(5, 7)}`;
}

/** The UTC offset of a zone at an instant: "UTC+01:00". */
export function utcOffset(instant: Date, timezone: string): string {
  const part = new Intl.DateTimeFormat('en', { timeZone: timezone, timeZoneName: 'longOffset' }).formatToParts(instant).find((p) => p.type === 'timeZoneName');
  const value = part?.value ?? 'GMT';
  return value === 'GMT' ? 'UTC+00:00' : value.replace('GMT', 'UTC');
}

function local(instant: Date, timezone: string) {
  const t = new TZDate(instant.getTime(), timezone);
  const p = (n: number) => String(n).padStart(2, '0');
  return { date: `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`, hm: `${p(t.getHours())}:${p(t.getMinutes())}`, s: p(t.getSeconds()) };
}

/** "09:00" local wall-clock time. */
export function formatTime(instant: Date, timezone: string): string {
  return local(instant, timezone).hm;
}

/** "09:00 – 12:30 (Europe/Paris, UTC+01:00)". */
export function formatTimeRange(startsAt: Date, endsAt: Date, timezone: string): string {
  return `${formatTime(startsAt, timezone)} – ${formatTime(endsAt, timezone)} (${timezone}, ${utcOffset(startsAt, timezone)})`;
}

/** "09:03:12 Europe/Paris" (same day implied). */
export function formatClockWithZone(instant: Date, timezone: string): string {
  const l = local(instant, timezone);
  return `${l.hm}:${l.s} ${timezone}`;
}

/** "2026-03-02 09:03:12 Europe/Paris (UTC+01:00) = 2026-03-02T08:03:12.000Z". */
export function formatInstantFull(instant: Date, timezone: string): string {
  const l = local(instant, timezone);
  return `${l.date} ${l.hm}:${l.s} ${timezone} (${utcOffset(instant, timezone)}) = ${instant.toISOString()}`;
}

/** "2026-03-02 09:03 Europe/Paris". */
export function formatDateTimeWithZone(instant: Date, timezone: string): string {
  const l = local(instant, timezone);
  return `${l.date} ${l.hm} ${timezone}`;
}

export function formatHours(locale: DocLocale, hours: number): string {
  const rounded = Math.round(hours * 100) / 100;
  const text = locale === 'fr' ? String(rounded).replace('.', ',') : String(rounded);
  return `${text} h`;
}

export function formatPercent(locale: DocLocale, rate: number | null): string {
  if (rate === null) return LABELS[locale].none;
  const value = Math.round(rate * 1000) / 10;
  return locale === 'fr' ? `${String(value).replace('.', ',')} %` : `${value}%`;
}

/** A user agent cut to a readable length for a table cell. */
export function shortenUserAgent(userAgent: string | null | undefined, max = 70): string {
  if (!userAgent) return '—';
  return userAgent.length > max ? `${userAgent.slice(0, max - 1)}…` : userAgent;
}
