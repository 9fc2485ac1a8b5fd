import { Alert, Anchor, Badge, Button, Group, List, Paper, SegmentedControl, Select, Stack, Text, Textarea } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, getAll } from '../api/client.ts';
import type { Cohort, MyRisk, ObjectionList, ReviewAction, RiskBand, RiskItem, RiskList, RiskObjection, RiskReason, RiskReview } from '../api/types.ts';
import { REVIEW_ACTIONS } from '../api/types.ts';
import { Page } from '../components/page.tsx';
import { ErrorAlert, LoadState } from '../components/states.tsx';
import { formatDate, formatDateTime, intlLocale } from '../lib/dates.ts';
import { isStaff, useSignedIn } from '../lib/session.tsx';
import { useApi } from '../lib/use-api.ts';

/** Band colours dark enough for white text (WCAG AA). */
export const BAND_COLORS: Record<RiskBand, string> = { high: 'red.9', medium: '#a3390b', low: 'teal.9', insufficient_data: 'gray.8' };

export function formatPercent(p: number, language: string): string {
  return new Intl.NumberFormat(intlLocale(language), { style: 'percent', maximumFractionDigits: 0 }).format(p);
}

/** "Élevé · 72 %": the band in words and the probability; "Pas encore assez de données" alone. */
export function RiskBadge({ band, probability, forLearner = false }: { band: RiskBand; probability: number | null; forLearner?: boolean }) {
  const { t, i18n } = useTranslation();
  return (
    <Badge color={BAND_COLORS[band]} size="lg" data-testid="risk-band" data-band={band} style={{ textTransform: 'none', whiteSpace: 'normal', height: 'auto' }}>
      {t(forLearner ? `myRisk.band.${band}` : `risk.band.${band}`)}
      {probability !== null && !forLearner ? ` · ${formatPercent(probability, i18n.language)}` : ''}
    </Badge>
  );
}

export function ReasonList({ reasons, band, forLearner = false }: { reasons: readonly RiskReason[]; band: RiskBand; forLearner?: boolean }) {
  const { t, i18n } = useTranslation();
  if (band === 'insufficient_data') return null;
  if (!reasons.length) return <Text size="sm" c="gray.8" data-testid="no-own-reason">{t(forLearner ? 'myRisk.noOwnReason' : 'risk.noOwnReason')}</Text>;
  const en = i18n.language.startsWith('en');
  return (
    <List size="sm" spacing={2} aria-label={t('risk.reasons')}>
      {reasons.map((r) => (
        <List.Item key={r.feature}>{en ? r.textEn : r.textFr}</List.Item>
      ))}
    </List>
  );
}

/** A small line of the weekly probabilities (oldest first), with the values in its accessible name. */
function Sparkline({ trend }: { trend: RiskItem['trend'] }) {
  const { t, i18n } = useTranslation();
  const points = [...trend].filter((p): p is typeof p & { probability: number } => p.probability !== null).sort((a, b) => a.weekStart.localeCompare(b.weekStart));
  if (points.length === 0) return null;
  const w = 140, h = 36, pad = 3;
  const x = (i: number) => (points.length === 1 ? w / 2 : pad + (i * (w - 2 * pad)) / (points.length - 1));
  const y = (p: number) => h - pad - p * (h - 2 * pad);
  const label = t('risk.trendLabel', {
    values: points.map((p) => `${formatDate(p.weekStart, i18n.language, { day: 'numeric', month: 'short' })} ${formatPercent(p.probability, i18n.language)}`).join(', '),
  });
  return (
    <Group gap="xs" wrap="nowrap" align="center">
      <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label} data-testid="risk-trend">
        <title>{label}</title>
        <rect x={0} y={0} width={w} height={h} fill="#f1f3f5" rx={4} />
        <polyline fill="none" stroke="#1864ab" strokeWidth={2} points={points.map((p, i) => `${x(i)},${y(p.probability)}`).join(' ')} />
        {points.map((p, i) => (
          <circle key={p.weekStart} cx={x(i)} cy={y(p.probability)} r={2.5} fill={p.band === 'high' ? '#c92a2a' : p.band === 'medium' ? '#d9480f' : '#087f5b'} />
        ))}
      </svg>
      <Text size="xs" c="gray.8">
        {points.length > 1
          ? t('risk.trendText', { from: formatPercent(points[0]!.probability, i18n.language), to: formatPercent(points[points.length - 1]!.probability, i18n.language), weeks: points.length })
          : t('risk.trendSingle')}
      </Text>
    </Group>
  );
}

function AdvisoryBanner() {
  const { t } = useTranslation();
  return (
    <Alert color="blue" variant="light" title={t('risk.advisoryTitle')} data-testid="advisory-banner">
      <Text size="sm">{t('risk.advisory')}</Text>
    </Alert>
  );
}

function ReviewForm({ item, onSaved }: { item: RiskItem; onSaved: () => void }) {
  const { t } = useTranslation();
  const [action, setAction] = useState<ReviewAction | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const id = `review-${item.id}`;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!action) return;
    setBusy(true);
    setError(null);
    try {
      await api.post<RiskReview>(`/analytics/risk/${item.id}/reviews`, { action, note: note.trim() || null });
      setNote('');
      setAction(null);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`}>
      <Stack gap="xs">
        <Text id={`${id}-title`} fw={600} size="sm">
          {t('risk.recordAction', { name: item.personName })}
        </Text>
        <Select
          label={t('risk.action')}
          placeholder={t('risk.chooseAction')}
          data={REVIEW_ACTIONS.map((a) => ({ value: a, label: t(`risk.actions.${a}`) }))}
          value={action}
          onChange={(v) => setAction(v as ReviewAction | null)}
          required
          allowDeselect={false}
          maw={360}
          data-testid="review-action"
        />
        <Textarea label={t('risk.note')} value={note} onChange={(e) => setNote(e.currentTarget.value)} autosize minRows={1} maxLength={5000} />
        <ErrorAlert error={error} />
        <Group>
          <Button type="submit" loading={busy} disabled={!action}>
            {t('risk.saveAction')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function RiskCard({ item, onSaved }: { item: RiskItem; onSaved: () => void }) {
  const { t, i18n } = useTranslation();
  const tz = useSignedIn().organisation.timezone;
  const [open, setOpen] = useState(false);
  const review = item.latestReview;
  return (
    <Paper withBorder p="md" data-testid="risk-item" data-band={item.band}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <div>
            <Text fw={700} component="h2" size="md" m={0}>
              {item.personName}
            </Text>
            <Text size="sm" c="gray.8">
              {item.cohortName} · {t('risk.weekOf', { date: formatDate(item.weekStart, i18n.language) })}
            </Text>
          </div>
          <RiskBadge band={item.band} probability={item.probability} />
        </Group>
        {item.band === 'insufficient_data' ? (
          <Text size="sm" data-testid="insufficient-data">
            {t('risk.insufficientHelp')}
          </Text>
        ) : (
          <>
            <Text size="sm" fw={600}>
              {t('risk.reasons')}
            </Text>
            <ReasonList reasons={item.reasons} band={item.band} />
          </>
        )}
        <Sparkline trend={item.trend} />
        <Text size="sm" data-testid="latest-review">
          {review
            ? t('risk.latestReview', { action: t(`risk.actions.${review.action}`), at: formatDateTime(review.createdAt, tz, i18n.language) }) + (review.note ? ` — ${review.note}` : '')
            : t('risk.notReviewed')}
        </Text>
        {open ? (
          <ReviewForm
            item={item}
            onSaved={() => {
              setOpen(false);
              onSaved();
            }}
          />
        ) : (
          <Group>
            <Button variant="outline" size="sm" onClick={() => setOpen(true)}>
              {t('risk.recordActionButton')}
            </Button>
          </Group>
        )}
      </Stack>
    </Paper>
  );
}

type BandFilter = 'at_risk' | 'high' | 'medium' | 'low' | 'insufficient_data' | 'all';

/** Staff (and trainers for their cohorts): learners at risk, reasons, trend, latest review; record an action. */
export function RiskPage() {
  const { t, i18n } = useTranslation();
  const me = useSignedIn();
  const staff = isStaff(me.person.roles);
  const [cohortId, setCohortId] = useState<string | null>(null);
  const [band, setBand] = useState<BandFilter>('at_risk');
  const cohorts = useApi((signal) => getAll<Cohort>('/cohorts', {}, 1000, signal), []);
  const state = useApi((signal) => api.get<RiskList>('/analytics/risk', { cohortId: cohortId ?? undefined, band }, signal), [cohortId, band]);
  return (
    <Page title={t('risk.title')} actions={staff && <Anchor component={Link} to="/analytics/objections">{t('nav.objections')}</Anchor>}>
      <AdvisoryBanner />
      <Group align="flex-end" wrap="wrap" gap="md">
        <Select
          label={t('risk.cohort')}
          placeholder={t('risk.allCohorts')}
          data={(cohorts.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
          value={cohortId}
          onChange={setCohortId}
          clearable
          searchable
          maw={320}
          w="100%"
        />
        <div>
          <Text size="sm" fw={500} id="band-filter-label" mb={4}>
            {t('risk.bandFilter')}
          </Text>
          <SegmentedControl
            value={band}
            onChange={(v) => setBand(v as BandFilter)}
            aria-labelledby="band-filter-label"
            data={(['at_risk', 'high', 'medium', 'low', 'insufficient_data', 'all'] as const).map((b) => ({ value: b, label: t(`risk.filter.${b}`) }))}
            style={{ flexWrap: 'wrap' }}
          />
        </div>
      </Group>
      <LoadState state={state}>
        {(data) =>
          !data.model ? (
            <Alert color="gray" variant="light" data-testid="no-model">
              <Text size="sm">{t('risk.noModel')}</Text>
              {staff && (
                <Anchor component={Link} to="/analytics/models" size="sm">
                  {t('risk.goToModels')}
                </Anchor>
              )}
            </Alert>
          ) : (
            <Stack gap="sm">
              <Text size="sm" c="gray.8">
                {t('risk.modelUsed', { version: data.model.version, at: data.model.trainedAt ? formatDateTime(data.model.trainedAt, me.organisation.timezone, i18n.language) : '—' })} {t('risk.bandsNote')}{' '}
                {staff && (
                  <Anchor component={Link} to={`/analytics/models/${data.model.id}`} size="sm" underline="always">
                    {t('risk.openCard')}
                  </Anchor>
                )}
              </Text>
              {data.items.length === 0 ? (
                <Text py="lg" ta="center" c="gray.8" data-testid="empty-state">
                  {t('risk.empty')}
                </Text>
              ) : (
                <>
                  <Text size="sm" aria-live="polite">
                    {t('risk.count', { count: data.items.length })}
                  </Text>
                  {data.items.map((item) => (
                    <RiskCard key={item.id} item={item} onSaved={state.reload} />
                  ))}
                </>
              )}
            </Stack>
          )
        }
      </LoadState>
    </Page>
  );
}

function AnswerForm({ objection, onSaved }: { objection: ObjectionList['items'][number]; onSaved: () => void }) {
  const { t } = useTranslation();
  const [answer, setAnswer] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post<RiskObjection>(`/analytics/objections/${objection.id}/answer`, { answer });
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={(e) => void submit(e)}>
      <Stack gap="xs">
        <Textarea label={t('objections.answer')} value={answer} onChange={(e) => setAnswer(e.currentTarget.value)} required autosize minRows={2} maxLength={5000} />
        <ErrorAlert error={error} />
        <Group>
          <Button type="submit" loading={busy} disabled={!answer.trim()}>
            {t('objections.send')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Staff: learners' objections to their predictions, and the answer form. */
export function ObjectionsPage() {
  const { t, i18n } = useTranslation();
  const tz = useSignedIn().organisation.timezone;
  const [status, setStatus] = useState<'open' | 'answered'>('open');
  const state = useApi((signal) => api.get<ObjectionList>('/analytics/objections', { status }, signal), [status]);
  return (
    <Page title={t('objections.title')}>
      <SegmentedControl
        value={status}
        onChange={(v) => setStatus(v as 'open' | 'answered')}
        data={(['open', 'answered'] as const).map((s) => ({ value: s, label: t(`objections.status.${s}`) }))}
        aria-label={t('objections.filter')}
        maw={360}
      />
      <LoadState state={state} isEmpty={(d) => d.items.length === 0} empty={t('objections.empty')}>
        {(data) => (
          <Stack gap="sm">
            {data.items.map((o) => (
              <Paper key={o.id} withBorder p="md" data-testid="objection">
                <Stack gap="xs">
                  <Group justify="space-between" wrap="wrap">
                    <Text fw={700}>{o.personName}</Text>
                    <Badge color={o.status === 'open' ? '#a3390b' : 'teal.9'}>{t(`objections.status.${o.status}`)}</Badge>
                  </Group>
                  <Text size="xs" c="gray.8">
                    {t('objections.sentAt', { at: formatDateTime(o.createdAt, tz, i18n.language) })}
                  </Text>
                  <Text style={{ whiteSpace: 'pre-wrap' }}>{o.message}</Text>
                  {o.answer ? (
                    <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                      <strong>{t('objections.answer')}</strong>
                      {o.answeredAt ? ` (${formatDateTime(o.answeredAt, tz, i18n.language)})` : ''} : {o.answer}
                    </Text>
                  ) : (
                    <AnswerForm objection={o} onSaved={state.reload} />
                  )}
                </Stack>
              </Paper>
            ))}
          </Stack>
        )}
      </LoadState>
    </Page>
  );
}

function ObjectForm({ predictionId, onSaved }: { predictionId: string; onSaved: () => void }) {
  const { t } = useTranslation();
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post<RiskObjection>('/me/risk/objections', { predictionId, message });
      setMessage('');
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={(e) => void submit(e)}>
      <Stack gap="xs">
        <Textarea label={t('myRisk.objectLabel')} description={t('myRisk.objectHelp')} value={message} onChange={(e) => setMessage(e.currentTarget.value)} required autosize minRows={2} maxLength={5000} />
        <ErrorAlert error={error} />
        <Group>
          <Button type="submit" loading={busy} disabled={!message.trim()}>
            {t('myRisk.object')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** What helps and whom to talk to, for a learner (their trainers, then the training manager). */
function WhomToTalkTo({ contacts }: { contacts: MyRisk['contacts'] }) {
  const { t } = useTranslation();
  return (
    <Paper withBorder p="md" data-testid="what-helps">
      <Stack gap="xs">
        <Text fw={700} component="h2" size="md" m={0}>
          {t('myRisk.whatHelps')}
        </Text>
        <Text size="sm">{t('myRisk.whatHelpsText')}</Text>
        <Text fw={700} component="h2" size="md" m={0}>
          {t('myRisk.whom')}
        </Text>
        <List size="sm" spacing={2}>
          {contacts.map((c) => (
            <List.Item key={`${c.cohortName}/${c.email}`}>{t('myRisk.whomTrainer', { name: c.name, cohort: c.cohortName, email: c.email })}</List.Item>
          ))}
          <List.Item>{t('myRisk.whomManager')}</List.Item>
        </List>
      </Stack>
    </Paper>
  );
}

/** A learner's own estimates (model in service only) with the same reasons staff read, what helps, whom to talk to, and the way to object (GDPR art. 22). */
export function MyRiskPage() {
  const { t, i18n } = useTranslation();
  const tz = useSignedIn().organisation.timezone;
  const state = useApi((signal) => api.get<MyRisk>('/me/risk', undefined, signal), []);
  const [objecting, setObjecting] = useState<string | null>(null);
  const en = i18n.language.startsWith('en');
  return (
    <Page title={t('myRisk.title')}>
      <LoadState state={state}>
        {(data) => (
          <Stack gap="md">
            <Alert color="blue" variant="light" title={t('risk.advisoryTitle')} data-testid="advisory-banner">
              <Text size="sm">{en ? data.notice.en : data.notice.fr}</Text>
            </Alert>
            {!data.enabled ? (
              <Text py="lg" c="gray.8" data-testid="learner-access-off">
                {t('myRisk.disabled')}
              </Text>
            ) : data.predictions.length === 0 ? (
              <Text py="lg" ta="center" c="gray.8" data-testid="empty-state">
                {t('myRisk.empty')}
              </Text>
            ) : (
              data.predictions.map((p) => {
                const objections = data.objections.filter((o) => o.predictionId === p.id);
                return (
                  <Paper key={p.id} withBorder p="md" data-testid="my-prediction" data-band={p.band}>
                    <Stack gap="xs">
                      <Group justify="space-between" wrap="wrap">
                        <Text fw={700} component="h2" size="md" m={0}>
                          {t('risk.weekOf', { date: formatDate(p.weekStart, i18n.language) })}
                        </Text>
                        <RiskBadge band={p.band} probability={p.probability} forLearner />
                      </Group>
                      {p.band === 'insufficient_data' ? (
                        <Text size="sm" data-testid="insufficient-data">
                          {t('myRisk.insufficient', { min: data.minHalfDays })}
                        </Text>
                      ) : (
                        <>
                          {p.probability !== null && <Text size="sm">{t('myRisk.estimate', { percent: formatPercent(p.probability, i18n.language) })}</Text>}
                          <Text size="xs" c="gray.8">
                            {t('myRisk.computedAt', { at: formatDateTime(p.createdAt, tz, i18n.language), version: p.modelVersion })}
                          </Text>
                          <Text size="sm" fw={600}>
                            {t('myRisk.whatCounted')}
                          </Text>
                          <ReasonList reasons={p.reasons} band={p.band} forLearner />
                        </>
                      )}
                      {p.reviews.length > 0 && (
                        <Stack gap={2}>
                          <Text size="sm" fw={600}>
                            {t('myRisk.reviews')}
                          </Text>
                          {p.reviews.map((r) => (
                            <Text key={r.createdAt + r.action} size="sm">
                              {t(`risk.actions.${r.action}`)} · {formatDateTime(r.createdAt, tz, i18n.language)}
                            </Text>
                          ))}
                        </Stack>
                      )}
                      {objections.map((o) => (
                        <Paper key={o.id} bg="gray.0" p="sm" data-testid="my-objection">
                          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                            <strong>{t('myRisk.yourObjection')}</strong> ({formatDateTime(o.createdAt, tz, i18n.language)}) : {o.message}
                          </Text>
                          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                            {o.answer ? (
                              <>
                                <strong>{t('objections.answer')}</strong> : {o.answer}
                              </>
                            ) : (
                              t('myRisk.awaitingAnswer')
                            )}
                          </Text>
                        </Paper>
                      ))}
                      {p.band === 'insufficient_data' ? null : objecting === p.id ? (
                        <ObjectForm
                          predictionId={p.id}
                          onSaved={() => {
                            setObjecting(null);
                            state.reload();
                          }}
                        />
                      ) : (
                        <Group>
                          <Button variant="outline" size="sm" onClick={() => setObjecting(p.id)}>
                            {t('myRisk.object')}
                          </Button>
                        </Group>
                      )}
                    </Stack>
                  </Paper>
                );
              })
            )}
            <WhomToTalkTo contacts={data.contacts} />
          </Stack>
        )}
      </LoadState>
    </Page>
  );
}
