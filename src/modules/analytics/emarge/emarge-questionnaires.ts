/**
 * The questionnaire part of the Emarge adapter: quizzes, other questionnaires
 * and satisfaction answers of each enrolment, as timeline events (days from
 * the cohort's first day), known strictly before `asOf`.
 *
 * - A learner invitation to a quiz or positioning test is an assessment
 *   (kind 'quiz'): due on the distribution's due date (its closing date when
 *   there is none; null when neither: never counted as missed), submitted on
 *   the response's submission day, scored score / max_score × 100 and known on
 *   submission (scored automatically). Its weight is its points over the
 *   points of all the quizzes the cohort's learner was invited to (× 100):
 *   OULAD's "share of the final grade".
 * - An invitation to any other questionnaire (satisfaction, feedback) is an
 *   unscored assessment (kind 'questionnaire', weight 0): answered late or not
 *   at all counts like a late or missed assignment.
 * - A submitted satisfaction response (hot or cold) gives a satisfaction
 *   event: the mean of its rating, NPS and Likert answers on 0..1.
 * - A source is recorded for the whole organisation or not at all: null ("not
 *   recorded") when no learner was ever invited to such a questionnaire, else
 *   a list for every enrolment (empty when this learner has none). Training
 *   (finished cohorts) and scoring (current cohorts) then build the same
 *   feature schema; a source that only current cohorts have is constant in the
 *   training data, and the engine ignores constant features (Normalisation).
 *
 * Anonymous responses carry no person and are never read here.
 */
import type { Tx } from '../../../platform/db/tenant.ts';
import { satisfactionOf } from '../../questionnaires/aggregate-answers.ts';
import type { QuestionDef } from '../../questionnaires/scoring.ts';
import type { AssessmentEvent, SatisfactionEvent } from '../features/learner-timeline.ts';

const SCORED = new Set(['quiz', 'positioning']);
const SATISFACTION = new Set(['satisfaction_hot', 'satisfaction_cold']);
const DAY = 86_400_000;

export interface QuestionnaireEvents {
  /** Per `${cohortId}/${personId}`. */
  assessments: Map<string, AssessmentEvent[]>;
  satisfaction: Map<string, SatisfactionEvent[]>;
  /** Whether the organisation records each source (see above). */
  recordsAssessments: boolean;
  recordsSatisfaction: boolean;
}

/** Whole days from the cohort's day 0 (a local date, YYYY-MM-DD) to an instant (its UTC date). */
const dayOf = (start: string, at: Date | string): number => Math.floor((new Date(at).getTime() - Date.parse(`${start}T00:00:00Z`)) / DAY);

export async function loadQuestionnaireEvents(trx: Tx, cohortStart: ReadonlyMap<string, string>, asOf: string): Promise<QuestionnaireEvents> {
  const out: QuestionnaireEvents = { assessments: new Map(), satisfaction: new Map(), recordsAssessments: false, recordsSatisfaction: false };
  const asOfTime = Date.parse(`${asOf}T00:00:00Z`);
  const invitations = await trx
    .selectFrom('questionnaire_invitations as i')
    .innerJoin('questionnaire_distributions as d', (j) => j.onRef('d.organisation_id', '=', 'i.organisation_id').onRef('d.id', '=', 'i.distribution_id'))
    .innerJoin('questionnaires as q', (j) => j.onRef('q.organisation_id', '=', 'i.organisation_id').onRef('q.id', '=', 'i.questionnaire_id'))
    .select(['i.id', 'i.person_id', 'i.cohort_id', 'i.questionnaire_id', 'i.sent_at', 'd.due_at', 'd.closes_at', 'q.kind'])
    .where('d.audience', '=', 'learners')
    .where('i.person_id', 'is not', null)
    .where('i.cohort_id', 'is not', null)
    .execute();
  const sent = invitations.filter((i) => cohortStart.has(i.cohort_id!) && i.sent_at !== null && new Date(i.sent_at).getTime() < asOfTime);
  if (!sent.length) return out;

  const responses = await trx
    .selectFrom('questionnaire_responses')
    .select(['id', 'invitation_id', 'person_id', 'cohort_id', 'questionnaire_id', 'submitted_at', 'score', 'max_score'])
    .where('status', '=', 'submitted')
    .where('person_id', 'is not', null)
    .where('submitted_at', '<', new Date(asOfTime))
    .execute();
  const responseOf = new Map(responses.filter((r) => r.invitation_id).map((r) => [r.invitation_id!, r]));

  const points = await trx
    .selectFrom('questions')
    .select(['questionnaire_id'])
    .select((eb) => eb.fn.sum<string>('points').as('points'))
    .where('questionnaire_id', 'is not', null)
    .groupBy('questionnaire_id')
    .execute();
  const pointsOf = new Map(points.map((p) => [p.questionnaire_id!, Number(p.points ?? 0)]));

  // Weight of a quiz: its points over the points of every quiz the same learner of the same cohort was invited to.
  const quizPoints = new Map<string, number>();
  for (const i of sent) if (SCORED.has(i.kind)) quizPoints.set(`${i.cohort_id}/${i.person_id}`, (quizPoints.get(`${i.cohort_id}/${i.person_id}`) ?? 0) + (pointsOf.get(i.questionnaire_id) ?? 0));

  for (const i of sent) {
    const start = cohortStart.get(i.cohort_id!)!;
    const key = `${i.cohort_id}/${i.person_id}`;
    const r = responseOf.get(i.id);
    const due = i.due_at ?? i.closes_at;
    const submittedDay = r?.submitted_at ? dayOf(start, r.submitted_at) : null;
    const scored = SCORED.has(i.kind);
    const score = scored && r && r.score !== null && r.max_score !== null && Number(r.max_score) > 0 ? (Number(r.score) / Number(r.max_score)) * 100 : null;
    const total = quizPoints.get(key) ?? 0;
    const event: AssessmentEvent = {
      kind: scored ? 'quiz' : 'questionnaire',
      dueDay: due ? dayOf(start, due) : null,
      submittedDay,
      score,
      gradedDay: score === null ? null : submittedDay,
      weight: scored ? (total > 0 ? ((pointsOf.get(i.questionnaire_id) ?? 0) / total) * 100 : null) : 0,
    };
    const list = out.assessments.get(key) ?? [];
    list.push(event);
    out.assessments.set(key, list);
    out.recordsAssessments = true;
    if (SATISFACTION.has(i.kind)) out.recordsSatisfaction = true;
  }

  // Satisfaction values: the submitted satisfaction responses of identified learners.
  const satisfactionInvitations = new Set(sent.filter((i) => SATISFACTION.has(i.kind)).map((i) => i.id));
  const satisfactionResponses = responses.filter((r) => r.cohort_id && cohortStart.has(r.cohort_id) && r.invitation_id && satisfactionInvitations.has(r.invitation_id));
  if (satisfactionResponses.length) {
    const ids = satisfactionResponses.map((r) => r.id);
    const answers = await trx
      .selectFrom('questionnaire_answers as a')
      .innerJoin('questions as q', (j) => j.onRef('q.organisation_id', '=', 'a.organisation_id').onRef('q.id', '=', 'a.question_id'))
      .select(['a.response_id', 'a.value', 'q.id', 'q.type', 'q.options', 'q.settings'])
      .where('a.response_id', 'in', ids)
      .where('q.type', 'in', ['rating', 'nps', 'likert'])
      .execute();
    const values = new Map<string, number[]>();
    for (const a of answers) {
      const q = { id: a.id, type: a.type, options: a.options ?? [], settings: a.settings ?? {} } as unknown as QuestionDef;
      const v = satisfactionOf(q, a.value);
      if (v === null || !Number.isFinite(v)) continue;
      const list = values.get(a.response_id) ?? [];
      list.push(Math.max(0, Math.min(1, v)));
      values.set(a.response_id, list);
    }
    for (const r of satisfactionResponses) {
      const v = values.get(r.id);
      if (!v?.length) continue;
      const key = `${r.cohort_id}/${r.person_id}`;
      const list = out.satisfaction.get(key) ?? [];
      list.push({ day: dayOf(cohortStart.get(r.cohort_id!)!, r.submitted_at!), score: v.reduce((s, x) => s + x, 0) / v.length });
      out.satisfaction.set(key, list);
    }
  }
  return out;
}
