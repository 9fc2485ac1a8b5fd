import { Badge, Button, Group, NumberInput, Paper, Select, Stack, Table, TagsInput, Text, Textarea, TextInput, Title } from '@mantine/core';
import { type FormEvent, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, getAll } from '../../api/client.ts';
import type { Cohort, DistributionInput, Module, Program, Questionnaire, QuestionnaireDistribution, Session } from '../../api/types.ts';
import { Empty, ErrorAlert, LoadState } from '../../components/states.tsx';
import { bodyFieldError } from '../../lib/errors.ts';
import { addDays, formatDate, formatDateTime, formatTimeRange, timeIn, todayIn, zonedTimeToIso } from '../../lib/dates.ts';
import { useSignedIn } from '../../lib/session.tsx';
import { useApi } from '../../lib/use-api.ts';

type TargetType = DistributionInput['targetType'];
type Trigger = DistributionInput['trigger'];
type Audience = DistributionInput['audience'];
const TARGET_TYPES: readonly TargetType[] = ['session', 'module', 'program', 'cohort'];
const TRIGGERS_FOR: Record<TargetType, readonly Trigger[]> = {
  session: ['end_of_session', 'before_first_session', 'days_after_end', 'now'],
  module: ['end_of_module', 'before_first_session', 'days_after_end', 'now'],
  program: ['end_of_program', 'before_first_session', 'days_after_end', 'now'],
  cohort: ['end_of_program', 'before_first_session', 'days_after_end', 'now'],
};
const AUDIENCES: readonly Audience[] = ['learners', 'trainers', 'external'];

/**
 * A date and time typed in the organisation's time zone (shown beside the field),
 * given and returned as an ISO instant.
 */
export function ZonedDateTimeInput({ label, value, onChange, timeZone, error, description }: { label: string; value: string | null; onChange: (iso: string | null) => void; timeZone: string; error?: string | undefined; description?: string }) {
  const { t } = useTranslation();
  const local = value ? `${todayIn(timeZone, new Date(value))}T${timeIn(value, timeZone)}` : '';
  return (
    <TextInput
      type="datetime-local"
      label={label}
      description={description ?? t('questionnaires.common.inTimeZone', { timeZone })}
      value={local}
      error={error}
      onChange={(e) => {
        const v = e.currentTarget.value;
        if (!v) return onChange(null);
        const [date, time] = v.split('T');
        if (date && time) onChange(zonedTimeToIso(date, time.slice(0, 5), timeZone));
      }}
      maw={280}
    />
  );
}

/** Programs, cohorts and the modules of every program: what a distribution can be attached to, with names for the list. */
function useCatalogue() {
  return useApi(async (signal) => {
    const [programs, cohorts] = await Promise.all([getAll<Program>('/programs', {}, 1000, signal), getAll<Cohort>('/cohorts', {}, 1000, signal)]);
    const modules = (await Promise.all(programs.map((p) => getAll<Module>(`/programs/${p.id}/modules`, {}, 1000, signal)))).flat();
    return { programs, cohorts, modules };
  }, []);
}
type Catalogue = NonNullable<ReturnType<typeof useCatalogue>['data']>;

function TargetName({ d, catalogue }: { d: QuestionnaireDistribution; catalogue: Catalogue | undefined }) {
  const { t, i18n } = useTranslation();
  const session = useSignedIn();
  const needsSession = d.targetType === 'session';
  const s = useApi((signal) => (needsSession ? api.get<Session>(`/sessions/${d.targetId}`, undefined, signal) : Promise.resolve(null)), [d.targetId, needsSession]);
  let name = '…';
  if (d.targetType === 'program') name = catalogue?.programs.find((p) => p.id === d.targetId)?.title ?? '…';
  if (d.targetType === 'cohort') name = catalogue?.cohorts.find((c) => c.id === d.targetId)?.name ?? '…';
  if (d.targetType === 'module') name = catalogue?.modules.find((m) => m.id === d.targetId)?.title ?? '…';
  if (needsSession && s.data) name = `${s.data.cohortName} · ${formatDate(s.data.date, i18n.language)} ${formatTimeRange(s.data.startsAt, s.data.endsAt, session.organisation.timezone, i18n.language)}`;
  return (
    <>
      <Text size="xs" c="gray.8">
        {t(`questionnaires.distribution.targets.${d.targetType}`)}
      </Text>
      <Text size="sm">{name}</Text>
    </>
  );
}

export function DistributionsPanel({ questionnaire }: { questionnaire: Questionnaire }) {
  const { t, i18n } = useTranslation();
  const session = useSignedIn();
  const tz = session.organisation.timezone;
  const catalogue = useCatalogue();
  const list = useApi((signal) => api.get<{ items: QuestionnaireDistribution[] }>(`/questionnaires/${questionnaire.id}/distributions`, undefined, signal), [questionnaire.id]);
  const [creating, setCreating] = useState(false);
  const published = questionnaire.status === 'published';
  const when = (iso: string | null) => (iso ? formatDateTime(iso, tz, i18n.language) : '—');

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="distributions-title">
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap">
          <Title order={2} size="h3" id="distributions-title">
            {t('questionnaires.distribution.title')}
          </Title>
          {published && !creating && <Button onClick={() => setCreating(true)}>{t('questionnaires.distribution.new')}</Button>}
        </Group>
        <Text size="sm">
          {questionnaire.anonymous ? t('questionnaires.distribution.anonymousNote') : t('questionnaires.distribution.identifiedNote')}
        </Text>
        {!published && (
          <Text size="sm" c="gray.8">
            {questionnaire.status === 'draft' ? t('questionnaires.distribution.publishFirst') : t('questionnaires.distribution.closedNote')}
          </Text>
        )}
        {creating && (
          <DistributionForm
            questionnaire={questionnaire}
            catalogue={catalogue.data}
            onCancel={() => setCreating(false)}
            onCreated={() => {
              setCreating(false);
              list.reload();
            }}
          />
        )}
        <LoadState state={list}>
          {(data) =>
            data.items.length === 0 ? (
              <Empty>{t('questionnaires.distribution.empty')}</Empty>
            ) : (
              // A focusable, named region: on a phone the table scrolls sideways, from the keyboard too.
              <div role="region" aria-labelledby="distributions-title" tabIndex={0} style={{ overflowX: 'auto' }}>
                <Table striped data-testid="distributions-table" miw={820}>
                  <Table.Caption>{t('questionnaires.distribution.caption', { timeZone: tz })}</Table.Caption>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('questionnaires.distribution.target')}</Table.Th>
                      <Table.Th>{t('questionnaires.distribution.trigger')}</Table.Th>
                      <Table.Th>{t('questionnaires.distribution.audience')}</Table.Th>
                      <Table.Th>{t('questionnaires.distribution.status')}</Table.Th>
                      <Table.Th>{t('questionnaires.distribution.dates')}</Table.Th>
                      <Table.Th>{t('questionnaires.distribution.responses')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {data.items.map((d) => (
                      <Table.Tr key={d.id} data-testid="distribution-row">
                        <Table.Td>
                          <TargetName d={d} catalogue={catalogue.data} />
                        </Table.Td>
                        <Table.Td>
                          {t(`questionnaires.distribution.triggers.${d.trigger}`, { count: d.triggerDays ?? 0 })}
                          {d.reminderDays.length > 0 && (
                            <Text size="xs" c="gray.8">
                              {t('questionnaires.distribution.remindersList', { days: d.reminderDays.join(', ') })}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>
                          {t(`questionnaires.distribution.audiences.${d.audience}`)}
                          {d.audience === 'external' && (
                            <Text size="xs" c="gray.8">
                              {d.externalEmails.join(', ')}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>
                          <Badge color={d.status === 'sent' ? 'teal.9' : d.status === 'closed' ? 'red.9' : 'blue.9'}>
                            {t(`questionnaires.distribution.statuses.${d.status}`)}
                          </Badge>
                        </Table.Td>
                        <Table.Td>
                          <Text size="xs">
                            {d.status === 'sent' ? t('questionnaires.distribution.sentAt', { at: when(d.sentAt) }) : d.dueAt ? t('questionnaires.distribution.dueAt', { at: when(d.dueAt) }) : t('questionnaires.distribution.noSessionYet')}
                          </Text>
                          {d.closesAt && <Text size="xs">{t('questionnaires.distribution.closesAtValue', { at: when(d.closesAt) })}</Text>}
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" fw={600} data-testid="distribution-responses">
                            {t('questionnaires.distribution.respondedOf', { responded: d.responded, invitations: d.invitations })}
                          </Text>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </div>
            )
          }
        </LoadState>
      </Stack>
    </Paper>
  );
}

function DistributionForm({ questionnaire, catalogue, onCancel, onCreated }: { questionnaire: Questionnaire; catalogue: Catalogue | undefined; onCancel: () => void; onCreated: () => void }) {
  const { t, i18n } = useTranslation();
  const session = useSignedIn();
  const tz = session.organisation.timezone;
  const [targetType, setTargetType] = useState<TargetType>('session');
  const [programId, setProgramId] = useState<string | null>(null);
  const [moduleId, setModuleId] = useState<string | null>(null);
  const [cohortId, setCohortId] = useState<string | null>(null);
  const [sessionId, setSessionId] = useState<string | null>(null);
  const [around, setAround] = useState(() => todayIn(tz));
  const [trigger, setTrigger] = useState<Trigger>('end_of_session');
  const [triggerDays, setTriggerDays] = useState<number | string>(30);
  const [audience, setAudience] = useState<Audience>('learners');
  const [emails, setEmails] = useState('');
  const [reminders, setReminders] = useState<string[]>(['3']);
  const [closesAt, setClosesAt] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [localError, setLocalError] = useState<string | null>(null);

  const sessions = useApi(
    (signal) => (targetType === 'session' && cohortId ? getAll<Session>('/sessions', { cohortId, from: addDays(around, -31), to: addDays(around, 31) }, 1000, signal) : Promise.resolve([] as Session[])),
    [targetType, cohortId, around],
  );
  const modules = useMemo(() => (catalogue?.modules ?? []).filter((m) => m.programId === programId), [catalogue, programId]);

  const targetId = targetType === 'program' ? programId : targetType === 'module' ? moduleId : targetType === 'cohort' ? cohortId : sessionId;
  const triggers = TRIGGERS_FOR[targetType];
  const needsDays = trigger === 'days_after_end' || trigger === 'before_first_session';

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setLocalError(null);
    if (!targetId) return setLocalError(t('questionnaires.distribution.chooseTarget'));
    const reminderDays = reminders.map((r) => Number(r)).filter((n) => Number.isInteger(n) && n > 0);
    if (reminderDays.length !== reminders.length) return setLocalError(t('questionnaires.distribution.badReminders'));
    const body: DistributionInput = { targetType, targetId, trigger, audience, reminderDays };
    if (needsDays && triggerDays !== '') body.triggerDays = Number(triggerDays);
    if (audience === 'external') body.externalEmails = emails.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean);
    if (closesAt) body.closesAt = closesAt;
    setBusy(true);
    try {
      await api.post<QuestionnaireDistribution>(`/questionnaires/${questionnaire.id}/distributions`, body);
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const targetError = bodyFieldError(error, 'targetId', t) ?? (localError && !targetId ? localError : undefined);
  return (
    <Paper withBorder p="md" bg="gray.0" component="form" noValidate onSubmit={submit} aria-labelledby="new-distribution-title" data-testid="distribution-form">
      <Stack gap="sm">
        <Title order={3} size="h4" id="new-distribution-title">
          {t('questionnaires.distribution.new')}
        </Title>
        <ErrorAlert error={error} />
        {localError && targetId && (
          <Text c="red.9" size="sm" role="alert">
            {localError}
          </Text>
        )}
        <Select
          label={t('questionnaires.distribution.attachTo')}
          data={TARGET_TYPES.map((x) => ({ value: x, label: t(`questionnaires.distribution.targets.${x}`) }))}
          value={targetType}
          allowDeselect={false}
          onChange={(v) => {
            if (!v) return;
            const type = v as TargetType;
            setTargetType(type);
            setTrigger(TRIGGERS_FOR[type][0]!);
          }}
          maw={320}
        />
        <Group grow align="flex-start" wrap="wrap">
          {(targetType === 'program' || targetType === 'module') && (
            <Select
              label={t('questionnaires.distribution.program')}
              data={(catalogue?.programs ?? []).map((p) => ({ value: p.id, label: p.title }))}
              value={programId}
              onChange={(v) => {
                setProgramId(v);
                setModuleId(null);
              }}
              searchable
              error={targetType === 'program' ? targetError : undefined}
              miw={220}
            />
          )}
          {targetType === 'module' && (
            <Select label={t('questionnaires.distribution.module')} data={modules.map((m) => ({ value: m.id, label: m.title }))} value={moduleId} onChange={setModuleId} disabled={!programId} error={targetError} miw={220} />
          )}
          {(targetType === 'cohort' || targetType === 'session') && (
            <Select
              label={t('questionnaires.distribution.cohort')}
              data={(catalogue?.cohorts ?? []).map((c) => ({ value: c.id, label: `${c.name} · ${c.programTitle}` }))}
              value={cohortId}
              onChange={(v) => {
                setCohortId(v);
                setSessionId(null);
              }}
              searchable
              error={targetType === 'cohort' ? targetError : undefined}
              miw={220}
            />
          )}
        </Group>
        {targetType === 'session' && (
          <Group grow align="flex-start" wrap="wrap">
            <TextInput type="date" label={t('questionnaires.distribution.around')} description={t('questionnaires.distribution.aroundHelp')} value={around} onChange={(e) => e.currentTarget.value && setAround(e.currentTarget.value)} maw={220} />
            <Select
              label={t('questionnaires.distribution.session')}
              data={(sessions.data ?? []).map((s) => ({ value: s.id, label: `${formatDate(s.date, i18n.language)} · ${formatTimeRange(s.startsAt, s.endsAt, tz, i18n.language)}${s.moduleTitle ? ` · ${s.moduleTitle}` : ''}` }))}
              value={sessionId}
              onChange={setSessionId}
              disabled={!cohortId}
              placeholder={cohortId && sessions.data?.length === 0 ? t('questionnaires.distribution.noSessions') : undefined}
              error={targetError}
              miw={260}
            />
          </Group>
        )}
        <Group grow align="flex-start" wrap="wrap">
          <Select
            label={t('questionnaires.distribution.trigger')}
            data={triggers.map((x) => ({ value: x, label: t(`questionnaires.distribution.triggerOptions.${x}`) }))}
            value={trigger}
            allowDeselect={false}
            onChange={(v) => v && setTrigger(v as Trigger)}
            error={bodyFieldError(error, 'trigger', t)}
            miw={220}
          />
          {needsDays && (
            <NumberInput
              label={trigger === 'days_after_end' ? t('questionnaires.distribution.daysAfter') : t('questionnaires.distribution.daysBefore')}
              min={0}
              max={3650}
              value={triggerDays}
              onChange={setTriggerDays}
              error={bodyFieldError(error, 'triggerDays', t)}
              miw={160}
            />
          )}
        </Group>
        <Select
          label={t('questionnaires.distribution.audience')}
          data={AUDIENCES.map((x) => ({ value: x, label: t(`questionnaires.distribution.audiences.${x}`) }))}
          value={audience}
          allowDeselect={false}
          onChange={(v) => v && setAudience(v as Audience)}
          maw={320}
        />
        {audience === 'external' && (
          <Textarea label={t('questionnaires.distribution.emails')} description={t('questionnaires.distribution.emailsHelp')} autosize minRows={2} value={emails} onChange={(e) => setEmails(e.currentTarget.value)} error={bodyFieldError(error, 'externalEmails', t)} />
        )}
        <TagsInput
          label={t('questionnaires.distribution.reminders')}
          description={t('questionnaires.distribution.remindersHelp')}
          value={reminders}
          onChange={setReminders}
          maxTags={10}
          error={bodyFieldError(error, 'reminderDays', t)}
          maw={420}
        />
        <ZonedDateTimeInput label={t('questionnaires.distribution.closesAt')} value={closesAt} onChange={setClosesAt} timeZone={tz} error={bodyFieldError(error, 'closesAt', t)} />
        <Text size="sm" c="gray.8">
          {questionnaire.anonymous ? t('questionnaires.distribution.anonymousNote') : t('questionnaires.distribution.identifiedNote')}
        </Text>
        <Group>
          <Button type="submit" loading={busy}>
            {t('questionnaires.distribution.create')}
          </Button>
          <Button variant="default" onClick={onCancel}>
            {t('common.cancel')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
