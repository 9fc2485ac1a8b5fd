import { Anchor, Badge, Button, Card, Group, Menu, Modal, NumberInput, Paper, SegmentedControl, Select, SimpleGrid, Stack, Table, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { api, ApiError, buildUrl, getAll } from '../../api/client.ts';
import { QUESTIONNAIRE_KINDS, type Questionnaire, type QuestionnaireKind, type QuestionnaireStatus, type QuestionnaireSummary, type QuestionnaireTemplate } from '../../api/types.ts';
import { Page } from '../../components/page.tsx';
import { ErrorAlert, LoadState } from '../../components/states.tsx';
import { bodyFieldError } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/dates.ts';
import { useSignedIn } from '../../lib/session.tsx';
import { useApi } from '../../lib/use-api.ts';

const STATUSES: readonly QuestionnaireStatus[] = ['draft', 'published', 'closed'];
export const STATUS_COLOR: Record<QuestionnaireStatus, string> = { draft: 'gray.8', published: 'teal.9', closed: 'red.9' };
const QUIZ_KINDS = new Set<QuestionnaireKind>(['quiz', 'positioning']);
const currentLocale = (language: string): 'fr' | 'en' => (language.startsWith('en') ? 'en' : 'fr');

/** Where a quiz file can be downloaded: GIFT, Moodle XML, or a QTI 3.0 package. */
export function ExportMenu({ questionnaire, size = 'compact-sm' }: { questionnaire: Pick<QuestionnaireSummary, 'id' | 'title'>; size?: 'compact-sm' | 'sm' }) {
  const { t } = useTranslation();
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Button variant="default" size={size} aria-label={t('questionnaires.list.exportFor', { title: questionnaire.title })}>
          {t('questionnaires.list.export')}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        {(['gift', 'moodle_xml', 'qti'] as const).map((format) => (
          <Menu.Item key={format} component="a" href={buildUrl(`/questionnaires/${questionnaire.id}/export`, { format })} download>
            {t(`questionnaires.formats.${format}`)}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

export function QuestionnairesListPage() {
  const { t, i18n } = useTranslation();
  const session = useSignedIn();
  const navigate = useNavigate();
  const [kind, setKind] = useState<QuestionnaireKind | null>(null);
  const [status, setStatus] = useState<QuestionnaireStatus | null>(null);
  const [dialog, setDialog] = useState<'blank' | 'template' | 'import' | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const state = useApi((signal) => getAll<QuestionnaireSummary>('/questionnaires', { kind: kind ?? undefined, status: status ?? undefined }, 1000, signal), [kind, status]);

  async function duplicate(q: QuestionnaireSummary) {
    setBusyId(q.id);
    setError(null);
    try {
      const copy = await api.post<Questionnaire>(`/questionnaires/${q.id}/duplicate`);
      navigate(`/questionnaires/${copy.id}/edit`);
    } catch (err) {
      setError(err);
    } finally {
      setBusyId(null);
    }
  }

  return (
    <Page
      title={t('questionnaires.list.title')}
      actions={
        <>
          <Button onClick={() => setDialog('template')}>{t('questionnaires.list.fromTemplate')}</Button>
          <Button variant="default" onClick={() => setDialog('blank')}>
            {t('questionnaires.list.newBlank')}
          </Button>
          <Button variant="default" onClick={() => setDialog('import')}>
            {t('questionnaires.list.import')}
          </Button>
          <Button component={Link} to="/questionnaires/banks" variant="default">
            {t('questionnaires.list.banks')}
          </Button>
        </>
      }
    >
      <Text>
        {t('questionnaires.list.intro')}{' '}
        <Anchor component={Link} to="/questionnaires/struggling">
          {t('questionnaires.list.strugglingLink')}
        </Anchor>
      </Text>
      <Group align="flex-end" wrap="wrap">
        <Select
          label={t('questionnaires.list.filterKind')}
          placeholder={t('questionnaires.list.allKinds')}
          data={QUESTIONNAIRE_KINDS.map((k) => ({ value: k, label: t(`questionnaires.kinds.${k}`) }))}
          value={kind}
          onChange={(v) => setKind(v as QuestionnaireKind | null)}
          clearable
          miw={240}
        />
        <Select
          label={t('questionnaires.list.filterStatus')}
          placeholder={t('questionnaires.list.allStatuses')}
          data={STATUSES.map((s) => ({ value: s, label: t(`questionnaires.statuses.${s}`) }))}
          value={status}
          onChange={(v) => setStatus(v as QuestionnaireStatus | null)}
          clearable
          miw={200}
        />
      </Group>
      <ErrorAlert error={error} />
      <LoadState state={state} isEmpty={(d) => d.length === 0} empty={t('questionnaires.list.empty')}>
        {(items) => (
          <Table.ScrollContainer minWidth={760}>
            <Table striped highlightOnHover>
              <Table.Caption>{t('questionnaires.list.caption', { count: items.length })}</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('questionnaires.fields.title')}</Table.Th>
                  <Table.Th>{t('questionnaires.fields.kind')}</Table.Th>
                  <Table.Th>{t('questionnaires.fields.status')}</Table.Th>
                  <Table.Th>{t('questionnaires.fields.updatedAt')}</Table.Th>
                  <Table.Th>{t('common.actions')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((q) => (
                  <Table.Tr key={q.id} data-testid="questionnaire-row">
                    <Table.Td>
                      <Anchor component={Link} to={`/questionnaires/${q.id}/edit`}>
                        {q.title}
                      </Anchor>
                      <Text size="xs" c="gray.8">
                        {t('questionnaires.list.version', { version: q.version })} · {q.locale.toUpperCase()}
                        {q.anonymous ? ` · ${t('questionnaires.fields.anonymousShort')}` : ''}
                      </Text>
                    </Table.Td>
                    <Table.Td>{t(`questionnaires.kinds.${q.kind}`)}</Table.Td>
                    <Table.Td>
                      <Badge color={STATUS_COLOR[q.status]}>
                        {t(`questionnaires.statuses.${q.status}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatDateTime(q.updatedAt, session.organisation.timezone, i18n.language)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={6} wrap="wrap">
                        <Button component={Link} to={`/questionnaires/${q.id}/preview`} variant="default" size="compact-sm" aria-label={t('questionnaires.list.previewFor', { title: q.title })}>
                          {t('questionnaires.list.preview')}
                        </Button>
                        {q.status !== 'draft' && (
                          <Button component={Link} to={`/questionnaires/${q.id}/results`} variant="default" size="compact-sm" aria-label={t('questionnaires.list.resultsFor', { title: q.title })}>
                            {t('questionnaires.list.results')}
                          </Button>
                        )}
                        <Button variant="default" size="compact-sm" loading={busyId === q.id} onClick={() => void duplicate(q)} aria-label={t('questionnaires.list.duplicateFor', { title: q.title })}>
                          {t('questionnaires.list.duplicate')}
                        </Button>
                        {QUIZ_KINDS.has(q.kind) && <ExportMenu questionnaire={q} />}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </LoadState>
      {dialog === 'blank' && <BlankDialog onClose={() => setDialog(null)} onCreated={(q) => navigate(`/questionnaires/${q.id}/edit`)} />}
      {dialog === 'template' && <TemplateDialog onClose={() => setDialog(null)} onCreated={(q) => navigate(`/questionnaires/${q.id}/edit`)} />}
      {dialog === 'import' && <ImportDialog onClose={() => setDialog(null)} onCreated={(q) => navigate(`/questionnaires/${q.id}/edit`)} />}
    </Page>
  );
}

function BlankDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (q: Questionnaire) => void }) {
  const { t, i18n } = useTranslation();
  const [kind, setKind] = useState<QuestionnaireKind>('quiz');
  const [title, setTitle] = useState('');
  const [locale, setLocale] = useState<'fr' | 'en'>(currentLocale(i18n.language));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onCreated(await api.post<Questionnaire>('/questionnaires', { kind, title: title.trim(), locale }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const titleError = bodyFieldError(error, 'title', t, { exact: true });
  return (
    <Modal opened onClose={onClose} title={t('questionnaires.list.newBlank')} centered closeButtonProps={{ 'aria-label': t('common.close') }}>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <ErrorAlert error={error} />
          <Select label={t('questionnaires.fields.kind')} data={QUESTIONNAIRE_KINDS.map((k) => ({ value: k, label: t(`questionnaires.kinds.${k}`) }))} value={kind} onChange={(v) => v && setKind(v as QuestionnaireKind)} allowDeselect={false} />
          <TextInput label={t('questionnaires.fields.title')} required value={title} onChange={(e) => setTitle(e.currentTarget.value)} maxLength={300} error={titleError} data-autofocus />
          <LocaleControl value={locale} onChange={setLocale} />
          <Group>
            <Button type="submit" loading={busy}>
              {t('common.create')}
            </Button>
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function LocaleControl({ value, onChange }: { value: 'fr' | 'en'; onChange: (v: 'fr' | 'en') => void }) {
  const { t } = useTranslation();
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500} id="questionnaire-locale-label">
        {t('questionnaires.fields.locale')}
      </Text>
      <SegmentedControl
        aria-labelledby="questionnaire-locale-label"
        value={value}
        onChange={(v) => onChange(v as 'fr' | 'en')}
        data={[
          { value: 'fr', label: t('questionnaires.locales.fr') },
          { value: 'en', label: t('questionnaires.locales.en') },
        ]}
      />
    </Stack>
  );
}

/** The template picker: the six templates in French or English, each with its kind and number of questions. */
function TemplateDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (q: Questionnaire) => void }) {
  const { t, i18n } = useTranslation();
  const [locale, setLocale] = useState<'fr' | 'en'>(currentLocale(i18n.language));
  const [days, setDays] = useState<number | string>(90);
  const [busyKey, setBusyKey] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const templates = useApi((signal) => api.get<{ items: QuestionnaireTemplate[] }>('/questionnaire-templates', { locale }, signal), [locale]);

  async function use(template: QuestionnaireTemplate) {
    setBusyKey(template.key);
    setError(null);
    try {
      const body: Record<string, unknown> = { key: template.key, locale };
      if (template.key === 'cold_evaluation') body.days = Number(days) || 90;
      onCreated(await api.post<Questionnaire>('/questionnaires/from-template', body));
    } catch (err) {
      setError(err);
    } finally {
      setBusyKey(null);
    }
  }

  return (
    <Modal opened onClose={onClose} title={t('questionnaires.templates.title')} size="xl" centered closeButtonProps={{ 'aria-label': t('common.close') }}>
      <Stack gap="sm">
        <Text size="sm">{t('questionnaires.templates.intro')}</Text>
        <LocaleControl value={locale} onChange={setLocale} />
        <ErrorAlert error={error} />
        <LoadState state={templates}>
          {(data) => (
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              {data.items.map((tpl) => (
                <Card key={tpl.key} withBorder padding="sm" component="article" aria-labelledby={`tpl-${tpl.key}`} data-testid="template-card">
                  <Stack gap={6} h="100%">
                    <Title order={3} size="h5" id={`tpl-${tpl.key}`}>
                      {tpl.title}
                    </Title>
                    <Group gap={6}>
                      <Badge color="blue.9">
                        {t(`questionnaires.kinds.${tpl.kind}`)}
                      </Badge>
                      <Text size="xs" c="gray.8">
                        {t('questionnaires.templates.questionCount', { count: tpl.questionCount })}
                      </Text>
                    </Group>
                    <Text size="sm" style={{ flex: 1 }}>
                      {tpl.description}
                    </Text>
                    {tpl.key === 'cold_evaluation' && <NumberInput label={t('questionnaires.templates.days')} min={1} max={730} value={days} onChange={setDays} size="xs" maw={200} />}
                    <Group>
                      <Button size="xs" loading={busyKey === tpl.key} onClick={() => void use(tpl)} aria-label={t('questionnaires.templates.useFor', { title: tpl.title })}>
                        {t('questionnaires.templates.use')}
                      </Button>
                    </Group>
                  </Stack>
                </Card>
              ))}
            </SimpleGrid>
          )}
        </LoadState>
      </Stack>
    </Modal>
  );
}

/** The file's lines around a syntax error, the faulty line marked (what the API's line/column point at). */
function ErrorContext({ content, line, column }: { content: string; line: number; column?: string | undefined }) {
  const { t } = useTranslation();
  const lines = content.split(/\r?\n/);
  const from = Math.max(1, line - 2);
  const to = Math.min(lines.length, line + 2);
  return (
    <Paper withBorder p="xs" bg="gray.0">
      <Text size="sm" fw={600}>
        {t('questionnaires.import.where', { line, column: column ?? '?' })}
      </Text>
      <pre style={{ margin: 0, overflowX: 'auto', fontSize: 13 }} data-testid="import-error-context">
        {lines.slice(from - 1, to).map((text, i) => {
          const n = from + i;
          return (
            <div key={n} style={n === line ? { background: 'var(--mantine-color-red-1)', fontWeight: 700 } : undefined}>
              {String(n).padStart(4)} │ {text}
            </div>
          );
        })}
      </pre>
    </Paper>
  );
}

/**
 * Import a GIFT or Moodle XML file as a new draft quiz, or `into` a draft as a new part
 * (nothing is created when the file has an error).
 */
export function ImportDialog({ onClose, onCreated, into }: { onClose: () => void; onCreated: (q: Questionnaire) => void; into?: Pick<Questionnaire, 'id' | 'title'> }) {
  const { t, i18n } = useTranslation();
  const [kind, setKind] = useState<'quiz' | 'positioning'>('quiz');
  const [title, setTitle] = useState('');
  const [format, setFormat] = useState<'gift' | 'moodle_xml'>('gift');
  const [file, setFile] = useState<{ name: string; content: string } | null>(null);
  const [skills, setSkills] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function pick(f: File | null) {
    setError(null);
    if (!f) return setFile(null);
    const content = await f.text();
    setFile({ name: f.name, content });
    if (/\.xml$/i.test(f.name) || content.trimStart().startsWith('<')) setFormat('moodle_xml');
    else setFormat('gift');
    if (!title.trim() && !into) setTitle(f.name.replace(/\.(gift|txt|xml|moodle)+$/gi, '').replace(/[._-]+/g, ' ').trim());
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (!file) return setError(new ApiError(400, 'validation_failed', t('questionnaires.import.noFile')));
    setBusy(true);
    try {
      const body: Record<string, unknown> = into ? { format, content: file.content } : { kind, title: title.trim(), format, content: file.content, locale: currentLocale(i18n.language) };
      if (into && title.trim()) body.sectionTitle = title.trim();
      if (skills.length) body.skills = skills;
      onCreated(await api.post<Questionnaire>(into ? `/questionnaires/${into.id}/import` : '/questionnaires/import', body));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const located = error instanceof ApiError ? error.errors.find((x) => typeof x.line === 'number') : undefined;
  const titleError = bodyFieldError(error, 'title', t, { exact: true }) ?? bodyFieldError(error, 'sectionTitle', t, { exact: true });
  return (
    <Modal opened onClose={onClose} title={into ? t('questionnaires.import.intoTitle') : t('questionnaires.import.title')} size="lg" centered closeButtonProps={{ 'aria-label': t('common.close') }}>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <Text size="sm">{into ? t('questionnaires.import.intoIntro', { title: into.title }) : t('questionnaires.import.intro')}</Text>
          <ErrorAlert error={error} />
          {located && file && <ErrorContext content={file.content} line={located.line!} column={located.column} />}
          <Stack gap={4}>
            <Text component="label" htmlFor="quiz-file" size="sm" fw={500}>
              {t('questionnaires.import.file')}
            </Text>
            <input id="quiz-file" type="file" accept=".gift,.txt,.xml,text/plain,application/xml,text/xml" onChange={(e) => void pick(e.currentTarget.files?.[0] ?? null)} aria-describedby="quiz-file-help" />
            <Text size="xs" c="gray.8" id="quiz-file-help">
              {file ? t('questionnaires.import.chosen', { name: file.name, lines: file.content.split(/\r?\n/).length }) : t('questionnaires.import.fileHelp')}
            </Text>
          </Stack>
          <Select
            label={t('questionnaires.import.format')}
            data={[
              { value: 'gift', label: t('questionnaires.formats.gift') },
              { value: 'moodle_xml', label: t('questionnaires.formats.moodle_xml') },
            ]}
            value={format}
            onChange={(v) => v && setFormat(v as 'gift' | 'moodle_xml')}
            allowDeselect={false}
          />
          {into ? (
            <TextInput label={t('questionnaires.import.sectionTitle')} value={title} onChange={(e) => setTitle(e.currentTarget.value)} maxLength={300} error={titleError} />
          ) : (
            <>
              <Select
                label={t('questionnaires.fields.kind')}
                data={(['quiz', 'positioning'] as const).map((k) => ({ value: k, label: t(`questionnaires.kinds.${k}`) }))}
                value={kind}
                onChange={(v) => v && setKind(v as 'quiz' | 'positioning')}
                allowDeselect={false}
              />
              <TextInput label={t('questionnaires.fields.title')} required value={title} onChange={(e) => setTitle(e.currentTarget.value)} maxLength={300} error={titleError} />
            </>
          )}
          <TagsInput label={t('questionnaires.fields.skills')} description={t('questionnaires.import.skillsHelp')} value={skills} onChange={setSkills} maxTags={20} clearable />
          <Group>
            <Button type="submit" loading={busy}>
              {t('questionnaires.import.submit')}
            </Button>
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
