import { Anchor, Badge, Button, Group, NumberInput, Paper, Select, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../api/client.ts';
import type { Session } from '../api/types.ts';
import { Page } from '../components/page.tsx';
import { ErrorAlert, LoadState } from '../components/states.tsx';
import { formatDateTime, mondayOf } from '../lib/dates.ts';
import { isStaff, useSignedIn } from '../lib/session.tsx';
import { useApi } from '../lib/use-api.ts';

export function SessionPage() {
  const { t, i18n } = useTranslation();
  const { id = '' } = useParams();
  const me = useSignedIn();
  const staff = isStaff(me.person.roles);
  const state = useApi((signal) => api.get<Session>(`/sessions/${id}`, undefined, signal), [id]);
  return (
    <Page title={state.data ? `${state.data.cohortName} — ${t(`calendar.halfDay.${state.data.halfDay}`)}` : t('sessions.one')}>
      {state.data && (
        <Anchor component={Link} to={`/${staff ? 'calendar' : 'my/calendar'}?week=${mondayOf(state.data.date)}&cohortId=${state.data.cohortId}`} size="sm">
          ← {t('sessions.backToCalendar')}
        </Anchor>
      )}
      <LoadState state={state}>
        {(s) => (
          <Stack gap="md">
            <Paper withBorder p="md">
              <Stack gap={4}>
                <Text>
                  <strong>{t('sessions.fields.start')}</strong> : {formatDateTime(s.startsAt, s.timezone, i18n.language)}
                </Text>
                <Text>
                  <strong>{t('sessions.fields.end')}</strong> : {formatDateTime(s.endsAt, s.timezone, i18n.language)}
                </Text>
                <Text>
                  <strong>{t('sessions.fields.program')}</strong> : {s.programTitle}
                  {s.moduleTitle ? ` · ${s.moduleTitle}` : ''}
                </Text>
                {s.location && (
                  <Text>
                    <strong>{t('sessions.fields.location')}</strong> : {s.location}
                  </Text>
                )}
                <Group gap="xs">
                  <Badge color={s.status === 'cancelled' ? 'gray.8' : 'teal.9'}>{t(`sessions.status.${s.status}`)}</Badge>
                  {s.holiday && <Badge color="#a33b0b">{s.holiday}</Badge>}
                </Group>
              </Stack>
            </Paper>
            {s.status !== 'cancelled' && (
              <Group gap="sm">
                <Button component={Link} to={`/sessions/${s.id}/live`} size="md" data-testid="start-attendance">
                  {t('live.start')}
                </Button>
                <Button component={Link} to={`/attendance/sessions/${s.id}`} variant="outline">
                  {t('attendance.openSheet')}
                </Button>
              </Group>
            )}
            {staff && <SessionEditor key={s.id} session={s} onSaved={state.reload} />}
          </Stack>
        )}
      </LoadState>
    </Page>
  );
}

function SessionEditor({ session, onSaved }: { session: Session; onSaved: () => void }) {
  const { t } = useTranslation();
  const [form, setForm] = useState({
    date: session.date,
    startTime: session.startTime,
    endTime: session.endTime,
    location: session.location ?? '',
    remoteUrl: session.remoteUrl ?? '',
    capacity: session.capacity ?? ('' as number | string),
    status: session.status,
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await api.patch<Session>(`/sessions/${session.id}`, {
        date: form.date,
        startTime: form.startTime,
        endTime: form.endTime,
        location: form.location.trim() || null,
        remoteUrl: form.remoteUrl.trim() || null,
        capacity: form.capacity === '' ? null : Number(form.capacity),
        status: form.status,
      });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Paper withBorder p="md" component="form" noValidate onSubmit={submit}>
      <Stack gap="sm">
        <ErrorAlert error={error} />
        {saved && (
          <Text c="teal.9" role="status">
            {t('common.saved')}
          </Text>
        )}
        <Group grow wrap="wrap" align="flex-start">
          <TextInput type="date" label={t('sessions.fields.date')} required value={form.date} onChange={(e) => setForm({ ...form, date: e.currentTarget.value })} miw={150} />
          <TextInput type="time" label={t('generate.startTime')} required value={form.startTime} onChange={(e) => setForm({ ...form, startTime: e.currentTarget.value })} miw={110} />
          <TextInput type="time" label={t('generate.endTime')} required value={form.endTime} onChange={(e) => setForm({ ...form, endTime: e.currentTarget.value })} miw={110} />
        </Group>
        <Group grow wrap="wrap" align="flex-start">
          <TextInput label={t('sessions.fields.location')} value={form.location} onChange={(e) => setForm({ ...form, location: e.currentTarget.value })} miw={200} />
          <TextInput label={t('sessions.fields.remoteUrl')} type="url" value={form.remoteUrl} onChange={(e) => setForm({ ...form, remoteUrl: e.currentTarget.value })} miw={200} />
          <NumberInput label={t('sessions.fields.capacity')} min={1} value={form.capacity} onChange={(v) => setForm({ ...form, capacity: v })} miw={110} />
        </Group>
        <Select
          label={t('sessions.fields.status')}
          data={(['planned', 'cancelled'] as const).map((s) => ({ value: s, label: t(`sessions.status.${s}`) }))}
          value={form.status}
          onChange={(v) => v && setForm({ ...form, status: v as Session['status'] })}
          allowDeselect={false}
          maw={240}
        />
        <Group>
          <Button type="submit" loading={busy}>
            {t('common.save')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
