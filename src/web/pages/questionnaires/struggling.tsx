import { Alert, Badge, Box, Button, Group, Paper, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { type FormEvent, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import type { improvementActionListSchema, improvementActionSchema, strugglingSchema } from '../../../modules/questionnaires/questionnaires.schemas.ts';
import { api, getAll } from '../../api/client.ts';
import type { Person } from '../../api/types.ts';
import { IntervalChart, type IntervalDatum, wilsonInterval } from '../../components/charts.tsx';
import { Page } from '../../components/page.tsx';
import { Empty, ErrorAlert, LoadState } from '../../components/states.tsx';
import { formatDate, formatDateTime, intlLocale } from '../../lib/dates.ts';
import { useSignedIn } from '../../lib/session.tsx';
import { useApi } from '../../lib/use-api.ts';

type Struggling = z.infer<typeof strugglingSchema>;
type Unit = Struggling['units'][number];
type ImprovementAction = z.infer<typeof improvementActionSchema>;
type ActionList = z.infer<typeof improvementActionListSchema>;
type Metric = Unit['metric'];
type UnitType = Unit['unitType'];

export function formatRate(x: number, language: string): string {
  return new Intl.NumberFormat(intlLocale(language), { style: 'percent', maximumFractionDigits: 0 }).format(x);
}

/** p-values as people read them: "< 0,001", else two significant digits. */
export function formatP(p: number, language: string): string {
  if (p < 0.001) return `< ${new Intl.NumberFormat(intlLocale(language)).format(0.001)}`;
  return new Intl.NumberFormat(intlLocale(language), { maximumSignificantDigits: 2 }).format(p);
}

/** "= 0,42" or "< 0,001", to follow "p" or "q" in a sentence. */
const relation = (p: number, language: string) => (p < 0.001 ? formatP(p, language) : `= ${formatP(p, language)}`);

/**
 * The 95 % interval drawn for a unit: Wilson's interval of its success rate;
 * for satisfaction, its mean ± 1.96 standard errors of the difference that
 * Welch's test used (|rate − baseline| / |t|).
 */
export function unitInterval(u: Pick<Unit, 'metric' | 'rate' | 'baseline' | 'n' | 'statistic'>): { low: number; high: number } | null {
  if (u.metric === 'success') return wilsonInterval(u.rate, u.n);
  if (u.statistic === null || u.statistic === 0) return null;
  const se = Math.abs(u.rate - u.baseline) / Math.abs(u.statistic);
  return { low: Math.max(0, u.rate - 1.96 * se), high: Math.min(1, u.rate + 1.96 * se) };
}

const unitKey = (u: { unitType: UnitType; unitId: string; metric: Metric }) => `${u.unitType}:${u.unitId}:${u.metric}`;

/** /questionnaires/struggling: cohorts and modules significantly below the organisation, with actions (Qualiopi). */
export function StrugglingPage() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language.startsWith('en') ? 'en' : 'fr';
  const [draft, setDraft] = useState({ from: '', to: '' });
  const [period, setPeriod] = useState({ from: '', to: '' });
  const state = useApi((signal) => api.get<Struggling>('/questionnaires/insights/struggling', { from: period.from, to: period.to, locale }, signal), [period.from, period.to, locale]);
  const actions = useApi((signal) => api.get<ActionList>('/questionnaires/insights/actions', {}, signal), []);

  return (
    <Page title={t('struggling.title')}>
      <Text>{t('struggling.intro')}</Text>
      <Paper withBorder p="sm">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setPeriod(draft);
          }}
        >
          <Group align="flex-end" gap="sm" wrap="wrap">
            <TextInput type="date" label={t('struggling.from')} value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.currentTarget.value })} />
            <TextInput type="date" label={t('struggling.to')} value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.currentTarget.value })} />
            <Button type="submit" variant="outline">
              {t('struggling.apply')}
            </Button>
          </Group>
        </form>
      </Paper>
      <LoadState state={state}>
        {(data) => (
          <StrugglingBody
            data={data}
            actions={actions.data?.items ?? []}
            actionsError={actions.error}
            onRecorded={() => {
              actions.reload();
              state.reload();
            }}
          />
        )}
      </LoadState>
    </Page>
  );
}

function StrugglingBody({ data, actions, actionsError, onRecorded }: { data: Struggling; actions: readonly ImprovementAction[]; actionsError: unknown; onRecorded: () => void }) {
  const { t, i18n } = useTranslation();
  const flagged = data.units.filter((u) => u.flagged);
  const [openFor, setOpenFor] = useState<string | null>(null);
  const labels = useMemo(() => new Map([...data.units, ...data.belowMinimum].map((u) => [u.unitId, u.label])), [data]);
  const chartUnits = [...flagged, ...data.units.filter((u) => !u.flagged)].slice(0, 20);
  const chartData: IntervalDatum[] = chartUnits.map((u) => {
    const ci = unitInterval(u);
    return {
      key: unitKey(u),
      label: `${u.label} (${t(`struggling.unitType.${u.unitType}`)}, ${t(`struggling.metric.${u.metric}`)})`,
      value: u.rate,
      low: ci?.low ?? null,
      high: ci?.high ?? null,
      baseline: u.baseline,
      flagged: u.flagged,
      valueText: `${formatRate(u.rate, i18n.language)} (n = ${u.n})`,
      intervalText: ci ? `${formatRate(ci.low, i18n.language)} – ${formatRate(ci.high, i18n.language)}` : t('struggling.noInterval'),
      baselineText: formatRate(u.baseline, i18n.language),
    };
  });

  return (
    <Stack gap="lg">
      <Alert variant="light" color="blue" title={t('struggling.methodTitle')} data-testid="struggling-method">
        <Stack gap={4}>
          <Text size="sm">{data.method}</Text>
          <Text size="sm">{t('struggling.minimum', { count: data.minimumRespondents })}</Text>
        </Stack>
      </Alert>

      <Stack gap="sm" component="section" aria-labelledby="flagged-title">
        <Title order={2} size="h3" id="flagged-title">
          {t('struggling.flaggedTitle', { count: flagged.length })}
        </Title>
        {flagged.length === 0 ? (
          <Empty>{t('struggling.noneFlagged')}</Empty>
        ) : (
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
            {flagged.map((u) => (
              <UnitCard key={unitKey(u)} unit={u} open={openFor === unitKey(u)} onToggle={() => setOpenFor(openFor === unitKey(u) ? null : unitKey(u))} onRecorded={() => { setOpenFor(null); onRecorded(); }} />
            ))}
          </SimpleGrid>
        )}
      </Stack>

      {chartData.length > 0 && (
        <Paper withBorder p="sm" component="section" aria-labelledby="chart-title">
          <Stack gap="xs">
            <Title order={2} size="h3" id="chart-title">
              {t('struggling.chartTitle')}
            </Title>
            <Text size="sm" c="gray.8">
              {t('struggling.chartNote')}
            </Text>
            <IntervalChart
              title={t('struggling.chartTitle')}
              data={chartData}
              testId="struggling-chart"
              headers={{ item: t('struggling.unit'), value: t('struggling.rate'), interval: t('struggling.interval'), baseline: t('struggling.baseline') }}
              legend={{ value: t('struggling.legend.value'), interval: t('struggling.legend.interval'), baseline: t('struggling.legend.baseline'), flagged: t('struggling.legend.flagged') }}
            />
          </Stack>
        </Paper>
      )}

      <Stack gap="xs" component="section" aria-labelledby="tested-title">
        <Title order={2} size="h3" id="tested-title">
          {t('struggling.testedTitle', { count: data.units.length })}
        </Title>
        {data.units.length === 0 ? (
          <Empty>{t('struggling.noneTested')}</Empty>
        ) : (
          // A native scroll box that the keyboard can reach (the table is wider than a phone).
          <Box style={{ overflowX: 'auto' }} tabIndex={0} role="region" aria-labelledby="tested-title">
            <Table striped data-testid="struggling-table" miw={760}>
              <Table.Caption>{t('struggling.tableCaption')}</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('struggling.unit')}</Table.Th>
                  <Table.Th scope="col">{t('struggling.metricHeader')}</Table.Th>
                  <Table.Th scope="col">{t('struggling.rate')}</Table.Th>
                  <Table.Th scope="col">{t('struggling.baseline')}</Table.Th>
                  <Table.Th scope="col">n</Table.Th>
                  <Table.Th scope="col">{t('struggling.test')}</Table.Th>
                  <Table.Th scope="col">p</Table.Th>
                  <Table.Th scope="col">q</Table.Th>
                  <Table.Th scope="col">{t('struggling.status')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.units.map((u) => (
                  <Table.Tr key={unitKey(u)} data-flagged={u.flagged}>
                    <Table.Th scope="row" fw={500}>
                      {u.label} <Text span size="xs" c="gray.8">({t(`struggling.unitType.${u.unitType}`)})</Text>
                    </Table.Th>
                    <Table.Td>{t(`struggling.metric.${u.metric}`)}</Table.Td>
                    <Table.Td>{formatRate(u.rate, i18n.language)}</Table.Td>
                    <Table.Td>{formatRate(u.baseline, i18n.language)}</Table.Td>
                    <Table.Td>{u.n}</Table.Td>
                    <Table.Td>{t(`struggling.tests.${u.test}`)}</Table.Td>
                    <Table.Td>{formatP(u.p, i18n.language)}</Table.Td>
                    <Table.Td>{formatP(u.q, i18n.language)}</Table.Td>
                    <Table.Td>{u.flagged ? t('struggling.flagged') : t('struggling.notFlagged')}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Box>
        )}
        {data.belowMinimum.length > 0 && (
          <Text size="sm" c="gray.8" data-testid="below-minimum">
            {t('struggling.belowMinimum', { count: data.minimumRespondents })}{' '}
            {data.belowMinimum.map((b) => `${b.label} (${t(`struggling.metric.${b.metric}`)}, n = ${b.n})`).join(' · ')}
          </Text>
        )}
      </Stack>

      <Stack gap="xs" component="section" aria-labelledby="actions-title">
        <Title order={2} size="h3" id="actions-title">
          {t('struggling.actionsTitle')}
        </Title>
        <ErrorAlert error={actionsError} />
        <ActionList actions={actions} labels={labels} onChanged={onRecorded} />
        <Paper withBorder p="sm">
          <Title order={3} size="h4" mb="xs">
            {t('struggling.newAction')}
          </Title>
          <ActionForm units={data.units} onRecorded={onRecorded} />
        </Paper>
      </Stack>
    </Stack>
  );
}

function UnitCard({ unit, open, onToggle, onRecorded }: { unit: Unit; open: boolean; onToggle: () => void; onRecorded: () => void }) {
  const { t, i18n } = useTranslation();
  const ci = unitInterval(unit);
  return (
    <Paper withBorder p="sm" data-testid="struggling-unit" data-unit-id={unit.unitId} data-metric={unit.metric} component="article" aria-label={unit.label}>
      <Stack gap={6}>
        <Group gap="xs" wrap="wrap">
          <Badge color="red.9" style={{ textTransform: 'none' }}>
            {t(`struggling.metric.${unit.metric}`)}
          </Badge>
          <Badge color="gray.8" variant="outline" style={{ textTransform: 'none' }}>
            {t(`struggling.unitType.${unit.unitType}`)}
          </Badge>
        </Group>
        <Title order={3} size="h4">
          {unit.label}
        </Title>
        <Text fw={600} data-testid="unit-reason">
          {unit.reason}
        </Text>
        <Text size="sm">
          {t('struggling.facts', { rate: formatRate(unit.rate, i18n.language), baseline: formatRate(unit.baseline, i18n.language), n: unit.n, baselineN: unit.baselineN })}
        </Text>
        <Text size="sm">
          {t('struggling.testFacts', { test: t(`struggling.tests.${unit.test}`), p: relation(unit.p, i18n.language), q: relation(unit.q, i18n.language) })}
          {ci && ` · ${t('struggling.intervalFacts', { low: formatRate(ci.low, i18n.language), high: formatRate(ci.high, i18n.language) })}`}
        </Text>
        <Text size="sm" c="gray.8" data-testid="unit-actions">
          {t('struggling.actionCount', { count: unit.actions })}
        </Text>
        <Group>
          <Button size="xs" variant={open ? 'subtle' : 'outline'} onClick={onToggle} aria-expanded={open}>
            {open ? t('common.cancel') : t('struggling.recordAction')}
          </Button>
        </Group>
        {open && <ActionForm units={[unit]} fixed={unit} onRecorded={onRecorded} />}
      </Stack>
    </Paper>
  );
}

/** Records an improvement action against a unit (fixed, or chosen among the units tested). */
function ActionForm({ units, fixed, onRecorded }: { units: readonly Unit[]; fixed?: Unit; onRecorded: () => void }) {
  const { t } = useTranslation();
  const [choice, setChoice] = useState<string | null>(fixed ? unitKey(fixed) : null);
  const unit = fixed ?? units.find((u) => unitKey(u) === choice);
  const [finding, setFinding] = useState(fixed?.reason ?? '');
  const [description, setDescription] = useState('');
  const [dueOn, setDueOn] = useState('');
  const [ownerId, setOwnerId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  // Who carries the action: a manager or an administrator.
  const staff = useApi(async (signal) => {
    const lists = await Promise.all((['manager', 'admin'] as const).map((role) => getAll<Person>('/people', { role }, 500, signal)));
    return [...new Map(lists.flat().map((p) => [p.id, p])).values()].sort((x, y) => `${x.familyName} ${x.givenName}`.localeCompare(`${y.familyName} ${y.givenName}`));
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!unit) return;
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await api.post<ImprovementAction>('/questionnaires/insights/actions', {
        unitType: unit.unitType,
        unitId: unit.unitId,
        metric: unit.metric,
        finding: finding.trim() || undefined,
        description: description.trim(),
        dueOn: dueOn || undefined,
        ownerId: ownerId ?? undefined,
      });
      setDescription('');
      setDueOn('');
      setOwnerId(null);
      setDone(true);
      onRecorded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} data-testid="action-form">
      <Stack gap="xs">
        {!fixed && (
          <Select
            label={t('struggling.unit')}
            required
            data={units.map((u) => ({ value: unitKey(u), label: `${u.label} — ${t(`struggling.unitType.${u.unitType}`)}, ${t(`struggling.metric.${u.metric}`)}` }))}
            value={choice}
            onChange={(v) => {
              setChoice(v);
              const u = units.find((x) => unitKey(x) === v);
              if (u && !finding) setFinding(u.reason);
            }}
            searchable
            nothingFoundMessage={t('common.nothingFound')}
          />
        )}
        <Textarea label={t('struggling.finding')} value={finding} onChange={(e) => setFinding(e.currentTarget.value)} autosize minRows={2} maxLength={2000} />
        <Textarea label={t('struggling.description')} description={t('struggling.descriptionHelp')} required value={description} onChange={(e) => setDescription(e.currentTarget.value)} autosize minRows={2} maxLength={5000} />
        <Group gap="sm" align="flex-end" wrap="wrap">
          <Select label={t('struggling.ownerLabel')} placeholder={t('struggling.noOwner')} clearable searchable nothingFoundMessage={t('common.nothingFound')} data={(staff.data ?? []).map((p) => ({ value: p.id, label: `${p.givenName} ${p.familyName}` }))} value={ownerId} onChange={setOwnerId} miw={220} />
          <TextInput type="date" label={t('struggling.dueOn')} value={dueOn} onChange={(e) => setDueOn(e.currentTarget.value)} maw={220} />
        </Group>
        <ErrorAlert error={error} />
        {done && (
          <Text size="sm" c="teal.9" role="status">
            {t('struggling.recorded')}
          </Text>
        )}
        <Group>
          <Button type="submit" loading={busy} disabled={!unit || !description.trim()}>
            {t('struggling.saveAction')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

type ActionStatus = ImprovementAction['status'];
const ACTION_STATUSES: readonly ActionStatus[] = ['open', 'in_progress', 'done'];
const STATUS_COLORS: Record<ActionStatus, string> = { open: 'blue.9', in_progress: '#a3390b', done: 'teal.9' };

/** The actions recorded, newest first, with a status filter; each can be followed up to its close. */
function ActionList({ actions, labels, onChanged }: { actions: readonly ImprovementAction[]; labels: ReadonlyMap<string, string>; onChanged: () => void }) {
  const { t } = useTranslation();
  const [status, setStatus] = useState<ActionStatus | 'all'>('all');
  const shown = status === 'all' ? actions : actions.filter((a) => a.status === status);
  return (
    <Stack gap="xs">
      {actions.length > 0 && (
        <SegmentedControl
          aria-label={t('struggling.filterStatus')}
          value={status}
          onChange={(v) => setStatus(v as ActionStatus | 'all')}
          data={[{ value: 'all', label: t('struggling.allActions', { count: actions.length }) }, ...ACTION_STATUSES.map((s) => ({ value: s, label: `${t(`struggling.actionStatus.${s}`)} (${actions.filter((a) => a.status === s).length})` }))]}
          style={{ alignSelf: 'flex-start', maxWidth: '100%' }}
          styles={{ root: { flexWrap: 'wrap' } }}
        />
      )}
      {shown.length === 0 ? (
        <Empty>{t('struggling.noActions')}</Empty>
      ) : (
        <Stack gap="xs" data-testid="action-list">
          {shown.map((a) => (
            <ActionItem key={a.id} action={a} label={a.unitLabel ?? labels.get(a.unitId) ?? t(`struggling.unitType.${a.unitType}`)} onChanged={onChanged} />
          ))}
        </Stack>
      )}
    </Stack>
  );
}

function ActionItem({ action: a, label, onChanged }: { action: ImprovementAction; label: string; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const session = useSignedIn();
  const zone = session.organisation.timezone;
  const [open, setOpen] = useState(false);
  const [status, setStatus] = useState<ActionStatus>(a.status);
  const [outcome, setOutcome] = useState(a.outcome);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = {};
      if (status !== a.status) body.status = status;
      if (outcome.trim() !== a.outcome) body.outcome = outcome.trim();
      if (Object.keys(body).length) await api.patch<ImprovementAction>(`/questionnaires/insights/actions/${a.id}`, body);
      setOpen(false);
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Paper withBorder p="sm" data-testid="improvement-action" data-status={a.status}>
      <Stack gap={4}>
        <Group gap="xs" wrap="wrap">
          <Text fw={600}>{label}</Text>
          <Badge variant="outline" color="gray.8" style={{ textTransform: 'none' }}>
            {t(`struggling.metric.${a.metric}`)}
          </Badge>
          <Badge color={STATUS_COLORS[a.status]} style={{ textTransform: 'none' }} data-testid="action-status">
            {t(`struggling.actionStatus.${a.status}`)}
          </Badge>
        </Group>
        <Text>{a.description}</Text>
        {a.finding && (
          <Text size="sm" c="gray.8">
            {t('struggling.findingWas', { finding: a.finding })}
          </Text>
        )}
        {a.outcome && <Text size="sm">{t('struggling.outcomeWas', { outcome: a.outcome })}</Text>}
        <Text size="xs" c="gray.8">
          {[
            t('struggling.recordedOn', { at: formatDateTime(a.createdAt, zone, i18n.language) }),
            a.owner ? t('struggling.owner', { name: a.owner.name }) : null,
            a.dueOn ? t('struggling.due', { date: formatDate(a.dueOn, i18n.language) }) : null,
            a.closedAt ? t('struggling.closedOn', { at: formatDateTime(a.closedAt, zone, i18n.language) }) : null,
          ]
            .filter(Boolean)
            .join(' · ')}
        </Text>
        <Group>
          <Button size="compact-sm" variant="default" onClick={() => setOpen(!open)} aria-expanded={open}>
            {open ? t('common.cancel') : t('struggling.followUp')}
          </Button>
        </Group>
        {open && (
          <form onSubmit={save}>
            <Stack gap="xs">
              <Select label={t('struggling.statusLabel')} data={ACTION_STATUSES.map((s) => ({ value: s, label: t(`struggling.actionStatus.${s}`) }))} value={status} onChange={(v) => v && setStatus(v as ActionStatus)} allowDeselect={false} maw={260} />
              <Textarea label={t('struggling.outcome')} description={t('struggling.outcomeHelp')} required={status === 'done'} value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)} autosize minRows={2} maxLength={5000} />
              <ErrorAlert error={error} />
              <Group>
                <Button type="submit" size="xs" loading={busy} disabled={status === 'done' && !outcome.trim()}>
                  {t('struggling.saveFollowUp')}
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Stack>
    </Paper>
  );
}
