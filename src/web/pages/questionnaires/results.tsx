import { Anchor, Badge, Box, Button, Group, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import type { z } from 'zod';
import type { resultsSchema, textAnswersSchema } from '../../../modules/questionnaires/questionnaires.schemas.ts';
import { api, buildUrl, getAll } from '../../api/client.ts';
import type { Cohort, Module, Person, Program, Question, Questionnaire } from '../../api/types.ts';
import { BarChart, type BarDatum } from '../../components/charts.tsx';
import { Page } from '../../components/page.tsx';
import { Empty, ErrorAlert, LoadState } from '../../components/states.tsx';
import { formatDate, intlLocale } from '../../lib/dates.ts';
import { useApi } from '../../lib/use-api.ts';

type Results = z.infer<typeof resultsSchema>;
type QuestionResult = Results['questions'][number];
type TextAnswers = z.infer<typeof textAnswersSchema>;
type GroupBy = 'cohort' | 'module' | 'trainer' | 'month';

interface Filters {
  cohortId: string;
  moduleId: string;
  trainerId: string;
  from: string;
  to: string;
}
const NO_FILTERS: Filters = { cohortId: '', moduleId: '', trainerId: '', from: '', to: '' };
const TEXT_TYPES = new Set(['short_text', 'long_text']);
/** Free-text answers shown at first, and added by each "show more". */
const PAGE = 30;

const pct = (x: number | null, language: string) => (x === null ? '–' : new Intl.NumberFormat(intlLocale(language), { style: 'percent', maximumFractionDigits: 0 }).format(x));
const dec = (x: number | null, language: string) => (x === null ? '–' : new Intl.NumberFormat(intlLocale(language), { maximumFractionDigits: 2 }).format(x));

/** What the filter lists offer: cohorts, modules (of every program), trainers. */
function useFilterChoices() {
  return useApi(async (signal) => {
    const [cohorts, programs, trainers] = await Promise.all([
      getAll<Cohort>('/cohorts', {}, 1000, signal),
      getAll<Program>('/programs', {}, 500, signal),
      getAll<Person>('/people', { role: 'trainer' }, 1000, signal),
    ]);
    const modules = (await Promise.all(programs.map((p) => api.get<{ items: Module[] }>(`/programs/${p.id}/modules`, undefined, signal)))).flatMap((r, i) => r.items.map((m) => ({ ...m, programTitle: programs[i]!.title })));
    return { cohorts, modules, trainers };
  }, []);
}

/** /questionnaires/:id/results — figures per question, per skill, per group; free-text answers; exports. */
export function QuestionnaireResultsPage() {
  const { t, i18n } = useTranslation();
  const { id = '' } = useParams();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [groupBy, setGroupBy] = useState<GroupBy | ''>('');
  const choices = useFilterChoices();
  const results = useApi((signal) => api.get<Results>(`/questionnaires/${id}/results`, { ...filters, groupBy: groupBy || undefined }, signal), [id, filters, groupBy]);
  // The questionnaire itself: option labels of Likert scales and which options are correct.
  const questionnaire = useApi((signal) => api.get<Questionnaire>(`/questionnaires/${id}`, undefined, signal), [id]);
  const questionDefs = useMemo(() => new Map((questionnaire.data?.sections ?? []).flatMap((s) => s.questions.map((q) => [q.id, q] as const))), [questionnaire.data]);
  const title = results.data ? t('results.title', { title: results.data.questionnaire.title }) : t('results.titleLoading');

  const cohortNames = useMemo(() => new Map((choices.data?.cohorts ?? []).map((c) => [c.id, c.name])), [choices.data]);
  const moduleNames = useMemo(() => new Map((choices.data?.modules ?? []).map((m) => [m.id, m.title])), [choices.data]);

  const exportUrl = (format: 'csv' | 'xlsx', kind: 'raw' | 'aggregates') => buildUrl(`/questionnaires/${id}/results.${format}`, { ...filters, kind });

  return (
    <Page
      title={title}
      actions={
        <Anchor component={Link} to="/questionnaires/struggling" size="sm">
          {t('results.strugglingLink')}
        </Anchor>
      }
    >
      <Paper withBorder p="sm" component="section" aria-labelledby="filters-title">
        <Title order={2} size="h4" id="filters-title" mb="xs">
          {t('results.filters')}
        </Title>
        <form
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            setFilters(draft);
          }}
        >
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
            <Select label={t('results.cohort')} placeholder={t('results.all')} clearable searchable nothingFoundMessage={t('common.nothingFound')} data={(choices.data?.cohorts ?? []).map((c) => ({ value: c.id, label: c.name }))} value={draft.cohortId || null} onChange={(v) => setDraft({ ...draft, cohortId: v ?? '' })} />
            <Select label={t('results.module')} placeholder={t('results.all')} clearable searchable nothingFoundMessage={t('common.nothingFound')} data={(choices.data?.modules ?? []).map((m) => ({ value: m.id, label: `${m.title} (${m.programTitle})` }))} value={draft.moduleId || null} onChange={(v) => setDraft({ ...draft, moduleId: v ?? '' })} />
            <Select label={t('results.trainer')} placeholder={t('results.all')} clearable searchable nothingFoundMessage={t('common.nothingFound')} data={(choices.data?.trainers ?? []).map((p) => ({ value: p.id, label: `${p.givenName} ${p.familyName}` }))} value={draft.trainerId || null} onChange={(v) => setDraft({ ...draft, trainerId: v ?? '' })} />
            <TextInput type="date" label={t('results.from')} value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.currentTarget.value })} />
            <TextInput type="date" label={t('results.to')} value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.currentTarget.value })} />
          </SimpleGrid>
          <Group mt="sm" gap="sm">
            <Button type="submit">{t('results.apply')}</Button>
            <Button
              variant="subtle"
              onClick={() => {
                setDraft(NO_FILTERS);
                setFilters(NO_FILTERS);
              }}
            >
              {t('results.reset')}
            </Button>
          </Group>
        </form>
        <ErrorAlert error={choices.error} onRetry={choices.reload} />
      </Paper>

      <Group gap="xs" wrap="wrap" data-testid="result-exports" aria-label={t('results.exports')} role="group">
        <Text size="sm" fw={600}>
          {t('results.download')}
        </Text>
        <Button component="a" href={exportUrl('csv', 'raw')} download variant="default" size="xs">
          {t('results.rawCsv')}
        </Button>
        <Button component="a" href={exportUrl('xlsx', 'raw')} download variant="default" size="xs">
          {t('results.rawXlsx')}
        </Button>
        <Button component="a" href={exportUrl('csv', 'aggregates')} download variant="default" size="xs">
          {t('results.aggregatesCsv')}
        </Button>
        <Button component="a" href={exportUrl('xlsx', 'aggregates')} download variant="default" size="xs">
          {t('results.aggregatesXlsx')}
        </Button>
      </Group>

      <LoadState state={results}>
        {(data) => (
          <Stack gap="lg">
            <Group gap="xs">
              <Badge variant="outline" color="gray.8" style={{ textTransform: 'none' }}>
                {t(`questionnaires.kinds.${data.questionnaire.kind}`)}
              </Badge>
              {data.questionnaire.anonymous && (
                <Badge variant="outline" color="blue.9" style={{ textTransform: 'none' }}>
                  {t('results.anonymous')}
                </Badge>
              )}
            </Group>
            <Summary summary={data.summary} />
            <Paper withBorder p="sm" component="section" aria-labelledby="groups-title">
              <Stack gap="xs">
                <Title order={2} size="h3" id="groups-title">
                  {t('results.groupsTitle')}
                </Title>
                <Select
                  label={t('results.groupBy')}
                  maw={320}
                  data={[
                    { value: '', label: t('results.groupNone') },
                    { value: 'cohort', label: t('results.groupCohort') },
                    { value: 'module', label: t('results.groupModule') },
                    { value: 'trainer', label: t('results.groupTrainer') },
                    { value: 'month', label: t('results.groupMonth') },
                  ]}
                  value={groupBy}
                  onChange={(v) => setGroupBy((v ?? '') as GroupBy | '')}
                  allowDeselect={false}
                />
                {data.groups && <Groups groups={data.groups} groupBy={groupBy as GroupBy} quiz={data.summary.meanScoreRate !== null} />}
              </Stack>
            </Paper>
            <Stack gap="sm" component="section" aria-labelledby="questions-title">
              <Title order={2} size="h3" id="questions-title">
                {t('results.questionsTitle')}
              </Title>
              {data.summary.responses === 0 && <Empty>{t('results.noResponses')}</Empty>}
              {data.questions.map((q, i) => (
                <QuestionCard key={q.questionId} result={q} number={i + 1} definition={questionDefs.get(q.questionId)} />
              ))}
            </Stack>
            {data.skills.length > 0 && (
              <Paper withBorder p="sm" component="section" aria-labelledby="skills-title">
                <Stack gap="xs">
                  <Title order={2} size="h3" id="skills-title">
                    {t('results.skillsTitle')}
                  </Title>
                  <BarChart
                    title={t('results.skillsChart')}
                    valueHeader={t('results.scoreRate')}
                    max={1}
                    testId="skills-chart"
                    data={data.skills.map((s) => ({ key: s.skill, label: s.skill, value: s.scoreRate ?? 0, display: `${pct(s.scoreRate, i18n.language)} (n = ${s.responses})` }))}
                  />
                </Stack>
              </Paper>
            )}
            <TextAnswersSection id={id} filters={filters} questions={data.questions.filter((q) => TEXT_TYPES.has(q.type))} cohortNames={cohortNames} moduleNames={moduleNames} />
          </Stack>
        )}
      </LoadState>
    </Page>
  );
}

function Summary({ summary }: { summary: Results['summary'] }) {
  const { t, i18n } = useTranslation();
  const cards: Array<[string, string, string]> = [
    ['responses', t('results.responses'), String(summary.responses)],
    ...(summary.meanScoreRate !== null ? ([['mean-score', t('results.meanScore'), pct(summary.meanScoreRate, i18n.language)]] as Array<[string, string, string]>) : []),
    ...(summary.passRate !== null ? ([['pass-rate', t('results.passRate'), pct(summary.passRate, i18n.language)]] as Array<[string, string, string]>) : []),
    ...(summary.satisfaction !== null ? ([['satisfaction', t('results.satisfaction'), pct(summary.satisfaction, i18n.language)]] as Array<[string, string, string]>) : []),
  ];
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm" component="dl" m={0} data-testid="results-summary">
      {cards.map(([key, label, value]) => (
        <Paper key={key} withBorder p="sm" data-testid={`summary-${key}`}>
          <Text component="dt" size="sm" c="gray.8">
            {label}
          </Text>
          <Text component="dd" m={0} fw={700} size="xl" data-testid="summary-value">
            {value}
          </Text>
        </Paper>
      ))}
    </SimpleGrid>
  );
}

function Groups({ groups, groupBy, quiz }: { groups: NonNullable<Results['groups']>; groupBy: GroupBy; quiz: boolean }) {
  const { t, i18n } = useTranslation();
  if (groups.length === 0) return <Empty>{t('results.noResponses')}</Empty>;
  const label = (g: (typeof groups)[number]) => (g.key === 'none' ? t('results.groupUnknown') : groupBy === 'month' ? formatDate(`${g.key}-01`, i18n.language, { month: 'long', year: 'numeric' }) : g.label);
  const metric = quiz ? 'meanScoreRate' : 'satisfaction';
  return (
    <Stack gap="sm">
      {groups.some((g) => g[metric] !== null) && (
        <BarChart
          title={quiz ? t('results.groupChartQuiz') : t('results.groupChartSatisfaction')}
          valueHeader={quiz ? t('results.meanScore') : t('results.satisfaction')}
          max={1}
          testId="groups-chart"
          data={groups.map((g) => ({ key: g.key, label: label(g), value: g[metric] ?? 0, display: `${pct(g[metric], i18n.language)} (n = ${g.responses})` }))}
        />
      )}
      <Box style={{ overflowX: 'auto' }} tabIndex={0} role="region" aria-label={t('results.groupsTitle')}>
        <Table striped miw={520} data-testid="groups-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t(`results.group${groupBy.charAt(0).toUpperCase()}${groupBy.slice(1)}`)}</Table.Th>
              <Table.Th scope="col">{t('results.responses')}</Table.Th>
              <Table.Th scope="col">{t('results.meanScore')}</Table.Th>
              <Table.Th scope="col">{t('results.passRate')}</Table.Th>
              <Table.Th scope="col">{t('results.satisfaction')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {groups.map((g) => (
              <Table.Tr key={g.key}>
                <Table.Th scope="row" fw={500}>
                  {label(g)}
                </Table.Th>
                <Table.Td>{g.responses}</Table.Td>
                <Table.Td>{pct(g.meanScoreRate, i18n.language)}</Table.Td>
                <Table.Td>{pct(g.passRate, i18n.language)}</Table.Td>
                <Table.Td>{pct(g.satisfaction, i18n.language)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Box>
    </Stack>
  );
}

function QuestionCard({ result: q, number, definition }: { result: QuestionResult; number: number; definition: Question | undefined }) {
  const { t, i18n } = useTranslation();
  const total = q.distribution.reduce((n, d) => n + d.count, 0);
  // Shares of respondents who answered (a multiple-choice question adds up to more than 100 %).
  const share = (count: number) => (q.answered ? count / q.answered : 0);
  const correct = new Set((definition?.options ?? []).filter((o) => o.correct).map((o) => o.id));
  const bars: BarDatum[] = q.distribution.map((d) => ({
    key: d.value,
    label: correct.has(d.value) ? `${d.label} — ${t('results.correctOption')}` : d.label,
    value: d.count,
    display: `${d.count} (${pct(share(d.count), i18n.language)})`,
    tone: correct.size > 0 && !correct.has(d.value) ? 'muted' : 'default',
  }));
  const facts: Array<[string, string]> = [[t('results.answered'), String(q.answered)]];
  if (q.mean !== null) facts.push([t('results.mean'), dec(q.mean, i18n.language)]);
  if (q.median !== null) facts.push([t('results.median'), dec(q.median, i18n.language)]);
  if (q.successRate !== null) facts.push([t('results.successRate'), pct(q.successRate, i18n.language)]);
  if (q.meanScoreRate !== null) facts.push([t('results.meanScore'), pct(q.meanScoreRate, i18n.language)]);
  if (q.nps) facts.push([t('results.nps'), `${q.nps.score > 0 ? '+' : ''}${q.nps.score}`]);
  return (
    <Paper withBorder p="sm" component="article" aria-labelledby={`rq-${q.questionId}`} data-testid="result-question" data-question-id={q.questionId}>
      <Stack gap="xs">
        <Title order={3} size="h5" id={`rq-${q.questionId}`}>
          {number}. {q.prompt}
        </Title>
        <Text size="xs" c="gray.8">
          {t(`questionnaires.types.${q.type}`)}
        </Text>
        <Group gap="lg" wrap="wrap" component="dl" m={0}>
          {facts.map(([label, value]) => (
            <Group key={label} gap={4} wrap="nowrap">
              <Text component="dt" size="sm" c="gray.8">
                {label} :
              </Text>
              <Text component="dd" size="sm" fw={700} m={0} data-fact={label}>
                {value}
              </Text>
            </Group>
          ))}
        </Group>
        {q.nps && (
          <Text size="sm" data-testid="nps-breakdown">
            {t('results.npsBreakdown', { promoters: q.nps.promoters, passives: q.nps.passives, detractors: q.nps.detractors })}
          </Text>
        )}
        {bars.length > 0 && total > 0 && <BarChart title={t('results.distributionOf', { prompt: q.prompt })} valueHeader={t('results.countShare')} data={bars} max={q.answered} testId="distribution-chart" />}
        {q.rows && <LikertTable result={q} definition={definition} />}
        {TEXT_TYPES.has(q.type) && q.answered > 0 && (
          <Text size="sm" c="gray.8">
            {t('results.seeTextAnswers')}
          </Text>
        )}
      </Stack>
    </Paper>
  );
}

/** Likert matrix: one row per statement, one column per scale point, counts in the cells. */
function LikertTable({ result: q, definition }: { result: QuestionResult; definition: Question | undefined }) {
  const { t } = useTranslation();
  const options = (definition?.options ?? []).map((o) => ({ value: o.id, label: o.label }));
  return (
    <Box style={{ overflowX: 'auto' }} tabIndex={0} role="region" aria-label={t('results.likertOf', { prompt: q.prompt })}>
      <Table withTableBorder miw={480} data-testid="likert-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('results.statement')}</Table.Th>
            {(q.rows?.[0]?.counts ?? []).map((c) => (
              <Table.Th key={c.value} scope="col">
                {options.find((o) => o.value === c.value)?.label ?? c.value}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(q.rows ?? []).map((row) => (
            <Table.Tr key={row.rowId}>
              <Table.Th scope="row" fw={500}>
                {row.label}
              </Table.Th>
              {row.counts.map((c) => (
                <Table.Td key={c.value}>{c.count}</Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Box>
  );
}

function TextAnswersSection({ id, filters, questions, cohortNames, moduleNames }: { id: string; filters: Filters; questions: QuestionResult[]; cohortNames: ReadonlyMap<string, string>; moduleNames: ReadonlyMap<string, string> }) {
  const { t, i18n } = useTranslation();
  const [questionId, setQuestionId] = useState('');
  const [draft, setDraft] = useState('');
  const [q, setQ] = useState('');
  const [shown, setShown] = useState(PAGE);
  const state = useApi((signal) => api.get<TextAnswers>(`/questionnaires/${id}/results/text`, { ...filters, questionId: questionId || undefined, q: q || undefined }, signal), [id, filters, questionId, q]);
  if (questions.length === 0) return null;
  return (
    <Paper withBorder p="sm" component="section" aria-labelledby="text-title">
      <Stack gap="sm">
        <Title order={2} size="h3" id="text-title">
          {t('results.textTitle')}
        </Title>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setQ(draft.trim());
          }}
        >
          <Group align="flex-end" gap="sm" wrap="wrap">
            <Select label={t('results.textQuestion')} data={[{ value: '', label: t('results.allQuestions') }, ...questions.map((x) => ({ value: x.questionId, label: x.prompt }))]} value={questionId} onChange={(v) => setQuestionId(v ?? '')} allowDeselect={false} maw={360} w="100%" />
            <TextInput label={t('results.textSearch')} type="search" value={draft} onChange={(e) => setDraft(e.currentTarget.value)} maxLength={200} />
            <Button type="submit" variant="outline">
              {t('common.search')}
            </Button>
          </Group>
        </form>
        <LoadState state={state} isEmpty={(d) => d.items.length === 0} empty={t('results.noText')}>
          {(data) => (
            <Stack gap="xs">
            <Text size="sm" c="gray.8" data-testid="text-count">
              {t('results.textCount', { count: data.items.length })}
            </Text>
            <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }} data-testid="text-answers">
              {data.items.slice(0, shown).map((item, i) => (
                <Paper key={`${item.questionId}-${i}`} component="li" withBorder p="xs" data-testid="text-answer">
                  <Text style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{item.text}</Text>
                  <Text size="xs" c="gray.8">
                    {[item.prompt, item.cohortId ? cohortNames.get(item.cohortId) : null, item.moduleId ? moduleNames.get(item.moduleId) : null, item.submittedOn ? formatDate(item.submittedOn, i18n.language) : null].filter(Boolean).join(' · ')}
                  </Text>
                </Paper>
              ))}
            </Stack>
            {data.items.length > shown && (
              <Group>
                <Button variant="outline" onClick={() => setShown(shown + PAGE)}>
                  {t('results.showMore', { count: Math.min(PAGE, data.items.length - shown) })}
                </Button>
              </Group>
            )}
            </Stack>
          )}
        </LoadState>
      </Stack>
    </Paper>
  );
}
