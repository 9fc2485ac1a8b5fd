/**
 * Reasons in words, in French and English, for each feature of the weekly
 * pipeline. English comes from the feature definitions; French is here.
 */
import { FEATURE_DEFINITIONS } from './features/weekly-features.ts';

const plural = (n: number, one: string, many: string = `${one}s`): string => `${n} ${Math.abs(n) <= 1 ? one : many}`;
const round = (v: number): number => Math.round(v);
const pct = (v: number): string => `${Math.round(v * 100)} %`;
const weeks = (v: number): string => plural(Math.max(0, Math.floor(v)), 'semaine');
const recorded = (what: string) => (v: number): string => (v >= 0.5 ? `${what} enregistrée(s)` : `${what} non enregistrée(s)`);

const FR: Record<string, (v: number) => string> = {
  program_weeks: (v) => `une formation de ${weeks(v)}`,
  program_position: (v) => `${pct(Math.min(v, 1))} de la formation écoulés`,
  enrolled_weeks_before_start: (v) => (v < 0 ? `inscrit(e) ${weeks(-v)} après le début` : `inscrit(e) ${weeks(v)} avant le début`),
  enrolment_history_recorded: recorded('historique d’inscription'),
  prior_attempts: (v) => `${plural(round(v), 'inscription précédente', 'inscriptions précédentes')} à cette formation`,
  concurrent_load: (v) => `${v.toFixed(1)} autre(s) formation(s) suivie(s) en même temps`,
  attendance_recorded: recorded('présence'),
  sessions_so_far: (v) => `${plural(round(Math.expm1(v)), 'demi-journée')} jusqu’ici`,
  attendance_rate: (v) => `présent(e) à ${pct(v)} des demi-journées jusqu’ici`,
  attendance_rate_week: (v) => `présent(e) à ${pct(v)} des demi-journées de la semaine`,
  late_rate: (v) => `en retard à ${pct(v)} des demi-journées suivies`,
  minutes_late_mean: (v) => `${round(v)} minutes de retard en moyenne`,
  unjustified_absences: (v) => plural(round(v), 'absence non justifiée', 'absences non justifiées'),
  justified_absences: (v) => plural(round(v), 'absence justifiée', 'absences justifiées'),
  unjustified_absences_week: (v) => `${plural(round(v), 'absence non justifiée', 'absences non justifiées')} cette semaine`,
  absence_streak: (v) => `absent(e) aux ${plural(round(v), 'dernière demi-journée', 'dernières demi-journées')} d’affilée`,
  assessments_recorded: recorded('évaluations'),
  assessments_due: (v) => `${plural(round(v), 'évaluation')} attendue(s) jusqu’ici`,
  assessments_submitted: (v) => `${plural(round(v), 'évaluation')} rendue(s) jusqu’ici`,
  assessments_missed: (v) => `${plural(round(v), 'évaluation')} non rendue(s) à temps`,
  missed_share: (v) => `${pct(v)} des évaluations attendues manquées`,
  late_submissions: (v) => `${plural(round(v), 'évaluation')} rendue(s) en retard`,
  submitted_this_week: (v) => `${plural(round(v), 'évaluation')} rendue(s) cette semaine`,
  days_early_mean: (v) => (v < 0 ? `rend ${plural(round(-v), 'jour')} en retard en moyenne` : `rend ${plural(round(v), 'jour')} en avance en moyenne`),
  score_known: (v) => (v >= 0.5 ? 'a une note connue' : 'aucune note connue'),
  score_mean: (v) => `note moyenne ${round(v * 100)}/100`,
  score_last: (v) => `dernière note ${round(v * 100)}/100`,
  weeks_without_submission: (v) => `aucune évaluation rendue depuis ${weeks(v)}`,
  never_submitted: (v) => (v >= 0.5 ? 'aucune évaluation rendue' : 'a rendu des évaluations'),
  next_due_in_weeks: (v) => (v >= 10 ? 'pas d’évaluation prévue prochainement' : `prochaine évaluation dans ${weeks(v)}`),
  activity_recorded: recorded('activité en ligne'),
  activity_week: (v) => `${round(Math.expm1(v))} actions en ligne cette semaine`,
  active_days_week: (v) => `en ligne ${plural(round(v), 'jour')} cette semaine`,
  activity_total: (v) => `${round(Math.expm1(v))} actions en ligne jusqu’ici`,
  weeks_without_activity: (v) => `aucune activité en ligne depuis ${weeks(v)}`,
  satisfaction_recorded: recorded('réponses de satisfaction'),
  satisfaction_answers: (v) => plural(round(v), 'réponse de satisfaction', 'réponses de satisfaction'),
  satisfaction_mean: (v) => `satisfaction moyenne ${pct(v)}`,
  satisfaction_last: (v) => `dernière satisfaction ${pct(v)}`,
  days_since_last_activity: (v) => `aucun signe de présence depuis ${plural(round(v), 'jour')}`,
};

const FR_MEANING: Record<string, string> = {
  program_weeks: 'durée de la formation en semaines',
  program_position: 'part de la formation écoulée (0..1)',
  enrolled_weeks_before_start: 'semaines entre l’inscription et le début (négatif : inscrit après le début)',
  enrolment_history_recorded: '1 quand l’historique d’inscription est connu',
  prior_attempts: 'inscriptions précédentes à la même formation',
  concurrent_load: 'autres formations suivies en même temps',
  attendance_recorded: '1 quand la présence est enregistrée',
  sessions_so_far: 'demi-journées tenues jusqu’ici (log1p)',
  attendance_rate: 'part des demi-journées suivies jusqu’ici',
  attendance_rate_week: 'part des demi-journées de la semaine suivies',
  late_rate: 'part des demi-journées suivies avec retard',
  minutes_late_mean: 'minutes de retard moyennes (quand en retard)',
  unjustified_absences: 'absences non justifiées jusqu’ici',
  justified_absences: 'absences justifiées jusqu’ici',
  unjustified_absences_week: 'absences non justifiées cette semaine',
  absence_streak: 'demi-journées manquées d’affilée jusqu’à maintenant',
  days_since_last_activity: 'jours depuis le dernier signe de présence (signature, rendu, activité), plafonné à 120',
};

export function describeFeature(name: string, value: number): { text_fr: string; text_en: string } {
  const def = FEATURE_DEFINITIONS.find((d) => d.name === name);
  return { text_en: def ? def.describe(value) : `${name} = ${value}`, text_fr: FR[name]?.(value) ?? `${name} = ${value}` };
}

/** What a feature means, for the model card. */
export function featureMeaning(name: string): { name: string; source: string; meaning_en: string; meaning_fr: string } {
  const def = FEATURE_DEFINITIONS.find((d) => d.name === name);
  return { name, source: def?.source ?? 'unknown', meaning_en: def?.description ?? name, meaning_fr: FR_MEANING[name] ?? def?.description ?? name };
}
