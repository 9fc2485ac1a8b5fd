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
    certificateTitle: 'Certificat de réalisation',
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
    plannedHours: 'Heures prévues (toutes les séances)',
    heldHours: 'Heures dispensées (demi-journées terminées)¹',
    upcomingHours: 'Heures en cours ou à venir (non comptées)¹',
    attendedHours: 'Heures réalisées par l’apprenant¹',
    excusedHours: 'Absences justifiées¹',
    absentHours: 'Absences non justifiées¹',
    rate: 'Taux de présence (heures réalisées / heures dispensées)¹',
    rateExcludingExcused: 'Taux d’assiduité hors absences justifiées (réalisées / (dispensées − justifiées))¹',
    certifies: ', dispensateur de l’action concourant au développement des compétences, atteste que :',
    followed: 'a suivi l’action :',
    nature: 'Nature de l’action concourant au développement des compétences (article L6313-1 du Code du travail) :',
    natures: ['action de formation', 'bilan de compétences', 'action de validation des acquis de l’expérience', 'action de formation par apprentissage'],
    tookPlace: 'qui s’est déroulée du {from} au {to},',
    takesPlace: 'qui se déroule du {from} au {to} (en cours),',
    duration: 'pour une durée réalisée de {hours}¹ au {date}.',
    retention:
      'Sans préjudice des délais imposés par les règles fiscales, comptables ou commerciales, l’organisme conserve l’ensemble des pièces justificatives qui ont permis d’établir le présent certificat (feuilles d’émargement signées et scellées) pendant une durée de 3 ans à compter de la fin de l’année du dernier paiement.',
    footnote:
      '¹ Calcul arrêté le {asOf}. Seules les demi-journées terminées à cette date sont comptées : une séance en cours ou à venir est prévue, ni suivie ni manquée. D’une séance terminée : présent, toute la séance ; en retard, à partir de l’arrivée ; parti en avance, de l’arrivée jusqu’au départ ; absence justifiée, comptée à part (ni réalisée, ni non justifiée) ; le reste (absent, non signé, minutes de retard, temps après un départ anticipé) est une absence non justifiée. Les séances annulées ne sont pas comptées. Heures réalisées + absences justifiées + absences non justifiées = heures dispensées.',
    hoursUnit: 'h',
    sessions: 'Séances (terminées / prévues)',
    amendments: 'Modifications après verrouillage',
    amendmentLine: 'Version {version} — {at} — par {who}',
    amendmentChange: '{name} : {before} → {after}',
    amendmentReason: 'Motif',
    system: 'le système',
    apiKey: 'clé d’API',
    upcoming: 'à venir',
    inProgress: 'en cours',
    reviewPending: 'signé ensuite par l’apprenant ({at}), en attente de confirmation du formateur',
    reviewConfirmed: 'signé ensuite par l’apprenant ({at}), confirmé par {who} le {when}',
    reviewRejected: 'signé ensuite par l’apprenant ({at}), refusé par {who} le {when} : la marque du formateur est maintenue',
    markedBy: 'marqué par',
    sheetAmended: 'modifiée après verrouillage, voir « Modifications après verrouillage »',
  },
  en: {
    sheetTitle: 'Attendance sheet',
    weeklyTitle: 'Weekly attendance sheet',
    certificateTitle: 'Certificate of completion (certificat de réalisation)',
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
    plannedHours: 'Planned hours (all sessions)',
    heldHours: 'Hours delivered (half-days over)¹',
    upcomingHours: 'Hours in progress or to come (not counted)¹',
    attendedHours: 'Hours completed by the learner¹',
    excusedHours: 'Excused absences¹',
    absentHours: 'Unexcused absences¹',
    rate: 'Attendance rate (hours completed / hours delivered)¹',
    rateExcludingExcused: 'Attendance excluding excused absences (completed / (delivered − excused))¹',
    certifies: ', provider of the skills development action, certifies that:',
    followed: 'took part in the action:',
    nature: 'Nature of the skills development action (article L6313-1 of the French Labour Code):',
    natures: ['training action', 'skills assessment', 'validation of prior learning', 'apprenticeship training'],
    tookPlace: 'which took place from {from} to {to},',
    takesPlace: 'which takes place from {from} to {to} (under way),',
    duration: 'for a completed duration of {hours}¹ as of {date}.',
    retention:
      'Without prejudice to the periods required by tax, accounting or commercial rules, the organisation keeps all the supporting documents from which this certificate was drawn up (signed and sealed attendance sheets) for 3 years from the end of the year of the last payment.',
    footnote:
      '¹ Computed as of {asOf}. Only the half-days over by then are counted: a session in progress or to come is planned, neither attended nor missed. Of a session that is over: present, the whole session; late, from the arrival; left early, from the arrival until leaving; excused absence, counted apart (neither completed nor unexcused); the rest (absent, not signed, minutes late, time after leaving early) is an unexcused absence. Cancelled sessions are not counted. Hours completed + excused absences + unexcused absences = hours delivered.',
    hoursUnit: 'h',
    sessions: 'Sessions (over / planned)',
    amendments: 'Changes after locking',
    amendmentLine: 'Version {version} — {at} — by {who}',
    amendmentChange: '{name}: {before} → {after}',
    amendmentReason: 'Reason',
    system: 'the system',
    apiKey: 'API key',
    upcoming: 'to come',
    inProgress: 'in progress',
    reviewPending: 'signed afterwards by the learner ({at}), awaiting the trainer’s confirmation',
    reviewConfirmed: 'signed afterwards by the learner ({at}), confirmed by {who} on {when}',
    reviewRejected: 'signed afterwards by the learner ({at}), refused by {who} on {when}: the trainer’s mark stands',
    markedBy: 'marked by',
    sheetAmended: 'amended after locking, see “Changes after locking”',
  },
} as const;

export type Labels = (typeof LABELS)[DocLocale];

/** A label with {name} placeholders filled. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k] ?? `{${k}}`));
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** One Intl.DateTimeFormat per (language, options), kept: building one costs more than formatting with it. */
function dateFormat(language: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${language} ${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = new Intl.DateTimeFormat(language, options)));
  return f;
}

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
  return firstOfMonth(locale, dateFormat(locale === 'en' ? 'en-GB' : 'fr-FR', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${date}T12:00:00Z`),
  ));
}

/** "lun. 02/03" / "Mon 02/03". */
export function formatShortDate(locale: DocLocale, date: string): string {
  const weekday = dateFormat(locale === 'en' ? 'en-GB' : 'fr-FR', { weekday: 'short', timeZone: 'UTC' }).format(new Date(`${date}T12:00:00Z`));
  return `${weekday} ${date.slice(8, 10)}/${date.slice(5, 7)}`;
}

/** The UTC offset of a zone at an instant: "UTC+01:00". */
export function utcOffset(instant: Date, timezone: string): string {
  const part = dateFormat('en', { timeZone: timezone, timeZoneName: 'longOffset' }).formatToParts(instant).find((p) => p.type === 'timeZoneName');
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

/**
 * Hours in one format everywhere: whole hours "7 h", else hours and minutes
 * "2 h 33" (French) / "2 h 33 min" (English), rounded to the minute.
 */
export function formatHours(locale: DocLocale, hours: number): string {
  const minutes = Math.round(hours * 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const hText = locale === 'fr' ? h.toLocaleString('fr-FR') : h.toLocaleString('en-GB');
  // No-break spaces: the number and its unit never part at a line end.
  const nb = '\u00a0';
  if (m === 0) return `${hText}${nb}h`;
  return locale === 'fr' ? `${hText}${nb}h${nb}${String(m).padStart(2, '0')}` : `${hText}${nb}h${nb}${String(m).padStart(2, '0')}${nb}min`;
}

const monthDay = (locale: DocLocale) => dateFormat(locale === 'en' ? 'en-GB' : 'fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** "7 décembre 2026" / "7 December 2026" for a calendar date 'YYYY-MM-DD'. */
export function formatDay(locale: DocLocale, date: string): string {
  return firstOfMonth(locale, monthDay(locale).format(new Date(`${date}T12:00:00Z`)));
}

/** French writes the first of the month "1er". */
function firstOfMonth(locale: DocLocale, text: string): string {
  return locale === 'fr' ? text.replace(/(^|\s)1(\s)/, '$11er$2') : text;
}

/** "8 décembre 2026 à 14:03 (Europe/Paris)" / "8 December 2026 at 14:03 (Europe/Paris)": an instant in the reader's words, with its zone. */
export function formatDayTime(locale: DocLocale, instant: Date, timezone: string): string {
  const l = local(instant, timezone);
  return `${formatDay(locale, l.date)} ${locale === 'en' ? 'at' : 'à'} ${l.hm} (${timezone})`;
}

/** "semaine du 7 décembre 2026" / "week of 7 December 2026", for the week's Monday. */
export function formatWeek(locale: DocLocale, monday: string): string {
  return `${locale === 'en' ? 'week of' : 'semaine du'} ${formatDay(locale, monday)}`;
}

export function formatPercent(locale: DocLocale, rate: number | null): string {
  if (rate === null) return LABELS[locale].none;
  const value = Math.round(rate * 1000) / 10;
  return locale === 'fr' ? `${String(value).replace('.', ',')} %` : `${value}%`;
}
