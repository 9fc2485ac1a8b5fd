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
  program_position: 'part de la formation écoulée (de 0 à 1)',
  enrolled_weeks_before_start: 'semaines entre l’inscription et le début (négatif : inscrit après le début)',
  enrolment_history_recorded: '1 quand l’historique d’inscription est connu',
  prior_attempts: 'inscriptions précédentes à la même formation',
  concurrent_load: 'autres formations suivies en même temps',
  attendance_recorded: '1 quand la présence est enregistrée',
  sessions_so_far: 'demi-journées tenues jusqu’ici (échelle logarithmique)',
  attendance_rate: 'part des demi-journées suivies jusqu’ici',
  attendance_rate_week: 'part des demi-journées de la semaine suivies',
  late_rate: 'part des demi-journées suivies avec retard',
  minutes_late_mean: 'minutes de retard moyennes (quand en retard)',
  unjustified_absences: 'absences non justifiées jusqu’ici',
  justified_absences: 'absences justifiées jusqu’ici',
  unjustified_absences_week: 'absences non justifiées cette semaine',
  absence_streak: 'demi-journées manquées d’affilée jusqu’à maintenant',
  days_since_last_activity: 'jours depuis le dernier signe de présence (signature, rendu, activité), plafonné à 120',
  assessments_recorded: '1 quand les évaluations sont enregistrées',
  assessments_due: 'évaluations attendues jusqu’ici',
  assessments_submitted: 'évaluations rendues jusqu’ici',
  assessments_missed: 'évaluations non rendues à la date prévue',
  missed_share: 'part des évaluations attendues non rendues',
  late_submissions: 'évaluations rendues en retard',
  submitted_this_week: 'évaluations rendues la semaine écoulée',
  days_early_mean: 'jours d’avance moyens au rendu (négatif : en retard)',
  score_known: '1 quand au moins une note est connue',
  score_mean: 'note moyenne connue (de 0 à 1)',
  score_last: 'dernière note connue (de 0 à 1)',
  weeks_without_submission: 'semaines depuis le dernier rendu (depuis le début s’il n’y en a pas)',
  never_submitted: '1 quand rien n’a encore été rendu',
  next_due_in_weeks: 'semaines jusqu’à la prochaine évaluation prévue (plafonné à 10)',
  weight_due: 'part de la note finale portée par les évaluations attendues jusqu’ici',
  points_banked: 'points de la note finale déjà acquis',
  weighted_score_share: 'part des points attendus jusqu’ici effectivement obtenus',
  activity_recorded: '1 quand l’activité en ligne est enregistrée',
  activity_week: 'activité en ligne de la semaine écoulée (nombre d’actions, échelle logarithmique)',
  active_days_week: 'jours avec une activité en ligne la semaine écoulée',
  activity_total: 'activité en ligne jusqu’ici (nombre d’actions, échelle logarithmique)',
  activity_two_weeks: 'activité en ligne des deux dernières semaines (nombre d’actions, échelle logarithmique)',
  weeks_without_activity: 'semaines depuis la dernière activité en ligne',
  satisfaction_recorded: '1 quand des réponses de satisfaction sont enregistrées',
  satisfaction_answers: 'réponses de satisfaction jusqu’ici',
  satisfaction_mean: 'satisfaction moyenne jusqu’ici (de 0 à 1)',
  satisfaction_last: 'dernière réponse de satisfaction (de 0 à 1)',
};

export function describeFeature(name: string, value: number): { text_fr: string; text_en: string } {
  const def = FEATURE_DEFINITIONS.find((d) => d.name === name);
  return { text_en: def ? def.describe(value) : `${name} = ${value}`, text_fr: FR[name]?.(value) ?? `${name} = ${value}` };
}

/** What a feature means, for the model card. */
export function featureMeaning(name: string): { name: string; source: string; meaning_en: string; meaning_fr: string } {
  const def = FEATURE_DEFINITIONS.find((d) => d.name === name);
  // A feature added without its French meaning shows its name rather than English on a French page.
  return { name, source: def?.source ?? 'program', meaning_en: def?.description ?? name, meaning_fr: FR_MEANING[name] ?? name };
}

/**
 * The features that can be given as a reason: facts about the learner, in the
 * direction that raises the risk, compared with the median of their cohort the
 * same week. Everything else (the calendar, programme length and position,
 * "recorded" flags, counts of sessions held, the assessment calendar) is never
 * a reason. A fact counts only when it is worse than the cohort's median by at
 * least `gap`, is at least `min` (never a zero count), and its `guard` holds
 * (a rate needs something to be a rate of).
 */
export interface FactRule {
  worse: 'higher' | 'lower';
  gap: number;
  min?: number;
  guard?: (row: (feature: string) => number | undefined, context: FactContext) => boolean;
  fr: (value: number, median: number) => string;
  en: (value: number, median: number) => string;
}

/** What the rules need beyond the feature row: half-days recorded in the week before the prediction. */
export interface FactContext {
  halfDaysLastWeek: number;
}

const en = {
  plural: (n: number, one: string, many = `${one}s`) => `${n} ${Math.abs(n) === 1 ? one : many}`,
  pct: (v: number) => `${Math.round(v * 100)}%`,
};
const median = { fr: ' — médiane de la promotion : ', en: ' — cohort median: ' };
const has = (name: string, min = 1) => (row: (f: string) => number | undefined) => (row(name) ?? 0) >= min;
const count = (fr1: string, frN: string, en1: string, enN: string, frWhen: string, enWhen: string): Pick<FactRule, 'fr' | 'en'> => ({
  fr: (v, m) => `${plural(round(v), fr1, frN)} ${frWhen}${median.fr}${round(m)}`,
  en: (v, m) => `${en.plural(round(v), en1, enN)} ${enWhen}${median.en}${round(m)}`,
});

export const FACT_RULES: Record<string, FactRule> = {
  unjustified_absences: { worse: 'higher', gap: 1, min: 1, ...count('absence non justifiée', 'absences non justifiées', 'unjustified absence', 'unjustified absences', 'depuis le début', 'since the start') },
  unjustified_absences_week: { worse: 'higher', gap: 1, min: 1, guard: (_, c) => c.halfDaysLastWeek > 0, ...count('absence non justifiée', 'absences non justifiées', 'unjustified absence', 'unjustified absences', 'la semaine dernière', 'last week') },
  justified_absences: { worse: 'higher', gap: 2, min: 2, ...count('absence justifiée', 'absences justifiées', 'justified absence', 'justified absences', 'depuis le début', 'since the start') },
  absence_streak: {
    worse: 'higher', gap: 2, min: 2,
    fr: (v, m) => `absent(e) aux ${round(v)} dernières demi-journées d’affilée${median.fr}${round(m)}`,
    en: (v, m) => `absent from the last ${round(v)} half-days in a row${median.en}${round(m)}`,
  },
  attendance_rate: {
    worse: 'lower', gap: 0.05, guard: has('sessions_so_far', Math.log1p(1)),
    fr: (v, m) => `présent(e) à ${pct(v)} des demi-journées depuis le début${median.fr}${pct(m)}`,
    en: (v, m) => `attended ${en.pct(v)} of half-days since the start${median.en}${en.pct(m)}`,
  },
  attendance_rate_week: {
    worse: 'lower', gap: 0.1, guard: (_, c) => c.halfDaysLastWeek > 0,
    fr: (v, m) => `présent(e) à ${pct(v)} des demi-journées de la semaine dernière${median.fr}${pct(m)}`,
    en: (v, m) => `attended ${en.pct(v)} of last week's half-days${median.en}${en.pct(m)}`,
  },
  late_rate: {
    worse: 'higher', gap: 0.05, min: 0.01,
    fr: (v, m) => `en retard à ${pct(v)} des demi-journées suivies${median.fr}${pct(m)}`,
    en: (v, m) => `late to ${en.pct(v)} of attended half-days${median.en}${en.pct(m)}`,
  },
  minutes_late_mean: {
    worse: 'higher', gap: 5, min: 5,
    fr: (v, m) => `${round(v)} minutes de retard en moyenne quand en retard${median.fr}${round(m)} min`,
    en: (v, m) => `${round(v)} minutes late on average when late${median.en}${round(m)} min`,
  },
  days_since_last_activity: {
    worse: 'higher', gap: 3, min: 4, guard: has('sessions_so_far', Math.log1p(1)),
    fr: (v, m) => `aucun signe de présence depuis ${plural(round(v), 'jour')}${median.fr}${plural(round(m), 'jour')}`,
    en: (v, m) => `no sign of presence for ${en.plural(round(v), 'day')}${median.en}${en.plural(round(m), 'day')}`,
  },
  prior_attempts: { worse: 'higher', gap: 1, min: 1, ...count('inscription précédente', 'inscriptions précédentes', 'previous enrolment', 'previous enrolments', 'à cette formation', 'in this programme') },
  concurrent_load: {
    worse: 'higher', gap: 1, min: 1,
    fr: (v, m) => `${plural(round(v), 'autre formation suivie', 'autres formations suivies')} en même temps${median.fr}${round(m)}`,
    en: (v, m) => `${en.plural(round(v), 'other programme')} followed at the same time${median.en}${round(m)}`,
  },
  assessments_missed: { worse: 'higher', gap: 1, min: 1, ...count('évaluation non rendue', 'évaluations non rendues', 'assessment not submitted', 'assessments not submitted', 'à la date prévue', 'by the due date') },
  missed_share: {
    worse: 'higher', gap: 0.1, min: 0.01, guard: has('assessments_due'),
    fr: (v, m) => `${pct(v)} des évaluations attendues non rendues${median.fr}${pct(m)}`,
    en: (v, m) => `${en.pct(v)} of due assessments not submitted${median.en}${en.pct(m)}`,
  },
  late_submissions: { worse: 'higher', gap: 1, min: 1, ...count('évaluation rendue en retard', 'évaluations rendues en retard', 'assessment submitted late', 'assessments submitted late', 'jusqu’ici', 'so far') },
  score_mean: {
    worse: 'lower', gap: 0.1, guard: has('score_known'),
    fr: (v, m) => `note moyenne ${round(v * 100)}/100${median.fr}${round(m * 100)}/100`,
    en: (v, m) => `average score ${round(v * 100)}/100${median.en}${round(m * 100)}/100`,
  },
  score_last: {
    worse: 'lower', gap: 0.15, guard: has('score_known'),
    fr: (v, m) => `dernière note ${round(v * 100)}/100${median.fr}${round(m * 100)}/100`,
    en: (v, m) => `last score ${round(v * 100)}/100${median.en}${round(m * 100)}/100`,
  },
  weighted_score_share: {
    worse: 'lower', gap: 0.1, guard: has('assessments_due'),
    fr: (v, m) => `${pct(v)} des points attendus obtenus${median.fr}${pct(m)}`,
    en: (v, m) => `${en.pct(v)} of the points due obtained${median.en}${en.pct(m)}`,
  },
  weeks_without_submission: {
    worse: 'higher', gap: 1, min: 1, guard: has('assessments_due'),
    fr: (v, m) => `aucune évaluation rendue depuis ${weeks(v)}${median.fr}${weeks(m)}`,
    en: (v, m) => `no assessment submitted for ${en.plural(Math.floor(v), 'week')}${median.en}${en.plural(Math.floor(m), 'week')}`,
  },
  weeks_without_activity: {
    worse: 'higher', gap: 1, min: 1, guard: has('activity_recorded'),
    fr: (v, m) => `aucune activité en ligne depuis ${weeks(v)}${median.fr}${weeks(m)}`,
    en: (v, m) => `no online activity for ${en.plural(Math.floor(v), 'week')}${median.en}${en.plural(Math.floor(m), 'week')}`,
  },
  satisfaction_mean: {
    worse: 'lower', gap: 0.1, guard: has('satisfaction_answers'),
    fr: (v, m) => `satisfaction moyenne ${pct(v)}${median.fr}${pct(m)}`,
    en: (v, m) => `average satisfaction ${en.pct(v)}${median.en}${en.pct(m)}`,
  },
  satisfaction_last: {
    worse: 'lower', gap: 0.15, guard: has('satisfaction_answers'),
    fr: (v, m) => `dernière réponse de satisfaction ${pct(v)}${median.fr}${pct(m)}`,
    en: (v, m) => `last satisfaction answer ${en.pct(v)}${median.en}${en.pct(m)}`,
  },
};

/** The fact in words when `feature` at `value` is a reason against the cohort's `cohortMedian`; null when it is not one. */
export function describeFact(
  feature: string,
  value: number,
  cohortMedian: number,
  row: (feature: string) => number | undefined,
  context: FactContext,
  reference: 'cohort' | 'past' = 'cohort',
): { text_fr: string; text_en: string } | null {
  const rule = FACT_RULES[feature];
  if (!rule) return null;
  if (rule.min !== undefined && value < rule.min) return null;
  const worseBy = rule.worse === 'higher' ? value - cohortMedian : cohortMedian - value;
  if (worseBy < rule.gap - 1e-9) return null;
  if (rule.guard && !rule.guard(row, context)) return null;
  const fr = rule.fr(value, cohortMedian), enText = rule.en(value, cohortMedian);
  // A cohort too small to have a median is compared with the learners the model was trained on.
  if (reference === 'past') return { text_fr: fr.replace(median.fr, ' — moyenne des apprenants passés : '), text_en: enText.replace(median.en, ' — past learners\' mean: ') };
  return { text_fr: fr, text_en: enText };
}
