import type { QuestionnaireKind, QuestionnaireSettings, QuestionOption, QuestionSettings, QuestionType } from './questionnaire.table.ts';
import type { TEMPLATE_KEYS } from './questionnaires.schemas.ts';

export type TemplateKey = (typeof TEMPLATE_KEYS)[number];
type Locale = 'fr' | 'en';
type L = { fr: string; en: string };

interface TemplateQuestion {
  type: QuestionType;
  prompt: L;
  help?: L;
  required?: boolean;
  options?: Array<{ id: string; label: L; correct?: boolean }>;
  settings?: QuestionSettings & { rowsL?: Array<{ id: string; label: L }> };
  points?: number;
  skills?: string[];
  /** index of an earlier question of the template + condition */
  displayIf?: { index: number; operator: 'equals' | 'lt' | 'gt'; value: string | number };
}

interface Template {
  key: TemplateKey;
  kind: QuestionnaireKind;
  anonymous: boolean;
  settings: QuestionnaireSettings;
  title: L;
  description: L;
  sections: Array<{ title: L; questions: TemplateQuestion[] }>;
}

const AGREE: Array<{ id: string; label: L }> = [
  { id: 'a1', label: { fr: "Pas du tout d'accord", en: 'Strongly disagree' } },
  { id: 'a2', label: { fr: "Plutôt pas d'accord", en: 'Disagree' } },
  { id: 'a3', label: { fr: "Plutôt d'accord", en: 'Agree' } },
  { id: 'a4', label: { fr: "Tout à fait d'accord", en: 'Strongly agree' } },
];
const rating = (fr: string, en: string, skills: string[] = []): TemplateQuestion => ({ type: 'rating', prompt: { fr, en }, required: true, settings: { min: 1, max: 5 }, skills });
const comment = (fr: string, en: string): TemplateQuestion => ({ type: 'long_text', prompt: { fr, en } });
const nps = (fr: string, en: string): TemplateQuestion => ({ type: 'nps', prompt: { fr, en }, required: true });

/** The ready-to-edit templates (Qualiopi indicators 1, 2, 11, 30: positioning, objectives reached, stakeholders' feedback). */
export const TEMPLATES: readonly Template[] = [
  {
    key: 'positioning_test',
    kind: 'positioning',
    anonymous: false,
    settings: { passingScore: null, allowResubmission: false },
    title: { fr: 'Test de positionnement', en: 'Positioning test' },
    description: { fr: "Évaluer vos acquis et vos attentes avant la formation, pour l'adapter à votre niveau.", en: 'Assess what you already know and expect before the training, so it can be adapted to your level.' },
    sections: [
      {
        title: { fr: 'Votre situation', en: 'Your situation' },
        questions: [
          { type: 'single', prompt: { fr: 'Avez-vous déjà pratiqué ce domaine ?', en: 'Have you already practised this field?' }, required: true, options: [{ id: 'never', label: { fr: 'Jamais', en: 'Never' } }, { id: 'some', label: { fr: 'Un peu', en: 'A little' } }, { id: 'regular', label: { fr: 'Régulièrement', en: 'Regularly' } }] },
          { type: 'long_text', prompt: { fr: "Qu'attendez-vous de cette formation ?", en: 'What do you expect from this training?' } },
          { type: 'rating', prompt: { fr: 'Comment évaluez-vous votre niveau actuel ?', en: 'How do you rate your current level?' }, required: true, settings: { min: 1, max: 5 } },
        ],
      },
      {
        title: { fr: 'Connaissances', en: 'Knowledge' },
        questions: [
          { type: 'single', prompt: { fr: 'Question de connaissance n° 1 (à adapter)', en: 'Knowledge question 1 (to adapt)' }, required: true, points: 1, skills: ['fundamentals'], options: [{ id: 'r', label: { fr: 'Bonne réponse', en: 'Right answer' }, correct: true }, { id: 'w1', label: { fr: 'Mauvaise réponse', en: 'Wrong answer' } }, { id: 'w2', label: { fr: 'Autre mauvaise réponse', en: 'Another wrong answer' } }] },
          { type: 'multiple', prompt: { fr: 'Question de connaissance n° 2 : cochez les bonnes réponses (à adapter)', en: 'Knowledge question 2: tick every right answer (to adapt)' }, required: true, points: 2, skills: ['fundamentals'], settings: { scoring: 'partial' }, options: [{ id: 'r1', label: { fr: 'Bonne réponse A', en: 'Right answer A' }, correct: true }, { id: 'r2', label: { fr: 'Bonne réponse B', en: 'Right answer B' }, correct: true }, { id: 'w1', label: { fr: 'Mauvaise réponse', en: 'Wrong answer' } }] },
        ],
      },
    ],
  },
  {
    key: 'end_of_session_satisfaction',
    kind: 'satisfaction_hot',
    anonymous: true,
    settings: { allowResubmission: false },
    title: { fr: 'Satisfaction de fin de séance', en: 'End-of-session satisfaction' },
    description: { fr: 'Deux minutes pour nous dire comment s’est passée la séance.', en: 'Two minutes to tell us how the session went.' },
    sections: [
      {
        title: { fr: 'La séance', en: 'The session' },
        questions: [
          rating('Globalement, êtes-vous satisfait(e) de cette séance ?', 'Overall, how satisfied are you with this session?'),
          rating('Le rythme était-il adapté ?', 'Was the pace right?'),
          rating('Les explications du formateur étaient-elles claires ?', "Were the trainer's explanations clear?"),
          { ...comment('Qu’est-ce qui vous a manqué ?', 'What was missing?'), displayIf: { index: 0, operator: 'lt', value: 3 } },
          comment('Un commentaire ?', 'Any comment?'),
        ],
      },
    ],
  },
  {
    key: 'end_of_program_satisfaction',
    kind: 'satisfaction_hot',
    anonymous: true,
    settings: { allowResubmission: false },
    title: { fr: 'Satisfaction de fin de formation', en: 'End-of-programme satisfaction' },
    description: { fr: 'Votre avis sur l’ensemble de la formation (évaluation à chaud).', en: 'Your opinion of the whole programme (immediate evaluation).' },
    sections: [
      {
        title: { fr: 'La formation', en: 'The programme' },
        questions: [
          {
            type: 'likert',
            prompt: { fr: 'Dans quelle mesure êtes-vous d’accord ?', en: 'How far do you agree?' },
            required: true,
            options: AGREE,
            settings: { rowsL: [{ id: 'objectives', label: { fr: 'Les objectifs annoncés ont été atteints', en: 'The stated objectives were reached' } }, { id: 'content', label: { fr: 'Le contenu correspondait à mes besoins', en: 'The content matched my needs' } }, { id: 'organisation', label: { fr: 'L’organisation était satisfaisante', en: 'The organisation was satisfactory' } }] },
          },
          rating('Note globale de la formation', 'Overall rating of the programme'),
          nps('Recommanderiez-vous cette formation à un proche ou un collègue ?', 'Would you recommend this programme to a friend or colleague?'),
          comment('Que faudrait-il améliorer ?', 'What should be improved?'),
        ],
      },
    ],
  },
  {
    key: 'cold_evaluation',
    kind: 'satisfaction_cold',
    anonymous: false,
    settings: { allowResubmission: false },
    title: { fr: 'Évaluation à froid ({days} jours après la formation)', en: 'Follow-up evaluation ({days} days after the training)' },
    description: { fr: 'Quelques semaines après : qu’avez-vous mis en pratique ?', en: 'A few weeks later: what have you put into practice?' },
    sections: [
      {
        title: { fr: 'Mise en pratique', en: 'Putting it into practice' },
        questions: [
          { type: 'single', prompt: { fr: 'Utilisez-vous ce que vous avez appris dans votre travail ?', en: 'Do you use what you learnt in your work?' }, required: true, options: [{ id: 'daily', label: { fr: 'Tous les jours', en: 'Every day' } }, { id: 'sometimes', label: { fr: 'De temps en temps', en: 'Sometimes' } }, { id: 'never', label: { fr: 'Jamais', en: 'Never' } }] },
          { type: 'long_text', prompt: { fr: 'Qu’est-ce qui vous en empêche ?', en: 'What stops you?' }, displayIf: { index: 0, operator: 'equals', value: 'never' } },
          rating('La formation a-t-elle eu un effet sur votre activité ?', 'Has the training had an effect on your work?'),
          nps('Recommanderiez-vous cette formation ?', 'Would you recommend this training?'),
        ],
      },
    ],
  },
  {
    key: 'trainer_feedback',
    kind: 'trainer_feedback',
    anonymous: false,
    settings: { allowResubmission: true },
    title: { fr: 'Bilan du formateur', en: "Trainer's feedback" },
    description: { fr: 'Votre bilan du groupe et des conditions de la formation.', en: 'Your review of the group and of the training conditions.' },
    sections: [
      {
        title: { fr: 'Le groupe', en: 'The group' },
        questions: [
          rating('Niveau d’atteinte des objectifs par le groupe', 'How far did the group reach the objectives?'),
          rating('Dynamique et participation du groupe', 'Group dynamics and participation'),
          rating('Conditions matérielles (salle, équipement)', 'Material conditions (room, equipment)'),
          comment('Apprenants à suivre ou difficultés rencontrées', 'Learners to follow up or difficulties met'),
          comment('Suggestions d’amélioration', 'Suggestions for improvement'),
        ],
      },
    ],
  },
  {
    key: 'funder_feedback',
    kind: 'funder_feedback',
    anonymous: false,
    settings: { allowResubmission: false },
    title: { fr: 'Appréciation de l’employeur / du financeur', en: 'Employer / funder feedback' },
    description: { fr: 'Votre appréciation de la formation suivie par vos collaborateurs ou bénéficiaires.', en: 'Your view of the training followed by your staff or beneficiaries.' },
    sections: [
      {
        title: { fr: 'Appréciation', en: 'Your view' },
        questions: [
          rating('La formation a-t-elle répondu à vos besoins ?', 'Did the training meet your needs?'),
          rating('Avez-vous constaté une évolution des compétences ?', 'Have you seen skills improve?'),
          rating('Qualité des échanges avec l’organisme de formation', 'Quality of the exchanges with the training organisation'),
          nps('Recommanderiez-vous notre organisme ?', 'Would you recommend our organisation?'),
          comment('Remarques', 'Remarks'),
        ],
      },
    ],
  },
];

export function getTemplate(key: TemplateKey): Template {
  return TEMPLATES.find((t) => t.key === key)!;
}

/** A template rendered in one language, as section/question inputs (option ids kept stable). */
export function renderTemplate(template: Template, locale: Locale, days: number) {
  const fill = (s: string) => s.replaceAll('{days}', String(days));
  return {
    kind: template.kind,
    anonymous: template.anonymous,
    settings: template.settings,
    title: fill(template.title[locale]),
    description: fill(template.description[locale]),
    sections: template.sections.map((s) => ({
      title: s.title[locale],
      questions: s.questions.map((q) => {
        const { rowsL, ...settings } = q.settings ?? {};
        return {
          type: q.type,
          prompt: fill(q.prompt[locale]),
          help: q.help?.[locale] ?? '',
          required: q.required ?? false,
          options: (q.options ?? []).map((o): QuestionOption => ({ id: o.id, label: o.label[locale], ...(o.correct !== undefined ? { correct: o.correct } : {}) })),
          settings: { ...settings, ...(rowsL ? { rows: rowsL.map((r) => ({ id: r.id, label: r.label[locale] })) } : {}) } as QuestionSettings,
          points: q.points ?? 0,
          skills: q.skills ?? [],
          displayIf: q.displayIf ?? null,
        };
      }),
    })),
  };
}

export function listTemplates(locale: Locale) {
  return TEMPLATES.map((t) => ({ key: t.key, kind: t.kind, title: t.title[locale].replaceAll('{days}', 'N'), description: t.description[locale], questionCount: t.sections.reduce((n, s) => n + s.questions.length, 0) }));
}
