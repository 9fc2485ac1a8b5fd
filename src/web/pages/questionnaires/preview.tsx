import { Alert, Anchor, Badge, Button, Group, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../../api/client.ts';
import type { RespondentView } from '../../api/types.ts';
import { Page } from '../../components/page.tsx';
import { LoadState } from '../../components/states.tsx';
import { useApi } from '../../lib/use-api.ts';
import { type Answers, missingRequired, QuestionForm, visibleQuestionIds } from './question-form.tsx';

/**
 * "Preview as a learner": the questionnaire exactly as the respondent page shows
 * it (the preview endpoint gives away no correct answer), conditions evaluated
 * live as answers change; nothing is saved.
 */
export function QuestionnairePreviewPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const state = useApi((signal) => api.get<RespondentView>(`/questionnaires/${id}/preview`, undefined, signal), [id]);
  return (
    <Page title={state.data ? t('questionnaires.preview.title', { title: state.data.questionnaire.title }) : t('questionnaires.preview.titleShort')}>
      <Group gap="md">
        <Anchor component={Link} to={`/questionnaires/${id}/edit`} size="sm">
          ← {t('questionnaires.preview.back')}
        </Anchor>
      </Group>
      <LoadState state={state}>{(view) => <Preview key={view.questionnaire.id} view={view} />}</LoadState>
    </Page>
  );
}

function Preview({ view }: { view: RespondentView }) {
  const { t } = useTranslation();
  const [answers, setAnswers] = useState<Answers>({});
  const [checked, setChecked] = useState<string[] | null>(null);
  const total = view.sections.reduce((n, s) => n + s.questions.length, 0);
  const shown = visibleQuestionIds(view.sections, answers).size;
  const errors = Object.fromEntries((checked ?? []).map((qid) => [qid, t('questionnaires.preview.requiredMissing')]));
  return (
    <Stack gap="md" maw={760}>
      <Alert color="blue.9" variant="outline" title={t('questionnaires.preview.bannerTitle')}>
        {t('questionnaires.preview.banner')}
      </Alert>
      <Group gap="xs">
        {view.questionnaire.anonymous && <Badge>{t('questionnaires.fields.anonymousShort')}</Badge>}
        <Text size="sm" role="status" aria-live="polite" data-testid="preview-visible-count">
          {t('questionnaires.preview.visible', { shown, total })}
        </Text>
      </Group>
      {view.questionnaire.description && <Text style={{ whiteSpace: 'pre-wrap' }}>{view.questionnaire.description}</Text>}
      <QuestionForm
        sections={view.sections}
        answers={answers}
        errors={errors}
        onChange={(questionId, value) => {
          setAnswers((cur) => ({ ...cur, [questionId]: value }));
          setChecked((cur) => (cur ? cur.filter((x) => x !== questionId) : cur));
        }}
      />
      <Group>
        <Button onClick={() => setChecked(missingRequired(view.sections, answers))}>{t('questionnaires.preview.check')}</Button>
        <Button
          variant="default"
          onClick={() => {
            setAnswers({});
            setChecked(null);
          }}
        >
          {t('questionnaires.preview.reset')}
        </Button>
      </Group>
      {checked && (
        <Text role="status" c={checked.length ? 'red.9' : 'teal.9'} data-testid="preview-check">
          {checked.length ? t('questionnaires.preview.missing', { count: checked.length }) : t('questionnaires.preview.complete')}
        </Text>
      )}
    </Stack>
  );
}
