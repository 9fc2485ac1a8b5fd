import { Anchor, Badge, Button, Group, Paper, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client.ts';
import { QUESTION_TYPES, type Question, type QuestionBank, type QuestionBankList, type QuestionType } from '../../api/types.ts';
import { Page } from '../../components/page.tsx';
import { ErrorAlert, LoadState } from '../../components/states.tsx';
import { formatDateTime } from '../../lib/dates.ts';
import { useSignedIn } from '../../lib/session.tsx';
import { useApi } from '../../lib/use-api.ts';
import { QuestionEditor } from './builder-question.tsx';

/** Question banks: pools that quiz sections draw random questions from. */
export function QuestionBanksPage() {
  const { t, i18n } = useTranslation();
  const session = useSignedIn();
  const navigate = useNavigate();
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const state = useApi((signal) => api.get<QuestionBankList>('/question-banks', undefined, signal), []);

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const bank = await api.post<QuestionBank>('/question-banks', { title: title.trim() });
      navigate(`/questionnaires/banks/${bank.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page title={t('questionnaires.banks.title')}>
      <Anchor component={Link} to="/questionnaires" size="sm">
        ← {t('questionnaires.builder.back')}
      </Anchor>
      <Text>{t('questionnaires.banks.intro')}</Text>
      <Paper withBorder p="md" component="form" noValidate onSubmit={create} aria-labelledby="new-bank-title">
        <Stack gap="sm">
          <Title order={2} size="h4" id="new-bank-title">
            {t('questionnaires.banks.new')}
          </Title>
          <ErrorAlert error={error} />
          <Group align="flex-end" wrap="wrap">
            <TextInput label={t('questionnaires.banks.bankTitle')} required maxLength={300} value={title} onChange={(e) => setTitle(e.currentTarget.value)} miw={260} />
            <Button type="submit" loading={busy}>
              {t('common.create')}
            </Button>
          </Group>
        </Stack>
      </Paper>
      <LoadState state={state} isEmpty={(d) => d.items.length === 0} empty={t('questionnaires.banks.empty')}>
        {(data) => (
          <Table.ScrollContainer minWidth={480}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('questionnaires.banks.bankTitle')}</Table.Th>
                  <Table.Th>{t('questionnaires.banks.questions')}</Table.Th>
                  <Table.Th>{t('questionnaires.banks.createdAt')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((b) => (
                  <Table.Tr key={b.id} data-testid="bank-row">
                    <Table.Td>
                      <Anchor component={Link} to={`/questionnaires/banks/${b.id}`}>
                        {b.title}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{b.questionCount}</Table.Td>
                    <Table.Td>{formatDateTime(b.createdAt, session.organisation.timezone, i18n.language)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </LoadState>
    </Page>
  );
}

/** One bank: its questions (edited with the builder's question editor, in quiz mode) and a way to add more. */
export function QuestionBankPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const state = useApi((signal) => api.get<QuestionBank>(`/question-banks/${id}`, undefined, signal), [id]);
  const [editing, setEditing] = useState<string | null>(null);
  const [adding, setAdding] = useState<QuestionType | null>(null);
  const [type, setType] = useState<QuestionType>('single');
  const [error, setError] = useState<unknown>(null);

  return (
    <Page title={state.data?.title ?? t('questionnaires.banks.one')}>
      <Anchor component={Link} to="/questionnaires/banks" size="sm">
        ← {t('questionnaires.banks.back')}
      </Anchor>
      <ErrorAlert error={error} />
      <LoadState state={state}>
        {(bank) => (
          <Stack gap="sm">
            <Text>{t('questionnaires.banks.bankIntro', { count: bank.questions.length })}</Text>
            {bank.questions.map((q: Question, i) => (
              <Paper key={q.id} withBorder p="sm" data-testid="bank-question">
                <Stack gap="xs">
                  <Group justify="space-between" wrap="nowrap" align="flex-start">
                    <Stack gap={4} style={{ minWidth: 0 }}>
                      <Text fw={600} style={{ overflowWrap: 'anywhere' }}>
                        {i + 1}. {q.prompt}
                      </Text>
                      <Group gap={6}>
                        <Badge color="blue.9">{t(`questionnaires.types.${q.type}`)}</Badge>
                        {q.points > 0 && (
                          <Badge variant="outline" color="teal.9">
                            {t('questionnaires.builder.points', { count: q.points })}
                          </Badge>
                        )}
                        {q.skills.map((s) => (
                          <Badge key={s} variant="dot" color="grape.9">
                            {s}
                          </Badge>
                        ))}
                      </Group>
                    </Stack>
                    <Group gap={4} wrap="nowrap">
                      <Button size="compact-sm" variant={editing === q.id ? 'filled' : 'default'} aria-expanded={editing === q.id} onClick={() => setEditing(editing === q.id ? null : q.id)} aria-label={t('questionnaires.builder.editN', { n: i + 1 })}>
                        {t('questionnaires.builder.edit')}
                      </Button>
                      <Button
                        size="compact-sm"
                        variant="outline"
                        color="red.9"
                        aria-label={t('questionnaires.builder.deleteN', { n: i + 1 })}
                        onClick={async () => {
                          setError(null);
                          try {
                            await api.delete(`/questions/${q.id}`);
                            state.reload();
                          } catch (err) {
                            setError(err);
                          }
                        }}
                      >
                        {t('questionnaires.editor.remove')}
                      </Button>
                    </Group>
                  </Group>
                  {editing === q.id && (
                    <QuestionEditor
                      idPrefix={`bank-edit-${q.id}`}
                      question={q}
                      quiz
                      earlier={[]}
                      conditions={false}
                      onCancel={() => setEditing(null)}
                      onSave={async (body) => {
                        await api.patch(`/questions/${q.id}`, { ...body, displayIf: null });
                        setEditing(null);
                        state.reload();
                      }}
                    />
                  )}
                </Stack>
              </Paper>
            ))}
            {adding ? (
              <QuestionEditor
                idPrefix={`bank-new-${bank.id}`}
                question={null}
                newType={adding}
                quiz
                earlier={[]}
                conditions={false}
                onCancel={() => setAdding(null)}
                onSave={async (body) => {
                  await api.post(`/question-banks/${bank.id}/questions`, { ...body, displayIf: null });
                  setAdding(null);
                  state.reload();
                }}
              />
            ) : (
              <Group align="flex-end" wrap="wrap" gap="xs">
                <Select label={t('questionnaires.builder.newQuestionType')} data={QUESTION_TYPES.map((x) => ({ value: x, label: t(`questionnaires.types.${x}`) }))} value={type} allowDeselect={false} onChange={(v) => v && setType(v as QuestionType)} w={240} />
                <Button variant="default" onClick={() => setAdding(type)}>
                  {t('questionnaires.builder.addQuestion')}
                </Button>
              </Group>
            )}
          </Stack>
        )}
      </LoadState>
    </Page>
  );
}
