import { Alert, Anchor, Badge, Button, Group, NumberInput, Paper, Progress, SegmentedControl, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../api/client.ts';
import type { AnalyticsSettings, ModelVersion, ModelVersionList, TrainingAccepted, TrainingJob } from '../api/types.ts';
import { Page } from '../components/page.tsx';
import { useNumber } from '../components/facts.tsx';
import { ErrorAlert, LoadState } from '../components/states.tsx';
import { formatDateTime, intlLocale } from '../lib/dates.ts';
import { useSignedIn } from '../lib/session.tsx';
import { useApi } from '../lib/use-api.ts';
import { GroupAttributesPanel } from './fairness.tsx';

/** The metrics stored with a trained version (see run-training-job.ts). */
export interface TrainedMetrics {
  label?: string;
  split?: string;
  unit?: string;
  validation?: { auc: number | null; prAuc: number | null; f1AtThreshold: number | null; n: number };
  calibration?: { method: string; brier: number | null; ece: number | null; brierUncalibrated: number | null; eceUncalibrated: number | null };
  threshold?: number;
  byWeek?: Array<{ week: number; n: number; positives: number; auc: number | null; prAuc: number | null; brier: number }>;
  training?: { epochsRun: number; bestEpoch: number; secondsPerEpoch: number | null; backend: string; trainSeconds: number };
}

type RetrainSetting = AnalyticsSettings['retrain'];
export const STATUS_COLORS: Record<ModelVersion['status'], string> = { training: 'blue.9', ready: 'teal.9', failed: 'red.9', retired: 'gray.7', rejected: 'gray.8' };

function formatSeconds(seconds: number, language: string): string {
  const s = Math.max(0, Math.round(seconds));
  const unit = new Intl.NumberFormat(intlLocale(language), { style: 'unit', unit: s >= 60 ? 'minute' : 'second', unitDisplay: 'short', maximumFractionDigits: 1 });
  return unit.format(s >= 60 ? Math.round((s / 60) * 10) / 10 : s);
}

/** The progress of a training job, polled until it ends. */
function TrainingProgress({ jobId, onEnded }: { jobId: number; onEnded: (job: TrainingJob) => void }) {
  const { t, i18n } = useTranslation();
  const [job, setJob] = useState<TrainingJob | null>(null);
  const [error, setError] = useState<unknown>(null);
  const ended = useRef(onEnded);
  ended.current = onEnded;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const poll = async () => {
      try {
        const next = await api.get<TrainingJob>(`/analytics/jobs/${jobId}`);
        if (stopped) return;
        setJob(next);
        setError(null);
        if (next.status === 'queued' || next.status === 'running') timer = setTimeout(() => void poll(), 800);
        else ended.current(next);
      } catch (err) {
        if (stopped) return;
        setError(err);
        timer = setTimeout(() => void poll(), 2000);
      }
    };
    void poll();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [jobId]);
  const [cancelling, setCancelling] = useState(false);
  async function cancel() {
    setCancelling(true);
    setError(null);
    try {
      setJob(await api.post<TrainingJob>(`/analytics/jobs/${jobId}/cancel`, {}));
    } catch (err) {
      setError(err);
    } finally {
      setCancelling(false);
    }
  }
  const p = job?.progress;
  const percent = job?.status === 'done' ? 100 : p && p.epochs > 0 ? Math.min(100, Math.round((p.epoch / p.epochs) * 100)) : 0;
  const phase = job?.status === 'failed' ? 'failed' : (p?.phase ?? 'queued');
  return (
    <Paper withBorder p="md" data-testid="training-progress" data-status={job?.status ?? 'queued'}>
      <Stack gap="xs">
        <Text fw={600}>{t('models.trainingJob', { id: jobId })}</Text>
        <Progress value={percent} size="lg" aria-label={t('models.progressLabel')} animated={job?.status === 'running' || job?.status === 'queued'} />
        <Text size="sm" aria-live="polite" data-testid="training-phase">
          {t(`models.phase.${['loading', 'training', 'evaluating', 'scoring', 'done', 'failed', 'queued'].includes(phase) ? phase : 'queued'}`)}
          {p && p.epochs > 0 ? ` · ${t('models.epoch', { epoch: p.epoch, epochs: p.epochs })}` : ''}
          {p && p.etaSeconds !== null && job?.status === 'running' ? ` · ${t('models.eta', { eta: formatSeconds(p.etaSeconds, i18n.language) })}` : ''}
          {p?.validationAuc !== null && p?.validationAuc !== undefined ? ` · ${t('models.validationAuc', { auc: p.validationAuc.toFixed(3) })}` : ''}
        </Text>
        {(job?.status === 'queued' || job?.status === 'running') && (
          <Group>
            <Button variant="outline" color="red.9" size="xs" loading={cancelling} onClick={() => void cancel()}>
              {t('models.cancel')}
            </Button>
          </Group>
        )}
        {job?.status === 'failed' && (
          <Alert color="red" variant="light" role="alert">
            {job.error ?? t('models.failed')}
          </Alert>
        )}
        <ErrorAlert error={error} />
      </Stack>
    </Paper>
  );
}

function RetrainSettingControl() {
  const { t } = useTranslation();
  const me = useSignedIn();
  const admin = me.person.roles.includes('admin');
  const state = useApi((signal) => api.get<AnalyticsSettings>('/analytics/settings', undefined, signal), []);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  async function change(patch: Partial<Pick<AnalyticsSettings, 'retrain' | 'learnerAccess' | 'minHalfDays' | 'minWeeks'>>) {
    setSaving(true);
    setError(null);
    setSaved(false);
    try {
      await api.patch<AnalyticsSettings>('/analytics/settings', patch);
      setSaved(true);
      state.reload();
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  }
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Title order={2} size="h4" id="retrain-label">
          {t('models.retrain')}
        </Title>
        <LoadState state={state}>
          {(settings) => (
            <Stack gap="xs">
              <SegmentedControl
                value={settings.retrain}
                onChange={(v) => void change({ retrain: v as RetrainSetting })}
                disabled={!admin || saving}
                aria-labelledby="retrain-label"
                data={(['off', 'weekly', 'monthly'] as const).map((v) => ({ value: v, label: t(`models.retrainOptions.${v}`) }))}
                maw={420}
              />
              <Switch
                checked={settings.learnerAccess}
                onChange={(e) => void change({ learnerAccess: e.currentTarget.checked })}
                disabled={!admin || saving}
                label={t('models.learnerAccess')}
                description={t('models.learnerAccessHelp')}
                data-testid="learner-access"
              />
              <Title order={3} size="h5">
                {t('models.dataRule')}
              </Title>
              <Group gap="md" align="flex-end" wrap="wrap">
                <NumberInput
                  label={t('models.minHalfDays')}
                  defaultValue={settings.minHalfDays}
                  min={0}
                  max={200}
                  allowDecimal={false}
                  disabled={!admin || saving}
                  onBlur={(e) => {
                    const v = Number(e.currentTarget.value);
                    if (Number.isInteger(v) && v !== settings.minHalfDays) void change({ minHalfDays: v });
                  }}
                  maw={260}
                />
                <NumberInput
                  label={t('models.minWeeks')}
                  defaultValue={settings.minWeeks}
                  min={0}
                  max={52}
                  allowDecimal={false}
                  disabled={!admin || saving}
                  onBlur={(e) => {
                    const v = Number(e.currentTarget.value);
                    if (Number.isInteger(v) && v !== settings.minWeeks) void change({ minWeeks: v });
                  }}
                  maw={260}
                />
              </Group>
              {!admin && (
                <Text size="sm" c="gray.8">
                  {t('models.retrainAdminOnly')}
                </Text>
              )}
              {saved && (
                <Text size="sm" c="teal.9" role="status">
                  {t('common.saved')}
                </Text>
              )}
              {settings.simulatedHistory && (
                <Text size="sm" c="gray.8">
                  {t('models.simulatedHistory')}
                </Text>
              )}
            </Stack>
          )}
        </LoadState>
        <ErrorAlert error={error} />
      </Stack>
    </Paper>
  );
}

/** Admins and managers: model versions, training with progress, scheduled retraining. */
export function ModelsPage() {
  const { t, i18n } = useTranslation();
  const tz = useSignedIn().organisation.timezone;
  const num = useNumber();
  const state = useApi((signal) => api.get<ModelVersionList>('/analytics/models', undefined, signal), []);
  const [jobId, setJobId] = useState<number | null>(null);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [endedJob, setEndedJob] = useState<TrainingJob | null>(null);
  const admin = useSignedIn().person.roles.includes('admin');
  // Admins may cap the epochs (a quicker, rougher model: early stopping may end sooner anyway).
  const [epochs, setEpochs] = useState<number | string>(30);

  // A training started earlier (another tab, the schedule) is followed too.
  const running = state.data?.items.find((m) => m.status === 'training' && m.trainingJobId !== null);
  const followed = jobId ?? (running?.trainingJobId ?? null);

  async function train() {
    setStarting(true);
    setError(null);
    setEndedJob(null);
    try {
      const accepted = await api.post<TrainingAccepted>('/analytics/models/train', admin && typeof epochs === 'number' ? { epochs } : {});
      setJobId(accepted.jobId);
      state.reload();
    } catch (err) {
      setError(err);
    } finally {
      setStarting(false);
    }
  }

  return (
    <Page
      title={t('models.title')}
      actions={
        <Button onClick={() => void train()} loading={starting} disabled={followed !== null && !endedJob} data-testid="train-model">
          {t('models.train')}
        </Button>
      }
    >
      <Text size="sm">{t('models.intro')}</Text>
      {admin && (
        <NumberInput
          label={t('models.maxEpochs')}
          description={t('models.maxEpochsHelp')}
          value={epochs}
          onChange={setEpochs}
          min={1}
          max={200}
          allowDecimal={false}
          maw={320}
          data-testid="max-epochs"
        />
      )}
      <ErrorAlert error={error} />
      {followed !== null && (
        <TrainingProgress
          key={followed}
          jobId={followed}
          onEnded={(job) => {
            setEndedJob(job);
            state.reload();
          }}
        />
      )}
      {endedJob?.status === 'done' && endedJob.result?.deployed === false && (
        <Alert color="gray.8" variant="outline" role="status" data-testid="training-done">
          {t('models.kept', { version: Number(endedJob.result?.version ?? 0), kept: Number(endedJob.result?.keptVersion ?? 0) })}
        </Alert>
      )}
      {endedJob?.status === 'done' && endedJob.result?.deployed !== false && (
        <Alert color="teal.9" variant="outline" role="status" data-testid="training-done">
          {t('models.done', { learners: Number(endedJob.result?.learnersScored ?? 0), predictions: Number(endedJob.result?.predictions ?? 0) })}{' '}
          <Anchor component={Link} to="/analytics/risk">
            {t('models.openRisk')}
          </Anchor>
        </Alert>
      )}
      <LoadState state={state} isEmpty={(d) => d.items.length === 0} empty={t('models.empty')}>
        {(data) => (
          <Table.ScrollContainer minWidth={720}>
            <Table striped highlightOnHover data-testid="model-list">
              <Table.Caption>{t('models.caption')}</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('models.version')}</Table.Th>
                  <Table.Th scope="col">{t('models.status')}</Table.Th>
                  <Table.Th scope="col">{t('models.trainedAt')}</Table.Th>
                  <Table.Th scope="col">AUC</Table.Th>
                  <Table.Th scope="col">PR-AUC</Table.Th>
                  <Table.Th scope="col">F1</Table.Th>
                  <Table.Th scope="col">Brier</Table.Th>
                  <Table.Th scope="col">{t('models.data')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((m) => {
                  const metrics = (m.metrics ?? {}) as TrainedMetrics;
                  return (
                    <Table.Tr key={m.id} data-testid="model-row" data-status={m.status}>
                      <Table.Td>
                        {m.status === 'ready' || m.status === 'retired' || m.status === 'rejected' ? (
                          <Anchor component={Link} to={`/analytics/models/${m.id}`}>
                            {t('models.versionN', { version: m.version })}
                          </Anchor>
                        ) : (
                          t('models.versionN', { version: m.version })
                        )}
                        <Text size="xs" c="gray.8">
                          {t(`models.kind.${m.kind}`)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Badge color={STATUS_COLORS[m.status]}>{t(`models.statuses.${m.status}`)}</Badge>
                        {m.status === 'rejected' && (
                          <Text size="xs" c="gray.8">
                            {t('models.rejectedHelp')}
                          </Text>
                        )}
                        {m.error && (
                          <Text size="xs" c="red.9">
                            {m.error}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>{m.trainedAt ? formatDateTime(m.trainedAt, tz, i18n.language) : '—'}</Table.Td>
                      <Table.Td>{num(metrics.validation?.auc)}</Table.Td>
                      <Table.Td>{num(metrics.validation?.prAuc)}</Table.Td>
                      <Table.Td>{num(metrics.validation?.f1AtThreshold)}</Table.Td>
                      <Table.Td>{num(metrics.calibration?.brier)}</Table.Td>
                      <Table.Td>{metrics.label === 'demo data (simulation)' ? t('models.simulated') : metrics.label ? t('models.orgData') : '—'}</Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </LoadState>
      <RetrainSettingControl />
      <GroupAttributesPanel />
      <Anchor component={Link} to="/analytics/objections">
        {t('nav.objections')}
      </Anchor>
    </Page>
  );
}
