import { Button, Checkbox, Group, NumberInput, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { type FormEvent, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { api, getAll } from '../api/client.ts';
import type { Cohort, GenerateSessionsInput, GenerateSessionsResult, HalfDay, Session } from '../api/types.ts';
import { Page } from '../components/page.tsx';
import { SessionCard } from '../components/session-card.tsx';
import { Empty, ErrorAlert, LoadState } from '../components/states.tsx';
import { addDays, formatDate, isValidDate, mondayOf, todayIn } from '../lib/dates.ts';
import { isStaff, useSignedIn } from '../lib/session.tsx';
import { useApi } from '../lib/use-api.ts';

const HALF_DAYS: HalfDay[] = ['am', 'pm'];
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7];

/** Session calendar, one week at a time: Monday–Sunday columns, morning/afternoon rows. */
export function CalendarPage({ mine }: { mine: boolean }) {
  const { t, i18n } = useTranslation();
  const session = useSignedIn();
  const staff = isStaff(session.person.roles);
  const tz = session.organisation.timezone;
  const [params, setParams] = useSearchParams();
  const weekParam = params.get('week');
  const monday = mondayOf(weekParam && isValidDate(weekParam) ? weekParam : todayIn(tz));
  const sunday = addDays(monday, 6);
  const cohortId = params.get('cohortId') ?? '';
  const [panel, setPanel] = useState<'none' | 'generate' | 'create'>('none');
  const cohorts = useApi((signal) => getAll<Cohort>('/cohorts', {}, 1000, signal), []);
  const sessions = useApi(
    // Trainers and learners only ever get the sessions of their own cohorts (scoped by the server).
    (signal) => getAll<Session>('/sessions', { from: monday, to: sunday, cohortId: cohortId || undefined }, 2000, signal),
    [monday, cohortId, mine],
  );

  function update(next: { week?: string; cohortId?: string }) {
    const p = new URLSearchParams(params);
    if (next.week !== undefined) p.set('week', next.week);
    if (next.cohortId !== undefined) {
      if (next.cohortId) p.set('cohortId', next.cohortId);
      else p.delete('cohortId');
    }
    setParams(p);
  }

  const weekLabel = t('calendar.weekOf', { from: formatDate(monday, i18n.language), to: formatDate(sunday, i18n.language), tz });
  const cohortOptions = (cohorts.data ?? []).map((c) => ({ value: c.id, label: `${c.name} — ${c.programTitle}` }));

  return (
    <Page
      title={mine ? t('nav.myCalendar') : t('calendar.title')}
      actions={
        staff && (
          <>
            <Button variant={panel === 'generate' ? 'filled' : 'outline'} onClick={() => setPanel(panel === 'generate' ? 'none' : 'generate')} aria-expanded={panel === 'generate'}>
              {t('generate.open')}
            </Button>
            <Button variant={panel === 'create' ? 'filled' : 'outline'} onClick={() => setPanel(panel === 'create' ? 'none' : 'create')} aria-expanded={panel === 'create'}>
              {t('sessions.new')}
            </Button>
          </>
        )
      }
    >
      {panel === 'generate' && (
        <GenerateForm
          cohortOptions={cohortOptions}
          defaultCohortId={cohortId}
          defaultFrom={monday}
          onDone={(from, cohort) => {
            update({ week: mondayOf(from), cohortId: cohort });
            sessions.reload();
          }}
        />
      )}
      {panel === 'create' && (
        <CreateSessionForm
          cohortOptions={cohortOptions}
          defaultCohortId={cohortId}
          defaultDate={monday}
          onDone={(date) => {
            update({ week: mondayOf(date) });
            sessions.reload();
            setPanel('none');
          }}
        />
      )}
      <Group justify="space-between" wrap="wrap" align="flex-end">
        <Group gap="xs" wrap="wrap">
          <Button variant="default" onClick={() => update({ week: addDays(monday, -7) })} aria-label={t('calendar.previousWeek')}>
            ← {t('calendar.previous')}
          </Button>
          <Button variant="default" onClick={() => update({ week: mondayOf(todayIn(tz)) })}>
            {t('calendar.thisWeek')}
          </Button>
          <Button variant="default" onClick={() => update({ week: addDays(monday, 7) })} aria-label={t('calendar.nextWeek')}>
            {t('calendar.next')} →
          </Button>
        </Group>
        <Select
          label={t('calendar.filterCohort')}
          data={[{ value: '', label: t('calendar.allCohorts') }, ...cohortOptions]}
          value={cohortId}
          onChange={(v) => update({ cohortId: v ?? '' })}
          allowDeselect={false}
          searchable
          w={320}
          maw="100%"
        />
      </Group>
      <Title order={2} size="h4" aria-live="polite" data-testid="week-label">
        {weekLabel}
      </Title>
      <ErrorAlert error={cohorts.error} />
      <LoadState state={sessions}>{(items) => <WeekGrid monday={monday} sessions={items} mine={mine} />}</LoadState>
    </Page>
  );
}

function WeekGrid({ monday, sessions, mine = false }: { monday: string; sessions: Session[]; mine?: boolean }) {
  const { t, i18n } = useTranslation();
  const narrow = useMediaQuery('(max-width: 62em)');
  const days = WEEKDAYS.map((n) => addDays(monday, n - 1));
  const byCell = useMemo(() => {
    const map = new Map<string, Session[]>();
    for (const s of sessions) {
      const key = `${s.date}|${s.halfDay}`;
      map.set(key, [...(map.get(key) ?? []), s]);
    }
    return map;
  }, [sessions]);
  const cell = (date: string, half: HalfDay) => byCell.get(`${date}|${half}`) ?? [];

  if (narrow) {
    return (
      <Stack gap="sm" data-testid="calendar-week" data-layout="list">
        {sessions.length === 0 && <Empty>{t('calendar.empty')}</Empty>}
        {days.map((date) => {
          const daySessions = HALF_DAYS.flatMap((h) => cell(date, h));
          if (daySessions.length === 0) return null;
          return (
            <Paper key={date} withBorder p="sm" component="section" aria-label={formatDate(date, i18n.language, { weekday: 'long', day: 'numeric', month: 'long' })}>
              <Text fw={700} mb={4}>
                {formatDate(date, i18n.language, { weekday: 'long', day: 'numeric', month: 'long' })}
              </Text>
              <Stack gap={6}>
                {HALF_DAYS.map((h) =>
                  cell(date, h).length ? (
                    <Stack key={h} gap={4}>
                      <Text size="xs" fw={700} c="gray.8" tt="uppercase">
                        {t(`calendar.halfDay.${h}`)}
                      </Text>
                      {cell(date, h).map((s) => (
                        <SessionCard key={s.id} session={s} live={mine} />
                      ))}
                    </Stack>
                  ) : null,
                )}
              </Stack>
            </Paper>
          );
        })}
      </Stack>
    );
  }

  return (
    <Stack gap="xs">
      {sessions.length === 0 && <Empty>{t('calendar.empty')}</Empty>}
      <Table withTableBorder withColumnBorders layout="fixed" data-testid="calendar-week" data-layout="grid">
        <caption style={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}>{t('calendar.caption')}</caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={110}>
              <span style={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}>{t('calendar.halfDayHeader')}</span>
            </Table.Th>
            {days.map((date) => (
              <Table.Th key={date} scope="col">
                {formatDate(date, i18n.language, { weekday: 'short', day: 'numeric', month: 'short' })}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {HALF_DAYS.map((h) => (
            <Table.Tr key={h}>
              <Table.Th scope="row">{t(`calendar.halfDay.${h}`)}</Table.Th>
              {days.map((date) => (
                <Table.Td key={date} valign="top" data-date={date} data-half-day={h} style={{ verticalAlign: 'top' }}>
                  <Stack gap={4}>
                    {cell(date, h).map((s) => (
                      <SessionCard key={s.id} session={s} live={mine} />
                    ))}
                  </Stack>
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

interface Slot {
  enabled: boolean;
  startTime: string;
  endTime: string;
}

function GenerateForm({ cohortOptions, defaultCohortId, defaultFrom, onDone }: { cohortOptions: Array<{ value: string; label: string }>; defaultCohortId: string; defaultFrom: string; onDone: (from: string, cohortId: string) => void }) {
  const { t, i18n } = useTranslation();
  const [cohortId, setCohortId] = useState(defaultCohortId);
  const [from, setFrom] = useState(defaultFrom);
  const [weeks, setWeeks] = useState<number | string>(1);
  const [weekdays, setWeekdays] = useState<string[]>(['1', '2', '3', '4', '5']);
  const [morning, setMorning] = useState<Slot>({ enabled: true, startTime: '09:00', endTime: '12:30' });
  const [afternoon, setAfternoon] = useState<Slot>({ enabled: true, startTime: '13:30', endTime: '17:00' });
  const [skipHolidays, setSkipHolidays] = useState(true);
  const [location, setLocation] = useState('');
  const [preview, setPreview] = useState<GenerateSessionsResult | null>(null);
  const [created, setCreated] = useState<GenerateSessionsResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  function input(dryRun: boolean): GenerateSessionsInput {
    return {
      from,
      weeks: Number(weeks),
      weekdays: weekdays.map(Number).sort(),
      slots: [morning, afternoon].filter((s) => s.enabled).map(({ startTime, endTime }) => ({ startTime, endTime })),
      skipHolidays,
      ...(location.trim() ? { location: location.trim() } : {}),
      dryRun,
    };
  }

  async function submit(dryRun: boolean) {
    setBusy(true);
    setError(null);
    try {
      const result = await api.post<GenerateSessionsResult>(`/cohorts/${cohortId}/sessions/generate`, input(dryRun));
      if (dryRun) {
        setPreview(result);
        setCreated(null);
      } else {
        setCreated(result);
        setPreview(null);
        onDone(from, cohortId);
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const invalidate = () => {
    setPreview(null);
    setCreated(null);
  };

  return (
    <Paper
      withBorder
      p="md"
      component="form"
      noValidate
      aria-labelledby="generate-title"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void submit(true);
      }}
    >
      <Stack gap="sm">
        <Title order={2} size="h4" id="generate-title">
          {t('generate.title')}
        </Title>
        <Text size="sm">{t('generate.help')}</Text>
        <Group grow wrap="wrap" align="flex-start">
          <Select label={t('generate.cohort')} required searchable data={cohortOptions} value={cohortId || null} onChange={(v) => { setCohortId(v ?? ''); invalidate(); }} nothingFoundMessage={t('common.nothingFound')} miw={240} />
          <TextInput type="date" label={t('generate.from')} required value={from} onChange={(e) => { setFrom(e.currentTarget.value); invalidate(); }} miw={160} />
          <NumberInput label={t('generate.weeks')} required min={1} max={52} value={weeks} onChange={(v) => { setWeeks(v); invalidate(); }} miw={120} />
        </Group>
        <Checkbox.Group label={t('generate.weekdays')} value={weekdays} onChange={(v) => { setWeekdays(v); invalidate(); }}>
          <Group mt={4} gap="md">
            {WEEKDAYS.map((d) => (
              <Checkbox key={d} value={String(d)} label={t(`weekdays.${d}`)} />
            ))}
          </Group>
        </Checkbox.Group>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {([['am', morning, setMorning], ['pm', afternoon, setAfternoon]] as const).map(([h, slot, setSlot]) => (
            <Paper key={h} withBorder p="sm" component="fieldset" style={{ margin: 0 }}>
              <legend style={{ padding: '0 4px', fontWeight: 600, fontSize: 14 }}>{t(`generate.slot.${h}`)}</legend>
              <Stack gap="xs">
                <Checkbox label={t('generate.slotEnabled')} checked={slot.enabled} onChange={(e) => { setSlot({ ...slot, enabled: e.currentTarget.checked }); invalidate(); }} />
                <Group grow>
                  <TextInput type="time" label={t('generate.startTime')} value={slot.startTime} disabled={!slot.enabled} onChange={(e) => { setSlot({ ...slot, startTime: e.currentTarget.value }); invalidate(); }} />
                  <TextInput type="time" label={t('generate.endTime')} value={slot.endTime} disabled={!slot.enabled} onChange={(e) => { setSlot({ ...slot, endTime: e.currentTarget.value }); invalidate(); }} />
                </Group>
              </Stack>
            </Paper>
          ))}
        </SimpleGrid>
        <Group grow wrap="wrap" align="flex-end">
          <TextInput label={t('sessions.fields.location')} value={location} onChange={(e) => { setLocation(e.currentTarget.value); invalidate(); }} miw={220} />
          <Checkbox label={t('generate.skipHolidays')} checked={skipHolidays} onChange={(e) => { setSkipHolidays(e.currentTarget.checked); invalidate(); }} miw={220} />
        </Group>
        <ErrorAlert error={error} />
        <Group>
          <Button type="submit" variant="outline" loading={busy && !preview} disabled={!cohortId}>
            {t('generate.preview')}
          </Button>
          {preview && (
            <Button onClick={() => void submit(false)} loading={busy} disabled={preview.sessions.length === 0}>
              {t('generate.create', { count: preview.sessions.length })}
            </Button>
          )}
        </Group>
        {created && (
          <Text c="teal.9" fw={600} role="status" data-testid="generate-result">
            {t('generate.created', { count: created.created })}
          </Text>
        )}
        {preview && (
          <Stack gap="xs" data-testid="generate-preview">
            <Text fw={600} role="status">
              {t('generate.previewSummary', { count: preview.sessions.length, skipped: preview.skipped.length })}
            </Text>
            {preview.sessions.length > 0 && (
              <Table.ScrollContainer minWidth={420} mah={320}>
                <Table striped>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('sessions.fields.date')}</Table.Th>
                      <Table.Th>{t('sessions.fields.halfDay')}</Table.Th>
                      <Table.Th>{t('sessions.fields.time')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {preview.sessions.map((s) => (
                      <Table.Tr key={`${s.date}-${s.halfDay}`}>
                        <Table.Td>{formatDate(s.date, i18n.language)}</Table.Td>
                        <Table.Td>{t(`calendar.halfDay.${s.halfDay}`)}</Table.Td>
                        <Table.Td>
                          {s.startTime}–{s.endTime} ({s.timezone})
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
            {preview.skipped.length > 0 && (
              <Stack gap={2}>
                <Text size="sm" fw={600}>
                  {t('generate.skippedTitle')}
                </Text>
                {preview.skipped.map((s) => (
                  <Text size="sm" key={`${s.date}-${s.halfDay}`}>
                    {formatDate(s.date, i18n.language)}, {t(`calendar.halfDay.${s.halfDay}`)} —{' '}
                    {s.reason === 'holiday' ? t('generate.skippedHoliday', { name: s.holiday ?? '' }) : t('generate.skippedExists')}
                  </Text>
                ))}
              </Stack>
            )}
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}

function CreateSessionForm({ cohortOptions, defaultCohortId, defaultDate, onDone }: { cohortOptions: Array<{ value: string; label: string }>; defaultCohortId: string; defaultDate: string; onDone: (date: string) => void }) {
  const { t } = useTranslation();
  const [form, setForm] = useState({ cohortId: defaultCohortId, date: defaultDate, startTime: '09:00', endTime: '12:30', location: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post<Session>('/sessions', {
        cohortId: form.cohortId,
        date: form.date,
        startTime: form.startTime,
        endTime: form.endTime,
        ...(form.location.trim() ? { location: form.location.trim() } : {}),
      });
      onDone(form.date);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Paper withBorder p="md" component="form" noValidate onSubmit={submit} aria-labelledby="new-session-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="new-session-title">
          {t('sessions.new')}
        </Title>
        <ErrorAlert error={error} />
        <Group grow wrap="wrap" align="flex-start">
          <Select label={t('generate.cohort')} required searchable data={cohortOptions} value={form.cohortId || null} onChange={(v) => setForm({ ...form, cohortId: v ?? '' })} nothingFoundMessage={t('common.nothingFound')} miw={240} />
          <TextInput type="date" label={t('sessions.fields.date')} required value={form.date} onChange={(e) => setForm({ ...form, date: e.currentTarget.value })} miw={150} />
          <TextInput type="time" label={t('generate.startTime')} required value={form.startTime} onChange={(e) => setForm({ ...form, startTime: e.currentTarget.value })} miw={110} />
          <TextInput type="time" label={t('generate.endTime')} required value={form.endTime} onChange={(e) => setForm({ ...form, endTime: e.currentTarget.value })} miw={110} />
        </Group>
        <TextInput label={t('sessions.fields.location')} value={form.location} onChange={(e) => setForm({ ...form, location: e.currentTarget.value })} maw={400} />
        <Group>
          <Button type="submit" loading={busy} disabled={!form.cohortId}>
            {t('common.create')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

