import { ActionIcon, Box, Button, Checkbox, Group, NumberInput, Paper, Radio, Stack, Text, Textarea, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { conditionHolds } from '../../../modules/questionnaires/scoring.ts';
import type { DisplayCondition } from '../../../modules/questionnaires/questionnaire.table.ts';
import type { RespondentQuestion, RespondentSection } from '../../api/types.ts';

/**
 * The questionnaire as a respondent fills it in: every question type, controlled
 * values, conditional display evaluated live (with the server's own rule, so the
 * preview and the respondent page show exactly what the server will accept),
 * fieldsets and legends for grouped choices, and a single column that fits a
 * 375 px phone. Used by the builder's preview and by the respondent page.
 *
 * Answer values are the API's: single → option id, multiple → option ids,
 * rating / nps / number → number, likert → { rowId: optionId }, ranking → every
 * option id in order, short_text / long_text → string, date → 'YYYY-MM-DD'.
 */
export type Answers = Record<string, unknown>;
export type FormQuestion = RespondentQuestion;
export type FormSection = RespondentSection;

export interface QuestionFormProps {
  sections: readonly FormSection[];
  answers: Answers;
  onChange: (questionId: string, value: unknown) => void;
  /** A message per question id, shown under the question (e.g. the API's answer_invalid). */
  errors?: Readonly<Record<string, string>>;
  /** Shows the answers without letting them change (a submitted response). */
  readOnly?: boolean;
}

/** Whether an answer counts as given (empty text and empty lists do not): the server's rule. */
export function isAnswered(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim().length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** The ids of the questions shown for these answers, in order (a condition needs its question shown and matched). */
export function visibleQuestionIds(sections: readonly FormSection[], answers: Answers): Set<string> {
  const visible = new Set<string>();
  for (const section of sections) {
    for (const q of section.questions) {
      if (!q.displayIf) visible.add(q.id);
      else if (visible.has(q.displayIf.questionId) && conditionHolds(q.displayIf as DisplayCondition, answers[q.displayIf.questionId])) visible.add(q.id);
    }
  }
  return visible;
}

/** Required questions shown but not answered (what stops a submission), in order. */
export function missingRequired(sections: readonly FormSection[], answers: Answers): string[] {
  const visible = visibleQuestionIds(sections, answers);
  return sections.flatMap((s) => s.questions.filter((q) => q.required && visible.has(q.id) && !isAnswered(answers[q.id])).map((q) => q.id));
}

/** Only the answers of visible questions (hidden ones are refused by the server). */
export function visibleAnswers(sections: readonly FormSection[], answers: Answers): Array<{ questionId: string; value: unknown }> {
  const visible = visibleQuestionIds(sections, answers);
  return sections.flatMap((s) => s.questions.filter((q) => visible.has(q.id) && isAnswered(answers[q.id])).map((q) => ({ questionId: q.id, value: answers[q.id] })));
}

export function QuestionForm({ sections, answers, onChange, errors, readOnly }: QuestionFormProps) {
  const visible = visibleQuestionIds(sections, answers);
  let number = 0;
  return (
    <Stack gap="lg" data-testid="question-form">
      {sections.map((section) => {
        const shown = section.questions.filter((q) => visible.has(q.id));
        if (shown.length === 0 && !section.title) return null;
        return (
          <Box component="section" key={section.id} aria-labelledby={section.title ? `section-${section.id}` : undefined}>
            <Stack gap="md">
              {section.title && (
                <Title order={2} size="h3" id={`section-${section.id}`}>
                  {section.title}
                </Title>
              )}
              {section.description && <Text style={{ whiteSpace: 'pre-wrap' }}>{section.description}</Text>}
              {shown.map((q) => {
                number += 1;
                return (
                  <Paper key={q.id} withBorder p="md" data-question-id={q.id} data-testid="form-question">
                    <QuestionInput question={q} number={number} value={answers[q.id]} onChange={(v) => onChange(q.id, v)} error={errors?.[q.id]} readOnly={readOnly} />
                  </Paper>
                );
              })}
            </Stack>
          </Box>
        );
      })}
    </Stack>
  );
}

interface InputProps {
  question: FormQuestion;
  value: unknown;
  onChange: (value: unknown) => void;
  error?: string | undefined;
  readOnly?: boolean | undefined;
  /** Shown before the prompt ("3."). */
  number?: number | undefined;
}

function Prompt({ question, number }: { question: FormQuestion; number?: number | undefined }) {
  const { t } = useTranslation();
  return (
    <>
      {number !== undefined && <span>{number}. </span>}
      {question.prompt}
      {question.required && (
        <Text span c="red.9" ml={4}>
          <span aria-hidden>*</span>
          <VisuallyHidden>{t('questionnaires.form.required')}</VisuallyHidden>
        </Text>
      )}
    </>
  );
}

/** A group of controls under one legend (choices, scales, matrices, rankings). */
function Group_({ question, number, error, children, hint }: { question: FormQuestion; number?: number | undefined; error?: string | undefined; children: ReactNode; hint?: string }) {
  const helpId = `q-${question.id}-help`;
  const errorId = `q-${question.id}-error`;
  const described = [question.help ? helpId : null, hint ? `${helpId}-hint` : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <fieldset style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }} aria-describedby={described} aria-invalid={error ? true : undefined}>
      <legend style={{ padding: 0, marginBottom: 'var(--mantine-spacing-xs)', fontWeight: 600 }}>
        <Prompt question={question} number={number} />
      </legend>
      {question.help && (
        <Text size="sm" c="gray.8" id={helpId} mb="xs">
          {question.help}
        </Text>
      )}
      {hint && (
        <Text size="sm" c="gray.8" id={`${helpId}-hint`} mb="xs">
          {hint}
        </Text>
      )}
      {children}
      {error && (
        <Text size="sm" c="red.9" id={errorId} mt="xs" role="alert">
          {error}
        </Text>
      )}
    </fieldset>
  );
}

/** Text, number and date prompts look like the legends of grouped questions. */
const promptLabelProps = { style: { fontSize: 'var(--mantine-font-size-md)', fontWeight: 600, marginBottom: 4 } };

const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

/** One question's input, by type. */
export function QuestionInput({ question: q, value, onChange, error, readOnly, number }: InputProps) {
  const { t } = useTranslation();
  const name = `q-${q.id}`;
  const inputDescription = q.help || undefined;
  const label = <Prompt question={q} number={number} />;

  switch (q.type) {
    case 'single':
      return (
        <Group_ question={q} number={number} error={error}>
          <Stack gap="xs">
            {q.options.map((o) => (
              <Radio key={o.id} name={name} value={o.id} label={o.label} checked={value === o.id} disabled={readOnly} onChange={() => onChange(o.id)} />
            ))}
            {!q.required && typeof value === 'string' && !readOnly && (
              <Group>
                <Button variant="default" size="compact-sm" onClick={() => onChange(null)}>
                  {t('questionnaires.form.clear')}
                </Button>
              </Group>
            )}
          </Stack>
        </Group_>
      );
    case 'multiple': {
      const chosen = Array.isArray(value) ? (value as string[]) : [];
      return (
        <Group_ question={q} number={number} error={error} hint={t('questionnaires.form.severalAnswers')}>
          <Stack gap="xs">
            {q.options.map((o) => (
              <Checkbox
                key={o.id}
                name={name}
                label={o.label}
                checked={chosen.includes(o.id)}
                disabled={readOnly}
                onChange={(e) => {
                  const on = e.currentTarget.checked;
                  // Keep the options' order, whatever the clicking order.
                  onChange(q.options.map((x) => x.id).filter((id) => (id === o.id ? on : chosen.includes(id))));
                }}
              />
            ))}
          </Stack>
        </Group_>
      );
    }
    case 'rating':
    case 'nps': {
      const min = q.type === 'nps' ? 0 : (num(q.settings.min) ?? 1);
      const max = q.type === 'nps' ? 10 : (num(q.settings.max) ?? 5);
      const values = Array.from({ length: Math.max(0, max - min + 1) }, (_, i) => min + i);
      const hint = q.type === 'nps' ? t('questionnaires.form.npsHint') : t('questionnaires.form.ratingHint', { min, max });
      return (
        <Group_ question={q} number={number} error={error} hint={hint}>
          <Group gap={6} wrap="wrap">
            {values.map((v) => (
              <ScaleChoice key={v} name={name} value={v} checked={value === v} disabled={readOnly} onSelect={() => onChange(v)} />
            ))}
          </Group>
        </Group_>
      );
    }
    case 'likert': {
      const rows = Array.isArray(q.settings.rows) ? (q.settings.rows as Array<{ id: string; label: string }>) : [];
      const current = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string>) : {};
      return (
        <Group_ question={q} number={number} error={error}>
          <Stack gap="md">
            {rows.map((row) => (
              <fieldset key={row.id} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
                <legend style={{ padding: 0, marginBottom: 4 }}>{row.label}</legend>
                <Group gap="md" wrap="wrap">
                  {q.options.map((o) => (
                    <Radio
                      key={o.id}
                      name={`${name}-${row.id}`}
                      value={o.id}
                      label={o.label}
                      checked={current[row.id] === o.id}
                      disabled={readOnly}
                      onChange={() => onChange({ ...current, [row.id]: o.id })}
                    />
                  ))}
                </Group>
              </fieldset>
            ))}
          </Stack>
        </Group_>
      );
    }
    case 'ranking':
      return <RankingInput question={q} number={number} value={value} onChange={onChange} error={error} readOnly={readOnly} />;
    case 'short_text':
      return (
        <TextInput
          id={name}
          label={label}
          labelProps={promptLabelProps}
          description={inputDescription}
          error={error}
          maxLength={500}
          value={typeof value === 'string' ? value : ''}
          readOnly={readOnly}
          aria-required={q.required || undefined}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case 'long_text':
      return (
        <Textarea
          id={name}
          label={label}
          labelProps={promptLabelProps}
          description={inputDescription}
          error={error}
          maxLength={10_000}
          autosize
          minRows={3}
          value={typeof value === 'string' ? value : ''}
          readOnly={readOnly}
          aria-required={q.required || undefined}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case 'number':
      return (
        <NumberInput
          id={name}
          label={label}
          labelProps={promptLabelProps}
          description={inputDescription}
          error={error}
          min={num(q.settings.min)}
          max={num(q.settings.max)}
          value={typeof value === 'number' ? value : ''}
          readOnly={readOnly}
          aria-required={q.required || undefined}
          decimalSeparator={t('questionnaires.form.decimalSeparator')}
          onChange={(v) => onChange(typeof v === 'number' ? v : v === '' ? null : Number(v))}
          maw={240}
        />
      );
    case 'date':
      return (
        <TextInput
          id={name}
          type="date"
          label={label}
          labelProps={promptLabelProps}
          description={inputDescription}
          error={error}
          value={typeof value === 'string' ? value : ''}
          readOnly={readOnly}
          aria-required={q.required || undefined}
          onChange={(e) => onChange(e.currentTarget.value || null)}
          maw={240}
        />
      );
  }
}

/** One point of a rating or NPS scale: a real radio (keyboard arrows work), drawn as a large tappable box. */
function ScaleChoice({ name, value, checked, disabled, onSelect }: { name: string; value: number; checked: boolean; disabled?: boolean | undefined; onSelect: () => void }) {
  const id = `${name}-v${value}`;
  const [focused, setFocused] = useState(false);
  return (
    <Box component="span" style={{ position: 'relative', display: 'inline-block' }}>
      <input
        type="radio"
        id={id}
        name={name}
        value={value}
        checked={checked}
        disabled={disabled}
        onChange={onSelect}
        onFocus={() => setFocused(true)}
        onBlur={() => setFocused(false)}
        style={{ position: 'absolute', opacity: 0, width: '100%', height: '100%', margin: 0, cursor: disabled ? 'default' : 'pointer' }}
      />
      <Box
        component="label"
        htmlFor={id}
        style={{
          display: 'inline-flex',
          alignItems: 'center',
          justifyContent: 'center',
          minWidth: 44,
          minHeight: 44,
          borderRadius: 'var(--mantine-radius-sm)',
          border: `2px solid ${checked ? 'var(--mantine-color-blue-8)' : 'var(--mantine-color-gray-6)'}`,
          background: checked ? 'var(--mantine-color-blue-8)' : 'var(--mantine-color-white)',
          color: checked ? 'var(--mantine-color-white)' : 'var(--mantine-color-black)',
          fontWeight: 600,
          outline: focused ? '3px solid var(--mantine-color-blue-5)' : undefined,
          outlineOffset: 2,
          cursor: disabled ? 'default' : 'pointer',
        }}
      >
        {value}
      </Box>
    </Box>
  );
}

/**
 * Ranking: the options in a list with "move up" / "move down" buttons (keyboard
 * and screen reader friendly), each move announced. The value is set on the
 * first move or with "keep this order".
 */
function RankingInput({ question: q, number, value, onChange, error, readOnly }: { question: FormQuestion; number?: number | undefined; value: unknown; onChange: (v: unknown) => void; error?: string | undefined; readOnly?: boolean | undefined }) {
  const { t } = useTranslation();
  const [announcement, setAnnouncement] = useState('');
  const ids = q.options.map((o) => o.id);
  const given = Array.isArray(value) && value.length === ids.length ? (value as string[]) : null;
  const order = given ?? ids;
  const labelOf = (id: string) => q.options.find((o) => o.id === id)?.label ?? id;
  const move = (index: number, delta: number) => {
    const next = [...order];
    const [item] = next.splice(index, 1);
    next.splice(index + delta, 0, item!);
    onChange(next);
    setAnnouncement(t('questionnaires.form.rankMoved', { label: labelOf(item!), position: index + delta + 1, total: next.length }));
  };
  return (
    <Group_ question={q} number={number} error={error} hint={t('questionnaires.form.rankingHint')}>
      <Stack gap={6} component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
        {order.map((id, i) => (
          <Group key={id} component="li" gap="xs" wrap="nowrap" p={6} style={{ border: '1px solid var(--mantine-color-gray-4)', borderRadius: 'var(--mantine-radius-sm)' }}>
            <Text fw={700} w={28} ta="right" aria-hidden>
              {i + 1}.
            </Text>
            <Text style={{ flex: 1, minWidth: 0, overflowWrap: 'anywhere' }}>
              <VisuallyHidden>{t('questionnaires.form.rankPosition', { position: i + 1 })} </VisuallyHidden>
              {labelOf(id)}
            </Text>
            {!readOnly && (
              <Group gap={4} wrap="nowrap">
                <ActionIcon variant="default" size={40} disabled={i === 0} aria-label={t('questionnaires.form.moveUp', { label: labelOf(id) })} onClick={() => move(i, -1)}>
                  <span aria-hidden>↑</span>
                </ActionIcon>
                <ActionIcon variant="default" size={40} disabled={i === order.length - 1} aria-label={t('questionnaires.form.moveDown', { label: labelOf(id) })} onClick={() => move(i, 1)}>
                  <span aria-hidden>↓</span>
                </ActionIcon>
              </Group>
            )}
          </Group>
        ))}
      </Stack>
      {!readOnly && !given && (
        <Button mt="xs" variant="default" size="compact-sm" onClick={() => onChange([...ids])}>
          {t('questionnaires.form.keepOrder')}
        </Button>
      )}
      <VisuallyHidden role="status" aria-live="polite">
        {announcement}
      </VisuallyHidden>
    </Group_>
  );
}
