import { ActionIcon, Alert, Anchor, Badge, Box, Button, Group, List, NumberInput, Paper, Select, Stack, Switch, Text, Textarea, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { type DragEvent, type FormEvent, Fragment, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { api, ApiError } from '../../api/client.ts';
import { QUESTION_TYPES, QUESTIONNAIRE_KINDS, type Question, type QuestionBankList, type QuestionInput, type Questionnaire, type QuestionnaireKind, type QuestionnaireSection, type QuestionType } from '../../api/types.ts';
import { Page } from '../../components/page.tsx';
import { ErrorAlert, LoadState } from '../../components/states.tsx';
import { formatDateTime } from '../../lib/dates.ts';
import { bodyFieldError, errorMessage, problemItemMessage } from '../../lib/errors.ts';
import { useSignedIn } from '../../lib/session.tsx';
import { useApi } from '../../lib/use-api.ts';
import { type EarlierQuestion, QuestionEditor } from './builder-question.tsx';
import { DistributionsPanel, ZonedDateTimeInput } from './distributions.tsx';
import { ExportMenu, ImportDialog, STATUS_COLOR } from './list.tsx';

const QUIZ_KINDS = new Set<QuestionnaireKind>(['quiz', 'positioning']);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The builder: settings, sections, questions (edit, reorder by drag or keyboard, conditions), publish, distribution. */
export function QuestionnaireBuilderPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const state = useApi((signal) => api.get<Questionnaire>(`/questionnaires/${id}`, undefined, signal), [id]);
  return (
    <Page title={state.data?.title ?? t('questionnaires.builder.title')}>
      <Anchor component={Link} to="/questionnaires" size="sm">
        ← {t('questionnaires.builder.back')}
      </Anchor>
      <LoadState state={state}>{(q) => <Builder key={q.id} initial={q} />}</LoadState>
    </Page>
  );
}

function Builder({ initial }: { initial: Questionnaire }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [q, setQ] = useState(initial);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [publishProblems, setPublishProblems] = useState<ApiError | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  const [adding, setAdding] = useState<{ sectionId: string; type: QuestionType } | null>(null);
  const [importing, setImporting] = useState(false);
  const focusAfter = useRef<string | null>(null);
  const orderQueue = useRef<Promise<unknown>>(Promise.resolve());
  const draft = q.status === 'draft';
  const quiz = QUIZ_KINDS.has(q.kind);

  const flat = q.sections.flatMap((s) => s.questions);
  const numberOf = new Map(flat.map((x, i) => [x.id, i + 1]));

  useEffect(() => {
    if (!focusAfter.current) return;
    const el = document.getElementById(focusAfter.current);
    focusAfter.current = null;
    el?.focus();
  }, [q]);

  async function refresh() {
    setQ(await api.get<Questionnaire>(`/questionnaires/${q.id}`));
  }

  async function act(name: string, fn: () => Promise<void>) {
    setBusy(name);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  async function publish() {
    setBusy('publish');
    setError(null);
    setPublishProblems(null);
    try {
      setQ(await api.post<Questionnaire>(`/questionnaires/${q.id}/publish`));
      setAnnouncement(t('questionnaires.builder.published'));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'questionnaire_invalid') setPublishProblems(err);
      else setError(err);
    } finally {
      setBusy(null);
    }
  }

  /** Sends the new order; the page shows it at once and comes back to the server's on failure. */
  async function sendOrder(sections: QuestionnaireSection[], moved: Question, focusId: string | null) {
    const before = q;
    const position = sections.flatMap((s) => s.questions).findIndex((x) => x.id === moved.id) + 1;
    setQ({ ...q, sections });
    focusAfter.current = focusId;
    setAnnouncement('');
    setError(null);
    try {
      // Moves are saved one after the other, in the order they were made.
      const body = { sections: sections.map((s) => ({ id: s.id, questionIds: s.questions.map((x) => x.id) })) };
      const request = orderQueue.current.then(() => api.put<Questionnaire>(`/questionnaires/${q.id}/order`, body));
      orderQueue.current = request.catch(() => undefined);
      const saved = await request;
      focusAfter.current = focusId;
      setQ(saved);
      // Announced once saved: what the screen reader hears is what the server holds.
      setAnnouncement(t('questionnaires.builder.movedTo', { prompt: moved.prompt.slice(0, 80), position, total: flat.length }));
    } catch (err) {
      setQ(before);
      setError(err);
      setAnnouncement(errorMessage(err, t));
    }
  }

  /** Moves a question one place up or down; across a section boundary it goes to the end / start of the neighbouring section. */
  function move(questionId: string, delta: -1 | 1) {
    const sections = q.sections.map((s) => ({ ...s, questions: [...s.questions] }));
    const si = sections.findIndex((s) => s.questions.some((x) => x.id === questionId));
    if (si < 0) return;
    const list = sections[si]!.questions;
    const qi = list.findIndex((x) => x.id === questionId);
    const [item] = list.splice(qi, 1);
    if (qi + delta >= 0 && qi + delta <= list.length && !(delta === 1 && qi === list.length)) list.splice(qi + delta, 0, item!);
    else if (delta === -1 && si > 0) sections[si - 1]!.questions.push(item!);
    else if (delta === 1 && si < sections.length - 1) sections[si + 1]!.questions.unshift(item!);
    else return;
    const focusId = `${delta === -1 ? 'move-up' : 'move-down'}-${questionId}`;
    void sendOrder(sections, item!, focusId);
  }

  /** Drag and drop: the dragged question goes before the target question (or at the end of the target section). */
  function drop(draggedId: string, target: { sectionId: string; beforeId: string | null }) {
    if (draggedId === target.beforeId) return;
    const sections = q.sections.map((s) => ({ ...s, questions: s.questions.filter((x) => x.id !== draggedId) }));
    const item = flat.find((x) => x.id === draggedId);
    const section = sections.find((s) => s.id === target.sectionId);
    if (!item || !section) return;
    const at = target.beforeId ? section.questions.findIndex((x) => x.id === target.beforeId) : section.questions.length;
    section.questions.splice(at < 0 ? section.questions.length : at, 0, item);
    void sendOrder(sections, item, `drag-${draggedId}`);
  }

  const problemsByQuestion = new Map<string, string[]>();
  for (const p of publishProblems?.errors ?? []) {
    const m = p.path?.match(UUID);
    if (m) problemsByQuestion.set(m[0], [...(problemsByQuestion.get(m[0]) ?? []), problemItemMessage(p, t)]);
  }

  return (
    <Stack gap="md">
      <VisuallyHidden role="status" aria-live="polite" data-testid="builder-announcer">
        {announcement}
      </VisuallyHidden>
      <Group justify="space-between" wrap="wrap">
        <Group gap="xs">
          <Badge color={STATUS_COLOR[q.status]} size="lg" data-testid="questionnaire-status">
            {t(`questionnaires.statuses.${q.status}`)}
          </Badge>
          <Badge variant="outline" color="gray.8">
            {t(`questionnaires.kinds.${q.kind}`)}
          </Badge>
          <Text size="sm">{t('questionnaires.list.version', { version: q.version })}</Text>
        </Group>
        <Group gap="xs" wrap="wrap">
          <Button component={Link} to={`/questionnaires/${q.id}/preview`} variant="default">
            {t('questionnaires.builder.preview')}
          </Button>
          {q.status !== 'draft' && (
            <Button component={Link} to={`/questionnaires/${q.id}/results`} variant="default">
              {t('questionnaires.list.results')}
            </Button>
          )}
          {quiz && draft && (
            <Button variant="default" onClick={() => setImporting(true)}>
              {t('questionnaires.builder.importInto')}
            </Button>
          )}
          {quiz && <ExportMenu questionnaire={q} size="sm" />}
          {draft && (
            <Button onClick={() => void publish()} loading={busy === 'publish'}>
              {t('questionnaires.builder.publish')}
            </Button>
          )}
          {q.status === 'published' && (
            <Button variant="outline" color="red.9" loading={busy === 'close'} onClick={() => void act('close', async () => setQ(await api.post<Questionnaire>(`/questionnaires/${q.id}/close`)))}>
              {t('questionnaires.builder.close')}
            </Button>
          )}
          {!draft && (
            <Button
              variant="default"
              loading={busy === 'duplicate'}
              onClick={() =>
                void act('duplicate', async () => {
                  const copy = await api.post<Questionnaire>(`/questionnaires/${q.id}/duplicate`);
                  navigate(`/questionnaires/${copy.id}/edit`);
                })
              }
            >
              {t('questionnaires.builder.newVersion')}
            </Button>
          )}
        </Group>
      </Group>
      {!draft && (
        <Alert color="blue.9" variant="outline">
          {t('questionnaires.builder.frozen')}
        </Alert>
      )}
      <ErrorAlert error={error} />
      {publishProblems && (
        <Alert color="red" variant="light" title={t('questionnaires.builder.cannotPublish', { count: publishProblems.errors.length })} role="alert" data-testid="publish-problems">
          <List size="sm">
            {publishProblems.errors.map((p, i) => {
              const qid = p.path?.match(UUID)?.[0];
              const n = qid ? numberOf.get(qid) : undefined;
              return (
                <List.Item key={i}>
                  {n ? (
                    <Anchor href={`#question-${qid}`} c="red.9" underline="always">{t('questionnaires.builder.questionN', { n })}</Anchor>
                  ) : (
                    p.path
                  )}{' '}
                  — {problemItemMessage(p, t)}
                </List.Item>
              );
            })}
          </List>
        </Alert>
      )}

      <SettingsForm q={q} onSaved={setQ} editable={draft} />

      <Stack gap="md" component="section" aria-labelledby="questions-title">
        <Title order={2} size="h3" id="questions-title">
          {t('questionnaires.builder.questions', { count: flat.length })}
        </Title>
        {draft && (
          <Text size="sm" c="gray.8" id="reorder-help">
            {t('questionnaires.builder.reorderHelp')}
          </Text>
        )}
        {q.sections.map((section, si) => (
          <SectionCard
            key={section.id}
            q={q}
            section={section}
            index={si}
            draft={draft}
            onChanged={refresh}
            onError={setError}
            onDropAtEnd={(dragged) => drop(dragged, { sectionId: section.id, beforeId: null })}
          >
            {section.questions.map((question) => {
              const n = numberOf.get(question.id)!;
              const earlier: EarlierQuestion[] = flat.slice(0, n - 1).map((x, i) => ({ id: x.id, number: i + 1, prompt: x.prompt, type: x.type, options: x.options }));
              return (
                <QuestionRow
                  key={question.id}
                  question={question}
                  number={n}
                  total={flat.length}
                  draft={draft}
                  quiz={quiz}
                  problems={problemsByQuestion.get(question.id) ?? []}
                  conditionText={question.displayIf ? describeCondition(question.displayIf, flat, numberOf, t) : null}
                  editing={editing === question.id}
                  onEdit={() => setEditing(editing === question.id ? null : question.id)}
                  onMove={(delta) => move(question.id, delta)}
                  onDrop={(dragged) => drop(dragged, { sectionId: section.id, beforeId: question.id })}
                  onDelete={() =>
                    act(`delete-${question.id}`, async () => {
                      await api.delete(`/questions/${question.id}`);
                      setAnnouncement(t('questionnaires.builder.deleted'));
                      await refresh();
                    })
                  }
                  editor={
                    <QuestionEditor
                      idPrefix={`edit-${question.id}`}
                      question={question}
                      quiz={quiz}
                      earlier={earlier}
                      onCancel={() => setEditing(null)}
                      onSave={async (body) => {
                        await api.patch<Question>(`/questions/${question.id}`, body);
                        setEditing(null);
                        setPublishProblems(null);
                        setAnnouncement(t('questionnaires.builder.questionSaved'));
                        focusAfter.current = `edit-${question.id}`;
                        await refresh();
                      }}
                    />
                  }
                />
              );
            })}
            {draft && adding?.sectionId === section.id && (
              <QuestionEditor
                idPrefix={`new-${section.id}`}
                question={null}
                newType={adding.type}
                quiz={quiz}
                earlier={flat.slice(0, flat.indexOf(section.questions[section.questions.length - 1]!) + 1).map((x, i) => ({ id: x.id, number: i + 1, prompt: x.prompt, type: x.type, options: x.options }))}
                onCancel={() => setAdding(null)}
                onSave={async (body: QuestionInput) => {
                  await api.post<Question>(`/questionnaire-sections/${section.id}/questions`, body);
                  setAdding(null);
                  setPublishProblems(null);
                  setAnnouncement(t('questionnaires.builder.questionAdded'));
                  await refresh();
                }}
              />
            )}
            {draft && adding?.sectionId !== section.id && <AddQuestion sectionId={section.id} onAdd={(type) => setAdding({ sectionId: section.id, type })} />}
          </SectionCard>
        ))}
        {draft && (
          <Group>
            <Button
              variant="default"
              loading={busy === 'section'}
              onClick={() =>
                void act('section', async () => {
                  await api.post(`/questionnaires/${q.id}/sections`, { title: t('questionnaires.builder.sectionN', { n: q.sections.length + 1 }) });
                  await refresh();
                })
              }
            >
              {t('questionnaires.builder.addSection')}
            </Button>
          </Group>
        )}
      </Stack>

      <DistributionsPanel questionnaire={q} />
      {importing && (
        <ImportDialog
          into={q}
          onClose={() => setImporting(false)}
          onCreated={(updated) => {
            setImporting(false);
            setPublishProblems(null);
            setQ(updated);
            setAnnouncement(t('questionnaires.builder.imported'));
          }}
        />
      )}
    </Stack>
  );
}

function describeCondition(cond: NonNullable<Question['displayIf']>, flat: readonly Question[], numberOf: Map<string, number>, t: (k: string, o?: Record<string, unknown>) => string): string {
  const ref = flat.find((x) => x.id === cond.questionId);
  const value = cond.value === undefined || cond.value === null ? '' : String(cond.value);
  const label = ref?.options.find((o) => o.id === value)?.label ?? value;
  const n = numberOf.get(cond.questionId) ?? '?';
  if (cond.operator === 'answered') return t('questionnaires.builder.shownWhenAnswered', { n });
  return t('questionnaires.builder.shownWhen', { n, operator: t(`questionnaires.operators.${cond.operator}`), value: label });
}

function AddQuestion({ sectionId, onAdd }: { sectionId: string; onAdd: (type: QuestionType) => void }) {
  const { t } = useTranslation();
  const [type, setType] = useState<QuestionType>('single');
  return (
    <Group align="flex-end" wrap="wrap" gap="xs">
      <Select
        label={t('questionnaires.builder.newQuestionType')}
        id={`add-type-${sectionId}`}
        data={QUESTION_TYPES.map((x) => ({ value: x, label: t(`questionnaires.types.${x}`) }))}
        value={type}
        allowDeselect={false}
        onChange={(v) => v && setType(v as QuestionType)}
        w={240}
      />
      <Button variant="default" onClick={() => onAdd(type)}>
        {t('questionnaires.builder.addQuestion')}
      </Button>
    </Group>
  );
}

function QuestionRow({
  question,
  number,
  total,
  draft,
  quiz,
  problems,
  conditionText,
  editing,
  onEdit,
  onMove,
  onDrop,
  onDelete,
  editor,
}: {
  question: Question;
  number: number;
  total: number;
  draft: boolean;
  quiz: boolean;
  problems: string[];
  conditionText: string | null;
  editing: boolean;
  onEdit: () => void;
  onMove: (delta: -1 | 1) => void;
  onDrop: (draggedId: string) => void;
  onDelete: () => Promise<void>;
  editor: React.ReactNode;
}) {
  const { t } = useTranslation();
  const [over, setOver] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const short = question.prompt.length > 60 ? `${question.prompt.slice(0, 60)}…` : question.prompt;
  const correct = question.options.filter((o) => o.correct).map((o) => o.label);
  return (
    <Paper
      withBorder
      p="sm"
      id={`question-${question.id}`}
      data-testid="builder-question"
      data-question-id={question.id}
      style={{ borderColor: problems.length ? 'var(--mantine-color-red-8)' : over ? 'var(--mantine-color-blue-8)' : undefined, borderWidth: over || problems.length ? 2 : undefined }}
      onDragOver={(e: DragEvent) => {
        if (!draft || !e.dataTransfer.types.includes('application/x-emarge-question')) return;
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e: DragEvent) => {
        setOver(false);
        const dragged = e.dataTransfer.getData('application/x-emarge-question');
        if (dragged) {
          e.preventDefault();
          onDrop(dragged);
        }
      }}
    >
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
          <Group gap="xs" wrap="nowrap" align="flex-start" style={{ minWidth: 0, flex: 1 }}>
            {draft && (
              <ActionIcon
                id={`drag-${question.id}`}
                variant="default"
                color="gray.8"
                size={36}
                draggable
                onDragStart={(e: DragEvent) => {
                  e.dataTransfer.setData('application/x-emarge-question', question.id);
                  e.dataTransfer.effectAllowed = 'move';
                  const card = document.getElementById(`question-${question.id}`);
                  if (card) e.dataTransfer.setDragImage(card, 16, 16);
                }}
                onKeyDown={(e) => {
                  // The drag handle also works from the keyboard: arrows move the question.
                  if (e.key === 'ArrowUp' && number > 1) {
                    e.preventDefault();
                    onMove(-1);
                  } else if (e.key === 'ArrowDown' && number < total) {
                    e.preventDefault();
                    onMove(1);
                  }
                }}
                aria-label={t('questionnaires.builder.dragHandle', { n: number })}
                aria-describedby="reorder-help"
                style={{ cursor: 'grab' }}
                data-testid="drag-handle"
              >
                <span aria-hidden>⠿</span>
              </ActionIcon>
            )}
            <Stack gap={4} style={{ minWidth: 0 }}>
              <Text fw={600} style={{ overflowWrap: 'anywhere' }}>
                {number}. {question.prompt}
              </Text>
              <Group gap={6} wrap="wrap">
                <Badge color="blue.9">
                  {t(`questionnaires.types.${question.type}`)}
                </Badge>
                {question.required && (
                  <Badge variant="outline" color="gray.8">
                    {t('questionnaires.editor.required')}
                  </Badge>
                )}
                {quiz && question.points > 0 && (
                  <Badge variant="outline" color="teal.9">
                    {t('questionnaires.builder.points', { count: question.points })}
                  </Badge>
                )}
                {question.skills.map((s) => (
                  <Badge key={s} variant="dot" color="grape.9" data-testid="skill-badge">
                    {s}
                  </Badge>
                ))}
              </Group>
              {question.options.length > 0 && (
                <Text size="sm" c="gray.8" style={{ overflowWrap: 'anywhere' }}>
                  {question.options.map((o) => o.label).join(' · ')}
                </Text>
              )}
              {quiz && correct.length > 0 && (
                <Text size="sm" c="teal.9">
                  {t('questionnaires.builder.correctIs', { labels: correct.join(', ') })}
                </Text>
              )}
              {conditionText && (
                <Text size="sm" c="violet.9" data-testid="condition-text">
                  {conditionText}
                </Text>
              )}
              {problems.map((p) => (
                <Text key={p} size="sm" c="red.9" role="note">
                  {p}
                </Text>
              ))}
            </Stack>
          </Group>
          {draft && (
            <Group gap={4} wrap="wrap" justify="flex-end" style={{ flexShrink: 0, maxWidth: 200 }}>
              <ActionIcon id={`move-up-${question.id}`} variant="default" size={36} disabled={number === 1} onClick={() => onMove(-1)} aria-label={t('questionnaires.builder.moveUp', { n: number, prompt: short })}>
                <span aria-hidden>↑</span>
              </ActionIcon>
              <ActionIcon id={`move-down-${question.id}`} variant="default" size={36} disabled={number === total} onClick={() => onMove(1)} aria-label={t('questionnaires.builder.moveDown', { n: number, prompt: short })}>
                <span aria-hidden>↓</span>
              </ActionIcon>
              <Button id={`edit-${question.id}`} size="compact-sm" variant={editing ? 'filled' : 'default'} onClick={onEdit} aria-expanded={editing} aria-label={t('questionnaires.builder.editN', { n: number })}>
                {t('questionnaires.builder.edit')}
              </Button>
              {confirming ? (
                <Button size="compact-sm" color="red.9" onClick={() => void onDelete()}>
                  {t('questionnaires.builder.confirmDelete')}
                </Button>
              ) : (
                <Button size="compact-sm" variant="outline" color="red.9" onClick={() => setConfirming(true)} aria-label={t('questionnaires.builder.deleteN', { n: number })}>
                  {t('questionnaires.editor.remove')}
                </Button>
              )}
            </Group>
          )}
        </Group>
        {editing && editor}
      </Stack>
    </Paper>
  );
}

function SectionCard({
  q,
  section,
  index,
  draft,
  onChanged,
  onError,
  onDropAtEnd,
  children,
}: {
  q: Questionnaire;
  section: QuestionnaireSection;
  index: number;
  draft: boolean;
  onChanged: () => Promise<void>;
  onError: (e: unknown) => void;
  onDropAtEnd: (draggedId: string) => void;
  children: React.ReactNode;
}) {
  const { t } = useTranslation();
  const [title, setTitle] = useState(section.title);
  const [description, setDescription] = useState(section.description);
  const [drawOn, setDrawOn] = useState(section.draw !== null);
  const [bankId, setBankId] = useState<string | null>(section.draw?.bankId ?? null);
  const [count, setCount] = useState<number | string>(section.draw?.count ?? 5);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const banks = useApi((signal) => (draft || section.draw ? api.get<QuestionBankList>('/question-banks', undefined, signal) : Promise.resolve({ items: [] } as QuestionBankList)), [draft]);
  const headingId = `section-title-${section.id}`;

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await api.patch(`/questionnaire-sections/${section.id}`, { title: title.trim(), description, draw: drawOn && bankId ? { bankId, count: Number(count) || 1 } : null });
      setSaved(true);
      await onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const bank = banks.data?.items.find((b) => b.id === (section.draw?.bankId ?? bankId));
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={headingId} data-testid="builder-section" shadow="xs">
      <Stack gap="sm">
        <Title order={3} size="h4" id={headingId}>
          {section.title || t('questionnaires.builder.sectionN', { n: index + 1 })}
        </Title>
        {draft ? (
          <form onSubmit={save} noValidate>
            <Stack gap="xs">
              <ErrorAlert error={error} />
              {saved && (
                <Text c="teal.9" size="sm" role="status">
                  {t('common.saved')}
                </Text>
              )}
              <Group grow align="flex-start" wrap="wrap">
                <TextInput label={t('questionnaires.builder.sectionTitle')} value={title} maxLength={300} onChange={(e) => setTitle(e.currentTarget.value)} error={bodyFieldError(error, 'title', t)} miw={220} />
                <Textarea label={t('questionnaires.builder.sectionDescription')} value={description} maxLength={5000} autosize minRows={1} onChange={(e) => setDescription(e.currentTarget.value)} miw={220} />
              </Group>
              <Switch label={t('questionnaires.builder.drawOn')} description={t('questionnaires.builder.drawHelp')} checked={drawOn} onChange={(e) => setDrawOn(e.currentTarget.checked)} />
              {drawOn && (
                <Group align="flex-start" wrap="wrap">
                  <Select
                    label={t('questionnaires.builder.bank')}
                    data={(banks.data?.items ?? []).map((b) => ({ value: b.id, label: t('questionnaires.builder.bankOption', { title: b.title, count: b.questionCount }) }))}
                    value={bankId}
                    onChange={setBankId}
                    placeholder={banks.data?.items.length === 0 ? t('questionnaires.builder.noBanks') : undefined}
                    error={bodyFieldError(error, 'draw.bankId', t) ?? bodyFieldError(error, 'draw', t)}
                    miw={260}
                  />
                  <NumberInput label={t('questionnaires.builder.drawCount')} min={1} max={200} value={count} onChange={setCount} error={bodyFieldError(error, 'draw.count', t)} w={160} />
                  <Anchor component={Link} to="/questionnaires/banks" size="sm" mt={30}>
                    {t('questionnaires.builder.manageBanks')}
                  </Anchor>
                </Group>
              )}
              <Group gap="xs">
                <Button type="submit" size="xs" variant="default" loading={busy}>
                  {t('questionnaires.builder.saveSection')}
                </Button>
                {q.sections.length > 1 &&
                  (confirming ? (
                    <Button
                      size="xs"
                      color="red.9"
                      onClick={async () => {
                        try {
                          await api.delete(`/questionnaire-sections/${section.id}`);
                          await onChanged();
                        } catch (err) {
                          onError(err);
                        }
                      }}
                    >
                      {t('questionnaires.builder.confirmDeleteSection', { count: section.questions.length })}
                    </Button>
                  ) : (
                    <Button size="xs" variant="outline" color="red.9" onClick={() => setConfirming(true)}>
                      {t('questionnaires.builder.deleteSection')}
                    </Button>
                  ))}
              </Group>
            </Stack>
          </form>
        ) : (
          section.description && <Text size="sm">{section.description}</Text>
        )}
        {section.draw && (
          <Text size="sm" c="grape.9" data-testid="draw-rule">
            {t('questionnaires.builder.drawRule', { count: section.draw.count, title: bank?.title ?? '…' })}
          </Text>
        )}
        {children}
        {draft && (
          <div
            onDragOver={(e) => {
              if (e.dataTransfer.types.includes('application/x-emarge-question')) e.preventDefault();
            }}
            onDrop={(e) => {
              const dragged = e.dataTransfer.getData('application/x-emarge-question');
              if (dragged) {
                e.preventDefault();
                onDropAtEnd(dragged);
              }
            }}
            style={{ border: '1px dashed var(--mantine-color-gray-5)', borderRadius: 4, padding: 6, textAlign: 'center' }}
            data-testid="section-drop-zone"
          >
            <Text size="xs" c="gray.8">
              {t('questionnaires.builder.dropHere')}
            </Text>
          </div>
        )}
      </Stack>
    </Paper>
  );
}

/** Title, description and settings (quiz mode, passing score, anonymity, resubmission, closing date). */
function SettingsForm({ q, onSaved, editable }: { q: Questionnaire; onSaved: (q: Questionnaire) => void; editable: boolean }) {
  const { t } = useTranslation();
  const session = useSignedIn();
  const s = q.settings as { passingScore?: number | null; allowResubmission?: boolean; closesAt?: string | null; showFeedback?: boolean };
  const [title, setTitle] = useState(q.title);
  const [description, setDescription] = useState(q.description);
  const [kind, setKind] = useState<QuestionnaireKind>(q.kind);
  const [locale, setLocale] = useState(q.locale);
  const [anonymous, setAnonymous] = useState(q.anonymous);
  const [passingScore, setPassingScore] = useState<number | string>(s.passingScore ?? '');
  const [allowResubmission, setAllowResubmission] = useState(s.allowResubmission ?? false);
  const [showFeedback, setShowFeedback] = useState(s.showFeedback ?? true);
  const [closesAt, setClosesAt] = useState<string | null>(s.closesAt ?? null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const quiz = QUIZ_KINDS.has(kind);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const settings: Record<string, unknown> = { allowResubmission, closesAt };
      if (quiz) Object.assign(settings, { passingScore: passingScore === '' ? null : Number(passingScore), showFeedback });
      onSaved(await api.patch<Questionnaire>(`/questionnaires/${q.id}`, { title: title.trim(), description, kind, locale, anonymous, settings }));
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (!editable) return <SettingsSummary q={q} />;
  return (
    <Paper withBorder p="md" component="form" noValidate onSubmit={submit} aria-labelledby="settings-title">
      <Stack gap="sm">
        <Title order={2} size="h3" id="settings-title">
          {t('questionnaires.builder.settings')}
        </Title>
        <ErrorAlert error={error} />
        {saved && (
          <Text c="teal.9" role="status">
            {t('common.saved')}
          </Text>
        )}
        <fieldset disabled={!editable} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
          <Stack gap="sm">
            <Group grow align="flex-start" wrap="wrap">
              <TextInput label={t('questionnaires.fields.title')} required maxLength={300} value={title} onChange={(e) => setTitle(e.currentTarget.value)} error={bodyFieldError(error, 'title', t)} miw={240} />
              <Select
                label={t('questionnaires.fields.kind')}
                data={QUESTIONNAIRE_KINDS.map((k) => ({ value: k, label: t(`questionnaires.kinds.${k}`) }))}
                value={kind}
                allowDeselect={false}
                onChange={(v) => v && setKind(v as QuestionnaireKind)}
                disabled={!editable}
                error={bodyFieldError(error, 'kind', t)}
                miw={200}
              />
              <Select
                label={t('questionnaires.fields.locale')}
                data={[
                  { value: 'fr', label: t('questionnaires.locales.fr') },
                  { value: 'en', label: t('questionnaires.locales.en') },
                ]}
                value={locale}
                allowDeselect={false}
                onChange={(v) => v && setLocale(v as 'fr' | 'en')}
                disabled={!editable}
                miw={140}
              />
            </Group>
            <Textarea label={t('questionnaires.fields.description')} autosize minRows={2} maxLength={10_000} value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={bodyFieldError(error, 'description', t)} />
            <Group align="flex-start" wrap="wrap" gap="lg">
              {quiz && (
                <NumberInput
                  label={t('questionnaires.fields.passingScore')}
                  description={t('questionnaires.fields.passingScoreHelp')}
                  min={0}
                  max={100}
                  suffix=" %"
                  value={passingScore}
                  onChange={setPassingScore}
                  error={bodyFieldError(error, 'settings.passingScore', t)}
                  w={220}
                />
              )}
              <ZonedDateTimeInput label={t('questionnaires.fields.closesAt')} value={closesAt} onChange={setClosesAt} timeZone={session.organisation.timezone} error={bodyFieldError(error, 'settings.closesAt', t)} />
            </Group>
            <Switch label={t('questionnaires.fields.anonymous')} description={t('questionnaires.fields.anonymousHelp')} checked={anonymous} onChange={(e) => setAnonymous(e.currentTarget.checked)} />
            <Switch label={t('questionnaires.fields.allowResubmission')} description={t('questionnaires.fields.allowResubmissionHelp')} checked={allowResubmission} onChange={(e) => setAllowResubmission(e.currentTarget.checked)} />
            {quiz && <Switch label={t('questionnaires.fields.showFeedback')} checked={showFeedback} onChange={(e) => setShowFeedback(e.currentTarget.checked)} />}
          </Stack>
        </fieldset>
        {editable && (
          <Group>
            <Button type="submit" loading={busy}>
              {t('questionnaires.builder.saveSettings')}
            </Button>
          </Group>
        )}
      </Stack>
    </Paper>
  );
}

/** The settings of a published or closed questionnaire, as text (they no longer change). */
function SettingsSummary({ q }: { q: Questionnaire }) {
  const { t, i18n } = useTranslation();
  const session = useSignedIn();
  const s = q.settings as { passingScore?: number | null; allowResubmission?: boolean; closesAt?: string | null; showFeedback?: boolean };
  const yes = (v: boolean) => (v ? t('questionnaires.builder.yes') : t('questionnaires.builder.no'));
  const rows: Array<[string, string]> = [
    [t('questionnaires.fields.kind'), t(`questionnaires.kinds.${q.kind}`)],
    [t('questionnaires.fields.locale'), t(`questionnaires.locales.${q.locale}`)],
    ...(QUIZ_KINDS.has(q.kind) ? [[t('questionnaires.fields.passingScore'), typeof s.passingScore === 'number' ? `${s.passingScore} %` : '—'] as [string, string]] : []),
    [t('questionnaires.fields.closesAt'), s.closesAt ? formatDateTime(s.closesAt, session.organisation.timezone, i18n.language) : '—'],
    [t('questionnaires.fields.anonymous'), yes(q.anonymous)],
    [t('questionnaires.fields.allowResubmission'), yes(s.allowResubmission ?? false)],
  ];
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="settings-title">
      <Stack gap="xs">
        <Title order={2} size="h3" id="settings-title">
          {t('questionnaires.builder.settings')}
        </Title>
        {q.description && <Text style={{ whiteSpace: 'pre-wrap' }}>{q.description}</Text>}
        <Box component="dl" m={0} style={{ display: 'grid', gridTemplateColumns: 'minmax(0, 40%) minmax(0, 1fr)', columnGap: 16, rowGap: 4 }}>
          {rows.map(([k, v]) => (
            <Fragment key={k}>
              <Text component="dt" fw={600} size="sm">
                {k}
              </Text>
              <Text component="dd" m={0} size="sm">
                {v}
              </Text>
            </Fragment>
          ))}
        </Box>
      </Stack>
    </Paper>
  );
}
