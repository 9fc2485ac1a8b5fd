import { Anchor, Badge, Button, Group, MultiSelect, Paper, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, getAll } from '../api/client.ts';
import type { Cohort, Enrolment, EnrolmentStatus, Person, Program } from '../api/types.ts';
import { Page } from '../components/page.tsx';
import { ErrorAlert, LoadState } from '../components/states.tsx';
import { formatDate, formatDateTime } from '../lib/dates.ts';
import { isStaff, useSignedIn } from '../lib/session.tsx';
import { useApi } from '../lib/use-api.ts';

function DateRange({ from, to }: { from: string | null; to: string | null }) {
  const { i18n } = useTranslation();
  if (!from && !to) return <>—</>;
  return (
    <>
      {from ? formatDate(from, i18n.language, { day: 'numeric', month: 'short', year: 'numeric' }) : '…'} → {to ? formatDate(to, i18n.language, { day: 'numeric', month: 'short', year: 'numeric' }) : '…'}
    </>
  );
}

export function CohortsPage({ mine = false }: { mine?: boolean }) {
  const { t } = useTranslation();
  const session = useSignedIn();
  const staff = isStaff(session.person.roles);
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const programId = params.get('programId') ?? '';
  const [creating, setCreating] = useState(false);
  const [form, setForm] = useState({ programId: '', name: '', startsOn: '', endsOn: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const programs = useApi((signal) => (staff ? getAll<Program>('/programs', {}, 1000, signal) : Promise.resolve([])), [staff]);
  const state = useApi((signal) => getAll<Cohort>('/cohorts', { programId: programId || undefined }, 1000, signal), [programId]);

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const cohort = await api.post<Cohort>('/cohorts', {
        programId: form.programId,
        name: form.name.trim(),
        startsOn: form.startsOn || undefined,
        endsOn: form.endsOn || undefined,
      });
      navigate(`/cohorts/${cohort.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const programOptions = (programs.data ?? []).map((p) => ({ value: p.id, label: p.title }));

  return (
    <Page title={mine ? t('nav.myCohorts') : t('cohorts.title')} actions={staff && !creating && <Button onClick={() => setCreating(true)}>{t('cohorts.new')}</Button>}>
      {creating && (
        <Paper withBorder p="md" component="form" noValidate onSubmit={create} aria-labelledby="new-cohort-title">
          <Stack gap="sm">
            <Title order={2} size="h4" id="new-cohort-title">
              {t('cohorts.new')}
            </Title>
            <ErrorAlert error={error ?? programs.error} />
            <Group grow wrap="wrap" align="flex-start">
              <Select label={t('cohorts.fields.program')} required searchable data={programOptions} value={form.programId || null} onChange={(v) => setForm({ ...form, programId: v ?? '' })} nothingFoundMessage={t('common.nothingFound')} miw={220} />
              <TextInput label={t('cohorts.fields.name')} required value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} miw={220} />
            </Group>
            <Group grow wrap="wrap" align="flex-start">
              <TextInput type="date" label={t('cohorts.fields.startsOn')} value={form.startsOn} onChange={(e) => setForm({ ...form, startsOn: e.currentTarget.value })} miw={160} />
              <TextInput type="date" label={t('cohorts.fields.endsOn')} value={form.endsOn} onChange={(e) => setForm({ ...form, endsOn: e.currentTarget.value })} miw={160} />
            </Group>
            <Group>
              <Button type="submit" loading={busy}>
                {t('common.create')}
              </Button>
              <Button variant="default" onClick={() => setCreating(false)}>
                {t('common.cancel')}
              </Button>
            </Group>
          </Stack>
        </Paper>
      )}
      {staff && (
        <Select
          label={t('cohorts.fields.program')}
          data={[{ value: '', label: t('cohorts.allPrograms') }, ...programOptions]}
          value={programId}
          onChange={(v) => setParams(v ? { programId: v } : {})}
          allowDeselect={false}
          maw={360}
        />
      )}
      <LoadState state={state} isEmpty={(d) => d.length === 0} empty={t('cohorts.empty')}>
        {(cohorts) => (
          <Table.ScrollContainer minWidth={560}>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('cohorts.fields.name')}</Table.Th>
                  <Table.Th>{t('cohorts.fields.program')}</Table.Th>
                  <Table.Th>{t('cohorts.fields.dates')}</Table.Th>
                  <Table.Th>{t('cohorts.fields.learners')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {cohorts.map((c) => (
                  <Table.Tr key={c.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/cohorts/${c.id}`}>
                        {c.name}
                      </Anchor>{' '}
                      {c.archivedAt && (
                        <Badge size="xs" color="gray.8">
                          {t('common.archived')}
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>{c.programTitle}</Table.Td>
                    <Table.Td>
                      <DateRange from={c.startsOn} to={c.endsOn} />
                    </Table.Td>
                    <Table.Td>{c.learnerCount}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </LoadState>
    </Page>
  );
}

export function CohortPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const session = useSignedIn();
  const staff = isStaff(session.person.roles);
  const state = useApi((signal) => api.get<Cohort>(`/cohorts/${id}`, undefined, signal), [id]);
  return (
    <Page
      title={state.data ? state.data.name : t('cohorts.one')}
      actions={
        state.data && (
          <>
            <Button component={Link} to={`/${staff ? 'calendar' : 'my/calendar'}?cohortId=${id}`} variant="outline">
              {t('cohorts.viewCalendar')}
            </Button>
            {staff && (
              <Button component={Link} to={`/imports?cohortId=${id}`} variant="outline">
                {t('cohorts.importLearners')}
              </Button>
            )}
          </>
        )
      }
    >
      <Anchor component={Link} to={staff ? '/cohorts' : '/my/cohorts'} size="sm">
        ← {t('cohorts.back')}
      </Anchor>
      <LoadState state={state}>
        {(cohort) => (
          <Stack gap="lg">
            <Text>
              {cohort.programTitle} · <DateRange from={cohort.startsOn} to={cohort.endsOn} /> · {t('cohorts.learnerCount', { count: cohort.learnerCount })}
            </Text>
            {staff && <CohortEditor key={cohort.id} cohort={cohort} onSaved={state.reload} />}
            <EnrolmentsSection cohort={cohort} canEdit={staff} onChanged={state.reload} />
          </Stack>
        )}
      </LoadState>
    </Page>
  );
}

function CohortEditor({ cohort, onSaved }: { cohort: Cohort; onSaved: () => void }) {
  const { t } = useTranslation();
  const [form, setForm] = useState({ name: cohort.name, startsOn: cohort.startsOn ?? '', endsOn: cohort.endsOn ?? '' });
  const [trainerIds, setTrainerIds] = useState<string[]>(cohort.trainerIds);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const trainers = useApi((signal) => getAll<Person>('/people', { role: 'trainer' }, 1000, signal), []);

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await api.patch<Cohort>(`/cohorts/${cohort.id}`, { name: form.name.trim(), startsOn: form.startsOn || null, endsOn: form.endsOn || null });
      if (trainerIds.join() !== cohort.trainerIds.join()) await api.put(`/cohorts/${cohort.id}/trainers`, { trainerIds });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Paper withBorder p="md" component="form" noValidate onSubmit={save} aria-labelledby="edit-cohort-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="edit-cohort-title">
          {t('cohorts.edit')}
        </Title>
        <ErrorAlert error={error ?? trainers.error} />
        {saved && (
          <Text c="teal.9" role="status">
            {t('common.saved')}
          </Text>
        )}
        <Group grow wrap="wrap" align="flex-start">
          <TextInput label={t('cohorts.fields.name')} required value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} miw={200} />
          <TextInput type="date" label={t('cohorts.fields.startsOn')} value={form.startsOn} onChange={(e) => setForm({ ...form, startsOn: e.currentTarget.value })} miw={150} />
          <TextInput type="date" label={t('cohorts.fields.endsOn')} value={form.endsOn} onChange={(e) => setForm({ ...form, endsOn: e.currentTarget.value })} miw={150} />
        </Group>
        <MultiSelect
          label={t('cohorts.fields.trainers')}
          data={(trainers.data ?? []).map((p) => ({ value: p.id, label: `${p.givenName} ${p.familyName}` }))}
          value={trainerIds}
          onChange={setTrainerIds}
          searchable
          nothingFoundMessage={t('common.nothingFound')}
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

const STATUSES: EnrolmentStatus[] = ['active', 'completed', 'withdrawn'];

function EnrolmentsSection({ cohort, canEdit, onChanged }: { cohort: Cohort; canEdit: boolean; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const session = useSignedIn();
  const state = useApi((signal) => getAll<Enrolment>(`/cohorts/${cohort.id}/enrolments`, {}, 5000, signal), [cohort.id]);
  const learners = useApi((signal) => (canEdit ? getAll<Person>('/people', { role: 'learner' }, 5000, signal) : Promise.resolve([])), [canEdit]);
  const [personId, setPersonId] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function run(action: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await action();
      state.reload();
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const enrolled = new Set((state.data ?? []).map((e) => e.personId));
  return (
    <Stack gap="sm">
      <Title order={2} size="h4">
        {t('enrolments.title')}
      </Title>
      <ErrorAlert error={error} />
      {canEdit && (
        <Group align="flex-end" wrap="wrap">
          <Select
            label={t('enrolments.enrolLearner')}
            searchable
            clearable
            data={(learners.data ?? []).filter((p) => !enrolled.has(p.id)).map((p) => ({ value: p.id, label: `${p.familyName} ${p.givenName} <${p.email}>` }))}
            value={personId}
            onChange={setPersonId}
            nothingFoundMessage={t('common.nothingFound')}
            miw={280}
          />
          <Button disabled={!personId} loading={busy} onClick={() => personId && void run(async () => { await api.post(`/cohorts/${cohort.id}/enrolments`, { personId }); setPersonId(null); })}>
            {t('enrolments.enrol')}
          </Button>
        </Group>
      )}
      <LoadState state={state} isEmpty={(d) => d.length === 0} empty={t('enrolments.empty')}>
        {(enrolments) => (
          <Table.ScrollContainer minWidth={560}>
            <Table striped data-testid="enrolments-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('people.fields.name')}</Table.Th>
                  <Table.Th>{t('people.fields.email')}</Table.Th>
                  <Table.Th>{t('enrolments.enrolledAt')}</Table.Th>
                  <Table.Th>{t('enrolments.status')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {enrolments.map((en) => (
                  <Table.Tr key={en.id}>
                    <Table.Td>
                      {en.person.familyName} {en.person.givenName}{' '}
                      {en.walkIn && (
                        <Badge size="xs" color="#a33b0b">
                          {t('enrolments.walkIn')}
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>{en.person.email}</Table.Td>
                    <Table.Td>{formatDateTime(en.enrolledAt, session.organisation.timezone, i18n.language)}</Table.Td>
                    <Table.Td>
                      {canEdit ? (
                        <Select
                          aria-label={t('enrolments.statusOf', { name: `${en.person.givenName} ${en.person.familyName}` })}
                          size="xs"
                          data={STATUSES.map((s) => ({ value: s, label: t(`enrolments.statuses.${s}`) }))}
                          value={en.status}
                          allowDeselect={false}
                          onChange={(v) => v && v !== en.status && void run(() => api.patch(`/enrolments/${en.id}`, { status: v }))}
                          w={150}
                        />
                      ) : (
                        t(`enrolments.statuses.${en.status}`)
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </LoadState>
    </Stack>
  );
}
