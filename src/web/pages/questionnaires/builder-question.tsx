import { ActionIcon, Button, Checkbox, Group, NumberInput, Paper, Select, Stack, Switch, TagsInput, Text, Textarea, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { bodyFieldError } from '../../lib/errors.ts';
import { QUESTION_TYPES, type Question, type QuestionInput, type QuestionType } from '../../api/types.ts';
import { ErrorAlert } from '../../components/states.tsx';

/**
 * The editor of one question: type, prompt, help, required, options (with, in
 * quiz mode, the correct ones, weights for partial credit and feedback per
 * option), type settings (scale bounds, Likert statements, expected number or
 * answers, correct ranking), points, skill tags and the condition that shows it.
 * Field errors from the API (`body.options.1.label`) are shown next to their field.
 */
export const CHOICE_TYPES = new Set<QuestionType>(['single', 'multiple', 'ranking', 'likert']);
const OPERATORS = ['equals', 'not_equals', 'includes', 'gt', 'lt', 'answered'] as const;
type Operator = (typeof OPERATORS)[number];

interface OptionDraft {
  id: string;
  label: string;
  correct: boolean;
  weight: number | string;
  feedback: string;
}

interface Draft {
  type: QuestionType;
  prompt: string;
  help: string;
  required: boolean;
  options: OptionDraft[];
  rows: Array<{ id: string; label: string }>;
  min: number | string;
  max: number | string;
  scoring: 'partial' | 'all_or_nothing';
  correctNumber: number | string;
  tolerance: number | string;
  acceptedAnswers: string[];
  rankingGraded: boolean;
  feedback: string;
  points: number | string;
  skills: string[];
  conditionOn: boolean;
  conditionQuestionId: string | null;
  conditionOperator: Operator;
  conditionValue: string;
}

/** An earlier question a condition may refer to. */
export interface EarlierQuestion {
  id: string;
  number: number;
  prompt: string;
  type: QuestionType;
  options: Array<{ id: string; label: string }>;
}

const numOr = (v: unknown, fallback: number | string): number | string => (typeof v === 'number' ? v : fallback);

function freshId(prefix: string, taken: readonly string[]): string {
  let n = taken.length + 1;
  while (taken.includes(`${prefix}${n}`)) n += 1;
  return `${prefix}${n}`;
}

function defaultOptions(type: QuestionType, t: (k: string, o?: Record<string, unknown>) => string): OptionDraft[] {
  if (type === 'likert') return ['1', '2', '3', '4'].map((n, i) => ({ id: `o${i + 1}`, label: t(`questionnaires.editor.likertScale.${n}`), correct: false, weight: '', feedback: '' }));
  if (CHOICE_TYPES.has(type)) return [1, 2].map((n) => ({ id: `o${n}`, label: t('questionnaires.editor.optionN', { n }), correct: false, weight: '', feedback: '' }));
  return [];
}

function toDraft(q: Question | null, type: QuestionType, t: (k: string, o?: Record<string, unknown>) => string): Draft {
  const s = (q?.settings ?? {}) as Record<string, unknown>;
  const cond = q?.displayIf ?? null;
  return {
    type: q?.type ?? type,
    prompt: q?.prompt ?? '',
    help: q?.help ?? '',
    required: q?.required ?? true,
    options: q ? q.options.map((o) => ({ id: o.id, label: o.label, correct: o.correct === true, weight: o.weight ?? '', feedback: o.feedback ?? '' })) : defaultOptions(type, t),
    rows: Array.isArray(s.rows) ? (s.rows as Array<{ id: string; label: string }>) : q ? [] : type === 'likert' ? [{ id: 'r1', label: '' }] : [],
    min: numOr(s.min, type === 'rating' || q?.type === 'rating' ? 1 : ''),
    max: numOr(s.max, type === 'rating' || q?.type === 'rating' ? 5 : ''),
    scoring: s.scoring === 'all_or_nothing' ? 'all_or_nothing' : 'partial',
    correctNumber: numOr(s.correctNumber, ''),
    tolerance: numOr(s.tolerance, ''),
    acceptedAnswers: Array.isArray(s.acceptedAnswers) ? (s.acceptedAnswers as string[]) : [],
    rankingGraded: Array.isArray(s.correctOrder) && s.correctOrder.length > 0,
    feedback: typeof s.feedback === 'string' ? s.feedback : '',
    points: q?.points ?? 0,
    skills: q?.skills ?? [],
    conditionOn: cond !== null,
    conditionQuestionId: cond?.questionId ?? null,
    conditionOperator: (cond?.operator as Operator | undefined) ?? 'equals',
    conditionValue: cond?.value === undefined || cond.value === null ? '' : String(cond.value),
  };
}

/** The body sent to POST /questionnaire-sections/:id/questions or PATCH /questions/:id. */
function toBody(d: Draft, quiz: boolean, earlier: readonly EarlierQuestion[]): QuestionInput {
  const withOptions = CHOICE_TYPES.has(d.type);
  const settings: NonNullable<QuestionInput['settings']> = {};
  const n = (v: number | string) => (v === '' || v === null ? undefined : Number(v));
  if (d.type === 'rating') Object.assign(settings, { min: n(d.min) ?? 1, max: n(d.max) ?? 5 });
  if (d.type === 'number') {
    if (n(d.min) !== undefined) settings.min = n(d.min)!;
    if (n(d.max) !== undefined) settings.max = n(d.max)!;
    if (quiz && n(d.correctNumber) !== undefined) settings.correctNumber = n(d.correctNumber)!;
    if (quiz && n(d.tolerance) !== undefined) settings.tolerance = n(d.tolerance)!;
  }
  if (d.type === 'likert') settings.rows = d.rows.map((r) => ({ id: r.id, label: r.label }));
  if (d.type === 'multiple' && quiz) settings.scoring = d.scoring;
  if (d.type === 'short_text' && quiz && d.acceptedAnswers.length) settings.acceptedAnswers = d.acceptedAnswers;
  if (d.type === 'ranking' && quiz && d.rankingGraded) settings.correctOrder = d.options.map((o) => o.id);
  if (quiz && d.feedback.trim()) settings.feedback = d.feedback.trim();
  const ref = earlier.find((q) => q.id === d.conditionQuestionId);
  let displayIf: QuestionInput['displayIf'] = null;
  if (d.conditionOn && d.conditionQuestionId) {
    const numeric = ref && ['rating', 'nps', 'number'].includes(ref.type);
    const value = d.conditionOperator === 'answered' ? undefined : numeric && d.conditionValue !== '' && !Number.isNaN(Number(d.conditionValue)) ? Number(d.conditionValue) : d.conditionValue;
    displayIf = { questionId: d.conditionQuestionId, operator: d.conditionOperator, ...(value === undefined ? {} : { value }) };
  }
  return {
    type: d.type,
    prompt: d.prompt.trim(),
    help: d.help.trim(),
    required: d.required,
    options: withOptions
      ? d.options.map((o) => ({
          id: o.id,
          label: o.label.trim(),
          ...(quiz && d.type !== 'likert' && d.type !== 'ranking' && o.correct ? { correct: true } : {}),
          ...(quiz && d.type === 'multiple' && o.weight !== '' ? { weight: Number(o.weight) } : {}),
          ...(quiz && o.feedback.trim() ? { feedback: o.feedback.trim() } : {}),
        }))
      : [],
    settings,
    displayIf,
    points: quiz ? Number(d.points) || 0 : 0,
    skills: d.skills,
  };
}


export function QuestionEditor({
  question,
  newType,
  quiz,
  earlier,
  onSave,
  onCancel,
  idPrefix,
  conditions = true,
}: {
  question: Question | null;
  newType?: QuestionType;
  quiz: boolean;
  earlier: readonly EarlierQuestion[];
  onSave: (body: QuestionInput) => Promise<void>;
  onCancel: () => void;
  idPrefix: string;
  /** False for a bank question: it has no earlier question to depend on. */
  conditions?: boolean;
}) {
  const { t } = useTranslation();
  const [d, setD] = useState<Draft>(() => toDraft(question, newType ?? 'single', t));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const set = (patch: Partial<Draft>) => setD((cur) => ({ ...cur, ...patch }));
  const setOption = (i: number, patch: Partial<OptionDraft>) => setD((cur) => ({ ...cur, options: cur.options.map((o, j) => (j === i ? { ...o, ...patch } : o)) }));
  const withOptions = CHOICE_TYPES.has(d.type);
  const ref = earlier.find((q) => q.id === d.conditionQuestionId);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSave(toBody(d, quiz, earlier));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const moveOption = (i: number, delta: number) =>
    setD((cur) => {
      const next = [...cur.options];
      const [o] = next.splice(i, 1);
      next.splice(i + delta, 0, o!);
      return { ...cur, options: next };
    });

  return (
    <Paper withBorder p="md" component="form" noValidate onSubmit={submit} aria-labelledby={`${idPrefix}-title`} bg="gray.0" data-testid="question-editor">
      <Stack gap="sm">
        <Title order={4} size="h5" id={`${idPrefix}-title`}>
          {question ? t('questionnaires.editor.editTitle') : t('questionnaires.editor.newTitle')}
        </Title>
        <ErrorAlert error={error} />
        <Group grow align="flex-start" wrap="wrap">
          <Select
            label={t('questionnaires.editor.type')}
            data={QUESTION_TYPES.map((x) => ({ value: x, label: t(`questionnaires.types.${x}`) }))}
            value={d.type}
            allowDeselect={false}
            onChange={(v) => {
              if (!v) return;
              const type = v as QuestionType;
              set({ type, ...(CHOICE_TYPES.has(type) && d.options.length < 2 ? { options: defaultOptions(type, t) } : {}), ...(type === 'likert' && d.rows.length === 0 ? { rows: [{ id: 'r1', label: '' }] } : {}), ...(type === 'rating' && d.min === '' ? { min: 1, max: 5 } : {}) });
            }}
            error={bodyFieldError(error, 'type', t)}
            miw={200}
          />
          <Switch label={t('questionnaires.editor.required')} checked={d.required} onChange={(e) => set({ required: e.currentTarget.checked })} mt={30} />
        </Group>
        <Textarea label={t('questionnaires.editor.prompt')} required autosize minRows={2} maxLength={5000} value={d.prompt} onChange={(e) => set({ prompt: e.currentTarget.value })} error={bodyFieldError(error, 'prompt', t)} />
        <TextInput label={t('questionnaires.editor.help')} description={t('questionnaires.editor.helpHelp')} maxLength={2000} value={d.help} onChange={(e) => set({ help: e.currentTarget.value })} error={bodyFieldError(error, 'help', t)} />

        {d.type === 'likert' && (
          <Stack gap={6} component="fieldset" style={{ border: 0, padding: 0, margin: 0 }}>
            <Text component="legend" fw={600} size="sm">
              {t('questionnaires.editor.statements')}
            </Text>
            {d.rows.map((r, i) => (
              <Group key={r.id} gap="xs" wrap="nowrap" align="flex-start">
                <TextInput
                  style={{ flex: 1 }}
                  label={t('questionnaires.editor.statementN', { n: i + 1 })}
                  value={r.label}
                  maxLength={1000}
                  onChange={(e) => {
                    const label = e.currentTarget.value;
                    setD((cur) => ({ ...cur, rows: cur.rows.map((x, j) => (j === i ? { ...x, label } : x)) }));
                  }}
                  error={bodyFieldError(error, `settings.rows.${i}`, t)}
                />
                <Button variant="outline" color="red.9" mt={24} disabled={d.rows.length <= 1} onClick={() => setD((cur) => ({ ...cur, rows: cur.rows.filter((_, j) => j !== i) }))} aria-label={t('questionnaires.editor.removeStatement', { n: i + 1 })}>
                  {t('questionnaires.editor.removeShort')}
                </Button>
              </Group>
            ))}
            <Group>
              <Button variant="default" size="xs" onClick={() => setD((cur) => ({ ...cur, rows: [...cur.rows, { id: freshId('r', cur.rows.map((x) => x.id)), label: '' }] }))}>
                {t('questionnaires.editor.addStatement')}
              </Button>
            </Group>
          </Stack>
        )}

        {withOptions && (
          <Stack gap={6} component="fieldset" style={{ border: 0, padding: 0, margin: 0 }}>
            <Text component="legend" fw={600} size="sm">
              {d.type === 'likert' ? t('questionnaires.editor.scale') : d.type === 'ranking' ? t('questionnaires.editor.itemsToRank') : t('questionnaires.editor.options')}
            </Text>
            {bodyFieldError(error, 'options', t, { exact: true }) && (
              <Text size="sm" c="red.9">
                {bodyFieldError(error, 'options', t, { exact: true })}
              </Text>
            )}
            {d.options.map((o, i) => (
              <Paper key={o.id} withBorder p="xs" data-testid="option-row">
                <Stack gap={6}>
                  <Group gap="xs" wrap="wrap" align="flex-end">
                    <TextInput style={{ flex: 1, minWidth: 180 }} label={t('questionnaires.editor.optionLabel', { n: i + 1 })} value={o.label} maxLength={1000} onChange={(e) => setOption(i, { label: e.currentTarget.value })} error={bodyFieldError(error, `options.${i}.label`, t)} />
                    {quiz && (d.type === 'single' || d.type === 'multiple') && (
                      <Checkbox
                        label={t('questionnaires.editor.correct')}
                        checked={o.correct}
                        mb={8}
                        onChange={(e) => {
                          const on = e.currentTarget.checked;
                          // A single-choice question has one correct option.
                          setD((cur) => ({ ...cur, options: cur.options.map((x, j) => (j === i ? { ...x, correct: on } : cur.type === 'single' && on ? { ...x, correct: false } : x)) }));
                        }}
                      />
                    )}
                    {quiz && d.type === 'multiple' && (
                      <NumberInput w={130} label={t('questionnaires.editor.weight')} min={-100} max={100} value={o.weight} onChange={(v) => setOption(i, { weight: v })} error={bodyFieldError(error, `options.${i}.weight`, t)} />
                    )}
                    <Group gap={4} wrap="nowrap" mb={2}>
                      <ActionIcon variant="default" size={36} disabled={i === 0} onClick={() => moveOption(i, -1)} aria-label={t('questionnaires.editor.optionUp', { n: i + 1 })}>
                        <span aria-hidden>↑</span>
                      </ActionIcon>
                      <ActionIcon variant="default" size={36} disabled={i === d.options.length - 1} onClick={() => moveOption(i, 1)} aria-label={t('questionnaires.editor.optionDown', { n: i + 1 })}>
                        <span aria-hidden>↓</span>
                      </ActionIcon>
                      <Button variant="outline" color="red.9" size="compact-sm" disabled={d.options.length <= 1} onClick={() => setD((cur) => ({ ...cur, options: cur.options.filter((_, j) => j !== i) }))} aria-label={t('questionnaires.editor.removeOption', { n: i + 1 })}>
                        {t('questionnaires.editor.removeShort')}
                      </Button>
                    </Group>
                  </Group>
                  {quiz && (d.type === 'single' || d.type === 'multiple') && (
                    <TextInput size="xs" label={t('questionnaires.editor.optionFeedback', { n: i + 1 })} value={o.feedback} maxLength={2000} onChange={(e) => setOption(i, { feedback: e.currentTarget.value })} error={bodyFieldError(error, `options.${i}.feedback`, t)} />
                  )}
                </Stack>
              </Paper>
            ))}
            <Group>
              <Button variant="default" size="xs" onClick={() => setD((cur) => ({ ...cur, options: [...cur.options, { id: freshId('o', cur.options.map((x) => x.id)), label: '', correct: false, weight: '', feedback: '' }] }))}>
                {t('questionnaires.editor.addOption')}
              </Button>
            </Group>
          </Stack>
        )}

        {(d.type === 'rating' || d.type === 'number') && (
          <Group grow wrap="wrap">
            <NumberInput label={t('questionnaires.editor.min')} value={d.min} onChange={(v) => set({ min: v })} error={bodyFieldError(error, 'settings.min', t)} miw={120} />
            <NumberInput label={t('questionnaires.editor.max')} value={d.max} onChange={(v) => set({ max: v })} error={bodyFieldError(error, 'settings.max', t)} miw={120} />
          </Group>
        )}

        {quiz && (
          <Paper withBorder p="sm">
            <Stack gap="sm">
              <Text fw={600} size="sm">
                {t('questionnaires.editor.scoringTitle')}
              </Text>
              <Group grow align="flex-start" wrap="wrap">
                <NumberInput label={t('questionnaires.editor.points')} min={0} max={10_000} value={d.points} onChange={(v) => set({ points: v })} error={bodyFieldError(error, 'points', t)} miw={120} />
                {d.type === 'multiple' && (
                  <Select
                    label={t('questionnaires.editor.scoring')}
                    data={[
                      { value: 'partial', label: t('questionnaires.editor.scoringPartial') },
                      { value: 'all_or_nothing', label: t('questionnaires.editor.scoringAll') },
                    ]}
                    value={d.scoring}
                    allowDeselect={false}
                    onChange={(v) => v && set({ scoring: v as Draft['scoring'] })}
                    miw={200}
                  />
                )}
              </Group>
              {d.type === 'number' && (
                <Group grow wrap="wrap">
                  <NumberInput label={t('questionnaires.editor.correctNumber')} value={d.correctNumber} onChange={(v) => set({ correctNumber: v })} error={bodyFieldError(error, 'settings.correctNumber', t)} miw={140} />
                  <NumberInput label={t('questionnaires.editor.tolerance')} min={0} value={d.tolerance} onChange={(v) => set({ tolerance: v })} error={bodyFieldError(error, 'settings.tolerance', t)} miw={140} />
                </Group>
              )}
              {d.type === 'short_text' && (
                <TagsInput label={t('questionnaires.editor.acceptedAnswers')} description={t('questionnaires.editor.acceptedAnswersHelp')} value={d.acceptedAnswers} onChange={(v) => set({ acceptedAnswers: v })} error={bodyFieldError(error, 'settings.acceptedAnswers', t)} />
              )}
              {d.type === 'ranking' && <Checkbox label={t('questionnaires.editor.rankingGraded')} checked={d.rankingGraded} onChange={(e) => set({ rankingGraded: e.currentTarget.checked })} />}
              {['likert', 'rating', 'nps', 'long_text', 'date'].includes(d.type) && (
                <Text size="sm" c="gray.8">
                  {t('questionnaires.editor.notGraded')}
                </Text>
              )}
              <TextInput label={t('questionnaires.editor.feedback')} description={t('questionnaires.editor.feedbackHelp')} maxLength={2000} value={d.feedback} onChange={(e) => set({ feedback: e.currentTarget.value })} />
            </Stack>
          </Paper>
        )}

        <TagsInput label={t('questionnaires.fields.skills')} description={t('questionnaires.editor.skillsHelp')} value={d.skills} onChange={(v) => set({ skills: v })} maxTags={20} error={bodyFieldError(error, 'skills', t)} />

        {conditions && (
        <Paper withBorder p="sm">
          <Stack gap="sm">
            <Switch
              label={t('questionnaires.editor.conditionOn')}
              checked={d.conditionOn}
              disabled={earlier.length === 0}
              description={earlier.length === 0 ? t('questionnaires.editor.conditionNone') : undefined}
              onChange={(e) => set({ conditionOn: e.currentTarget.checked, conditionQuestionId: d.conditionQuestionId ?? earlier[earlier.length - 1]?.id ?? null })}
            />
            {d.conditionOn && (
              <Group grow align="flex-start" wrap="wrap">
                <Select
                  label={t('questionnaires.editor.conditionQuestion')}
                  data={earlier.map((q) => ({ value: q.id, label: `${q.number}. ${q.prompt.slice(0, 80)}` }))}
                  value={d.conditionQuestionId}
                  allowDeselect={false}
                  onChange={(v) => set({ conditionQuestionId: v, conditionValue: '' })}
                  error={bodyFieldError(error, 'displayIf.questionId', t)}
                  miw={220}
                />
                <Select
                  label={t('questionnaires.editor.conditionOperator')}
                  data={OPERATORS.map((o) => ({ value: o, label: t(`questionnaires.operators.${o}`) }))}
                  value={d.conditionOperator}
                  allowDeselect={false}
                  onChange={(v) => v && set({ conditionOperator: v as Operator })}
                  miw={160}
                />
                {d.conditionOperator !== 'answered' &&
                  (ref && ref.options.length > 0 && (ref.type === 'single' || ref.type === 'multiple') ? (
                    <Select
                      label={t('questionnaires.editor.conditionValue')}
                      data={ref.options.map((o) => ({ value: o.id, label: o.label }))}
                      value={d.conditionValue || null}
                      onChange={(v) => set({ conditionValue: v ?? '' })}
                      error={bodyFieldError(error, 'displayIf.value', t)}
                      miw={180}
                    />
                  ) : (
                    <TextInput label={t('questionnaires.editor.conditionValue')} value={d.conditionValue} onChange={(e) => set({ conditionValue: e.currentTarget.value })} error={bodyFieldError(error, 'displayIf.value', t)} miw={160} />
                  ))}
              </Group>
            )}
          </Stack>
        </Paper>
        )}

        <Group>
          <Button type="submit" loading={busy}>
            {question ? t('common.save') : t('questionnaires.editor.add')}
          </Button>
          <Button variant="default" onClick={onCancel}>
            {t('common.cancel')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
