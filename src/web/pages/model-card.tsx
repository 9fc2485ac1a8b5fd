import { Alert, Anchor, Badge, Group, List, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../api/client.ts';
import type { ModelCard, ModelVersion } from '../api/types.ts';
import { Facts, Section, useNumber } from '../components/facts.tsx';
import { Page } from '../components/page.tsx';
import { LoadState } from '../components/states.tsx';
import { formatDate, formatDateTime } from '../lib/dates.ts';
import { useSignedIn } from '../lib/session.tsx';
import { useApi } from '../lib/use-api.ts';
import { FairnessPanel } from './fairness.tsx';
import { STATUS_COLORS, type TrainedMetrics } from './models.tsx';
import { formatPercent } from './risk.tsx';

type Bin = { from: number; to: number; count: number; meanPredicted: number; observedRate: number };
type WeekReliability = { week: number; n: number; positives: number; ece: number; bins: Bin[] };
type Monitoring = ModelCard['monitoring'][number];
type Comparison = {
  currentVersion: number;
  decision: 'replaced' | 'kept_current';
  why: 'candidate_as_good' | 'candidate_worse' | 'too_little_recent_data' | 'current_does_not_fit';
  tolerance?: number;
  n: number;
  positives: number;
  candidate: { auc: number | null } | null;
  current: { auc: number | null } | null;
};

/** A table that may scroll sideways on a phone: a labelled region reachable with the keyboard (WCAG 2.1.1). */
function ScrollRegion({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} style={{ overflowX: 'auto' }}>
      {children}
    </div>
  );
}

/** A small reliability diagram: estimated (x) against observed (y), the diagonal for reference; the values in its accessible name. */
function ReliabilityDiagram({ week }: { week: WeekReliability }) {
  const { t, i18n } = useTranslation();
  const num = useNumber();
  const size = 120, pad = 10;
  const at = (v: number) => pad + v * (size - 2 * pad);
  const pct = (v: number) => formatPercent(v, i18n.language);
  const label = t('card.reliabilityLabel', {
    week: week.week,
    points: week.bins.map((b) => t('card.reliabilityPoint', { predicted: pct(b.meanPredicted), observed: pct(b.observedRate), count: b.count })).join(' ; '),
  });
  return (
    <Stack gap={2} align="center">
      <svg width={size} height={size} viewBox={`0 0 ${size} ${size}`} role="img" aria-label={label} data-testid="reliability-diagram">
        <title>{label}</title>
        <rect x={0} y={0} width={size} height={size} fill="#f1f3f5" rx={4} />
        <line x1={at(0)} y1={size - at(0)} x2={at(1)} y2={size - at(1)} stroke="#868e96" strokeDasharray="3 3" />
        <polyline fill="none" stroke="#1864ab" strokeWidth={2} points={week.bins.map((b) => `${at(b.meanPredicted)},${size - at(b.observedRate)}`).join(' ')} />
        {week.bins.map((b) => (
          <circle key={b.from} cx={at(b.meanPredicted)} cy={size - at(b.observedRate)} r={Math.min(6, 2 + Math.sqrt(b.count) / 2)} fill="#1864ab" />
        ))}
      </svg>
      <Text size="xs">
        {t('card.week')} {week.week} · {t('card.n')} {week.n} · {t('card.ece', { ece: num(week.ece, 2) })}
      </Text>
    </Stack>
  );
}

function MonitoringTable({ rows }: { rows: Monitoring[] }) {
  const { t, i18n } = useTranslation();
  const num = useNumber();
  const pct = (v: number | null) => (v === null ? '—' : formatPercent(v, i18n.language));
  if (!rows.length) return <Text size="sm" data-testid="monitoring-empty">{t('card.monitoringEmpty')}</Text>;
  return (
    <ScrollRegion label={t('card.monitoring')}>
      <Table striped data-testid="monitoring" miw={560}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('card.measuredOn')}</Table.Th>
            <Table.Th scope="col">{t('card.versionCol')}</Table.Th>
            <Table.Th scope="col">{t('card.outcomes')}</Table.Th>
            <Table.Th scope="col">{t('card.aucLive')}</Table.Th>
            <Table.Th scope="col">{t('card.eceLive')}</Table.Th>
            <Table.Th scope="col">{t('card.flagRate')}</Table.Th>
            <Table.Th scope="col">{t('card.alertsCol')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((m) => (
            <Table.Tr key={`${m.modelVersionId}/${m.asOf}`} data-testid="monitoring-row" data-alerts={m.alerts.length}>
              <Table.Td>{formatDate(m.asOf, i18n.language)}</Table.Td>
              <Table.Td>
                {t('models.versionN', { version: m.version })} · {t(`models.statuses.${m.status}`)}
              </Table.Td>
              <Table.Td>
                {m.predictions} ({m.positives})
              </Table.Td>
              <Table.Td>
                {m.auc === null ? t('card.tooFew') : num(m.auc)} ({num(m.validation.auc)})
              </Table.Td>
              <Table.Td>
                {num(m.ece)} ({num(m.validation.ece)})
              </Table.Td>
              <Table.Td>
                {pct(m.flagRate)} ({pct(m.validation.expectedFlagRate)})
              </Table.Td>
              <Table.Td>
                {m.alerts.length ? (
                  <List size="sm" c="red.9">
                    {m.alerts.map((a) => (
                      <List.Item key={a.code}>{t(`card.alert.${a.code}`, Object.fromEntries(Object.entries(a).map(([k, v]) => [k, typeof v === 'number' ? num(v, 2) : v])))}</List.Item>
                    ))}
                  </List>
                ) : (
                  t('card.noAlert')
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollRegion>
  );
}

/** A model version's card, in the reader's language: data, features, validation and its reliability per week, bands, live monitoring, limits, intended use. */
export function ModelCardPage() {
  const { id = '' } = useParams();
  const { t, i18n } = useTranslation();
  const tz = useSignedIn().organisation.timezone;
  const num = useNumber();
  const lang = i18n.language.startsWith('en') ? 'en' : 'fr';
  const state = useApi((signal) => api.get<ModelCard>(`/analytics/models/${id}/card`, undefined, signal), [id]);
  const version = state.data?.version;
  const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : formatPercent(v, i18n.language));
  return (
    <Page title={version !== undefined ? t('card.title', { version }) : t('card.titleLoading')}>
      <Group gap="md">
        <Anchor component={Link} to="/analytics/models" size="sm">
          {t('card.back')}
        </Anchor>
        <Anchor component={Link} to={`/analytics/models/${id}/fairness`} size="sm" data-testid="fairness-link">
          {t('card.fairnessLink')}
        </Anchor>
      </Group>
      <LoadState state={state}>
        {(card) => {
          const metrics = (card.metrics ?? {}) as TrainedMetrics;
          const w = card.data.window as Partial<Record<'from' | 'to' | 'learners' | 'cohorts' | 'trainLearners' | 'validationLearners' | 'withdrawn' | 'completed' | 'asOf', string | number>>;
          const arch = card.architecture as { architecture?: string; hidden?: number; steps?: number };
          const architecture = t(`card.architectures.${['gru', 'tcn', 'attention'].includes(arch.architecture ?? '') ? arch.architecture : 'other'}`);
          const sources = (list: readonly string[]) => list.map((s) => t(`card.sources.${s}`)).join(', ') || '—';
          const method = metrics.calibration?.method === 'platt' ? t('card.calibrationMethods.platt') : t('card.calibrationMethods.other');
          const comparison = card.comparison as Comparison | null;
          const reliability = card.reliabilityByWeek as WeekReliability[];
          return (
            <Stack gap="md" data-testid="model-card">
              {card.data.label === 'demo data (simulation)' && (
                <Alert color="#a3390b" variant="outline" title={t('card.simulatedTitle')}>
                  {t('card.simulated')}
                </Alert>
              )}
              <Section title={t('card.summary')}>
                <Facts
                  rows={[
                    [t('models.status'), <Badge color={STATUS_COLORS[card.status]}>{t(`models.statuses.${card.status}`)}</Badge>],
                    [t('card.kind'), t(`card.kinds.${card.kind}`)],
                    [t('models.trainedAt'), card.trainedAt ? formatDateTime(card.trainedAt, tz, i18n.language) : '—'],
                    [t('card.codeVersion'), card.codeVersion ?? '—'],
                    [t('card.target'), card.target[lang]],
                    [t('card.architecture'), t('card.architectureValue', { architecture, hidden: arch.hidden ?? '—', steps: arch.steps ?? '—' })],
                  ]}
                />
              </Section>
              <Section title={t('card.intendedUse')}>
                <Text size="sm">{card.intendedUse[lang]}</Text>
                <Title order={3} size="h5">
                  {t('card.humanOversight')}
                </Title>
                <Text size="sm">{card.humanOversight[lang]}</Text>
                <Text size="sm" data-testid="data-rule">
                  {t('card.dataRule', { weeks: card.dataRule.minWeeks, halfDays: card.dataRule.minHalfDays })}
                </Text>
              </Section>
              <Section title={t('card.data')}>
                <Facts
                  rows={[
                    [t('card.window'), w.from && w.to ? `${formatDate(String(w.from), i18n.language)} → ${formatDate(String(w.to), i18n.language)}` : '—'],
                    [t('card.learners'), t('card.learnersValue', { learners: w.learners ?? '—', cohorts: w.cohorts ?? '—', withdrawn: w.withdrawn ?? '—', completed: w.completed ?? '—' })],
                    [t('card.split'), t('card.splitValue', { train: w.trainLearners ?? '—', validation: w.validationLearners ?? '—' })],
                    [t('card.asOf'), w.asOf ? formatDate(String(w.asOf), i18n.language) : '—'],
                    [t('card.source'), card.data.label === 'demo data (simulation)' ? t('models.simulated') : t('models.orgData')],
                    [t('card.sourcesUsed'), sources(card.data.sourcesUsed)],
                    [t('card.sourcesNotRecorded'), sources(card.data.sourcesNotRecorded)],
                    [t('card.weeks'), String(card.data.weeks)],
                    [t('card.protected'), card.protectedAttributesUsed.length ? card.protectedAttributesUsed.join(', ') : t('card.none')],
                  ]}
                />
              </Section>
              <Section title={t('card.features')}>
                <Table.ScrollContainer minWidth={300}>
                  <Table striped>
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th scope="col">{t('card.meaning')}</Table.Th>
                        <Table.Th scope="col">{t('card.featureSource')}</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {card.features.map((f) => (
                        <Table.Tr key={f.name}>
                          <Table.Td>{lang === 'en' ? f.meaning_en : f.meaning_fr}</Table.Td>
                          <Table.Td>{t(`card.sources.${f.source}`)}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Table.ScrollContainer>
              </Section>
              <Section title={t('card.metrics')}>
                <Facts
                  rows={[
                    ['AUC', num(metrics.validation?.auc)],
                    ['PR-AUC', num(metrics.validation?.prAuc)],
                    [t('card.f1'), num(metrics.validation?.f1AtThreshold)],
                    [t('card.validationN'), String(metrics.validation?.n ?? '—')],
                    [t('card.training'), metrics.training ? t('card.trainingValue', { epochs: metrics.training.epochsRun, best: metrics.training.bestEpoch, seconds: num(metrics.training.trainSeconds, 1), backend: metrics.training.backend }) : '—'],
                  ]}
                />
                <Title order={3} size="h5">
                  {t('card.calibration')}
                </Title>
                <Facts
                  rows={[
                    [t('card.calibrationMethod'), method],
                    [t('card.brier'), `${num(metrics.calibration?.brier)} (${t('card.before')} ${num(metrics.calibration?.brierUncalibrated)})`],
                    ['ECE', `${num(metrics.calibration?.ece)} (${t('card.before')} ${num(metrics.calibration?.eceUncalibrated)})`],
                  ]}
                />
                <Title order={3} size="h5">
                  {t('card.byWeek')}
                </Title>
                <ScrollRegion label={t('card.byWeek')}>
                  <Table striped data-testid="metrics-by-week" miw={420}>
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th scope="col">{t('card.week')}</Table.Th>
                        <Table.Th scope="col">{t('card.n')}</Table.Th>
                        <Table.Th scope="col">{t('card.positives')}</Table.Th>
                        <Table.Th scope="col">AUC</Table.Th>
                        <Table.Th scope="col">PR-AUC</Table.Th>
                        <Table.Th scope="col">Brier</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {(metrics.byWeek ?? []).map((row) => (
                        <Table.Tr key={row.week}>
                          <Table.Th scope="row">{row.week}</Table.Th>
                          <Table.Td>{row.n}</Table.Td>
                          <Table.Td>{row.positives}</Table.Td>
                          <Table.Td>{num(row.auc)}</Table.Td>
                          <Table.Td>{num(row.prAuc)}</Table.Td>
                          <Table.Td>{num(row.brier)}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </ScrollRegion>
              </Section>
              <Section title={t('card.reliability')} testId="reliability">
                <Text size="sm">{t('card.reliabilityIntro')}</Text>
                <SimpleGrid cols={{ base: 2, sm: 4, lg: 6 }} spacing="sm">
                  {reliability.map((wk) => (
                    <ReliabilityDiagram key={wk.week} week={wk} />
                  ))}
                </SimpleGrid>
              </Section>
              <Section title={t('card.bandsTitle')} testId="bands">
                {card.bands.method === 'base_rate_by_week' ? (
                  <>
                    <Text size="sm">{t('card.bandsIntro')}</Text>
                    <Table.ScrollContainer minWidth={300}>
                      <Table striped data-testid="bands-by-week">
                        <Table.Thead>
                          <Table.Tr>
                            <Table.Th scope="col">{t('card.week')}</Table.Th>
                            <Table.Th scope="col">{t('card.bandBaseRate')}</Table.Th>
                            <Table.Th scope="col">{t('card.highFrom')}</Table.Th>
                            <Table.Th scope="col">{t('card.mediumFrom')}</Table.Th>
                          </Table.Tr>
                        </Table.Thead>
                        <Table.Tbody>
                          {card.bands.weeks.map((b) => (
                            <Table.Tr key={b.week}>
                              <Table.Th scope="row">{b.week}</Table.Th>
                              <Table.Td>{pct(b.baseRate)}</Table.Td>
                              <Table.Td>{pct(b.high)}</Table.Td>
                              <Table.Td>{pct(b.medium)}</Table.Td>
                            </Table.Tr>
                          ))}
                        </Table.Tbody>
                      </Table>
                    </Table.ScrollContainer>
                  </>
                ) : (
                  <Text size="sm">{t('card.bandsThreshold', { threshold: pct(card.bands.threshold) })}</Text>
                )}
              </Section>
              <Section title={t('card.monitoring')} testId="monitoring-section">
                <Text size="sm">{t('card.monitoringIntro')}</Text>
                <MonitoringTable rows={card.monitoring} />
                {comparison && (
                  <>
                    <Title order={3} size="h5">
                      {t('card.comparison')}
                    </Title>
                    {comparison.candidate && comparison.current && (
                      <Text size="sm">
                        {t('card.comparisonValue', { n: comparison.n, positives: comparison.positives, candidate: num(comparison.candidate.auc), current: num(comparison.current.auc), currentVersion: comparison.currentVersion })}
                      </Text>
                    )}
                    <Text size="sm" data-testid="comparison">
                      {t(`card.comparisonWhy.${comparison.why}`, { currentVersion: comparison.currentVersion, tolerance: num(comparison.tolerance ?? 0, 2) })}
                    </Text>
                  </>
                )}
              </Section>
              <Section title={t('card.limits')}>
                <List size="sm" spacing={4}>
                  {card.limits.map((l) => (
                    <List.Item key={l.en}>{l[lang]}</List.Item>
                  ))}
                </List>
              </Section>
            </Stack>
          );
        }}
      </LoadState>
    </Page>
  );
}

/** The fairness report of a model version, as a page of its own. */
export function FairnessPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const state = useApi((signal) => api.get<ModelVersion>(`/analytics/models/${id}`, undefined, signal), [id]);
  return (
    <Page title={state.data ? t('card.fairnessTitle', { version: state.data.version }) : t('card.fairness')}>
      <Anchor component={Link} to={`/analytics/models/${id}`} size="sm">
        {t('card.backToCard')}
      </Anchor>
      <FairnessPanel modelId={id} />
    </Page>
  );
}
