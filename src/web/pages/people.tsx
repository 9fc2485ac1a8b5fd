import { Anchor, Badge, Button, Checkbox, Group, Paper, PasswordInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, type Page as ApiPage } from '../api/client.ts';
import { ROLES, type Person, type Role } from '../api/types.ts';
import { Page } from '../components/page.tsx';
import { RoleCheckboxes } from '../components/role-checkboxes.tsx';
import { ErrorAlert, LoadState } from '../components/states.tsx';
import { formatDateTime } from '../lib/dates.ts';
import { useSignedIn } from '../lib/session.tsx';
import { useApi } from '../lib/use-api.ts';

interface PersonForm {
  email: string;
  givenName: string;
  familyName: string;
  phone: string;
  externalRef: string;
  roles: Role[];
  password: string;
}

function PersonFields({ form, setForm, withPassword }: { form: PersonForm; setForm: (f: PersonForm) => void; withPassword: boolean }) {
  const { t } = useTranslation();
  return (
    <Stack gap="sm">
      <Group grow wrap="wrap" align="flex-start">
        <TextInput label={t('people.fields.givenName')} required value={form.givenName} onChange={(e) => setForm({ ...form, givenName: e.currentTarget.value })} miw={180} />
        <TextInput label={t('people.fields.familyName')} required value={form.familyName} onChange={(e) => setForm({ ...form, familyName: e.currentTarget.value })} miw={180} />
      </Group>
      <Group grow wrap="wrap" align="flex-start">
        <TextInput label={t('people.fields.email')} type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.currentTarget.value })} miw={220} />
        <TextInput label={t('people.fields.phone')} type="tel" value={form.phone} onChange={(e) => setForm({ ...form, phone: e.currentTarget.value })} miw={160} />
        <TextInput label={t('people.fields.externalRef')} value={form.externalRef} onChange={(e) => setForm({ ...form, externalRef: e.currentTarget.value })} miw={160} />
      </Group>
      <RoleCheckboxes value={form.roles} onChange={(roles) => setForm({ ...form, roles })} />
      {withPassword && (
        <PasswordInput label={t('people.fields.password')} description={t('people.fields.passwordHelp')} autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.currentTarget.value })} maw={360} />
      )}
    </Stack>
  );
}

function optional(value: string): string | undefined {
  return value.trim() ? value.trim() : undefined;
}

export function PeoplePage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const role = params.get('role') ?? '';
  const [q, setQ] = useState('');
  const [debouncedQ] = useDebouncedValue(q, 300);
  const [creating, setCreating] = useState(false);
  const [form, setForm] = useState<PersonForm>({ email: '', givenName: '', familyName: '', phone: '', externalRef: '', roles: ['learner'], password: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const state = useApi((signal) => api.get<ApiPage<Person>>('/people', { role: role || undefined, q: debouncedQ.trim() || undefined, limit: 50, cursor }, signal), [role, debouncedQ, cursor]);

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const person = await api.post<Person>('/people', {
        email: form.email.trim(),
        givenName: form.givenName.trim(),
        familyName: form.familyName.trim(),
        phone: optional(form.phone),
        externalRef: optional(form.externalRef),
        roles: form.roles,
        password: form.password ? form.password : undefined,
      });
      navigate(`/people/${person.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page title={t('people.title')} actions={!creating && <Button onClick={() => setCreating(true)}>{t('people.new')}</Button>}>
      {creating && (
        <Paper withBorder p="md" component="form" noValidate onSubmit={create} aria-labelledby="new-person-title">
          <Stack gap="sm">
            <Title order={2} size="h4" id="new-person-title">
              {t('people.new')}
            </Title>
            <ErrorAlert error={error} />
            <PersonFields form={form} setForm={setForm} withPassword />
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
      <Group wrap="wrap" align="flex-end">
        <TextInput label={t('common.search')} type="search" value={q} onChange={(e) => { setQ(e.currentTarget.value); setCursor(undefined); }} miw={220} />
        <Select
          label={t('people.fields.role')}
          value={role}
          onChange={(v) => {
            setCursor(undefined);
            setParams(v ? { role: v } : {});
          }}
          data={[{ value: '', label: t('people.allRoles') }, ...ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))]}
          allowDeselect={false}
          w={200}
        />
      </Group>
      <LoadState state={state} isEmpty={(d) => d.items.length === 0} empty={t('people.empty')}>
        {(page) => (
          <Stack gap="sm">
            <Table.ScrollContainer minWidth={560}>
              <Table striped highlightOnHover>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('people.fields.name')}</Table.Th>
                    <Table.Th>{t('people.fields.email')}</Table.Th>
                    <Table.Th>{t('people.fields.roles')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.items.map((p) => (
                    <Table.Tr key={p.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/people/${p.id}`}>
                          {p.familyName} {p.givenName}
                        </Anchor>{' '}
                        {p.archivedAt && (
                          <Badge size="xs" color="gray.8">
                            {t('common.archived')}
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>{p.email}</Table.Td>
                      <Table.Td>{p.roles.map((r) => t(`roles.${r}`)).join(', ')}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Group>
              {cursor && (
                <Button variant="default" onClick={() => setCursor(undefined)}>
                  {t('common.firstPage')}
                </Button>
              )}
              {page.nextCursor && (
                <Button variant="default" onClick={() => setCursor(page.nextCursor ?? undefined)}>
                  {t('common.nextPage')}
                </Button>
              )}
            </Group>
          </Stack>
        )}
      </LoadState>
    </Page>
  );
}

export function PersonPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const state = useApi((signal) => api.get<Person>(`/people/${id}`, undefined, signal), [id]);
  return (
    <Page title={state.data ? `${state.data.givenName} ${state.data.familyName}` : t('people.one')}>
      <Anchor component={Link} to="/people" size="sm">
        ← {t('people.back')}
      </Anchor>
      <LoadState state={state}>{(person) => <PersonEditor key={person.id} person={person} onSaved={state.reload} />}</LoadState>
    </Page>
  );
}

function PersonEditor({ person, onSaved }: { person: Person; onSaved: () => void }) {
  const { t, i18n } = useTranslation();
  const session = useSignedIn();
  const [form, setForm] = useState<PersonForm>({
    email: person.email,
    givenName: person.givenName,
    familyName: person.familyName,
    phone: person.phone ?? '',
    externalRef: person.externalRef ?? '',
    roles: person.roles,
    password: '',
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  async function save(patch: Record<string, unknown>) {
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await api.patch<Person>(`/people/${person.id}`, patch);
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Paper
      withBorder
      p="md"
      component="form"
      noValidate
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void save({
          email: form.email.trim(),
          givenName: form.givenName.trim(),
          familyName: form.familyName.trim(),
          phone: form.phone.trim() || null,
          externalRef: form.externalRef.trim() || null,
          roles: form.roles,
        });
      }}
    >
      <Stack gap="sm">
        <Text size="sm" c="gray.8">
          {t('people.createdAt', { at: formatDateTime(person.createdAt, session.organisation.timezone, i18n.language) })}
        </Text>
        <ErrorAlert error={error} />
        {saved && (
          <Text c="teal.9" role="status">
            {t('common.saved')}
          </Text>
        )}
        <PersonFields form={form} setForm={setForm} withPassword={false} />
        <Checkbox label={t('common.archived')} checked={Boolean(person.archivedAt)} onChange={(e) => void save({ archived: e.currentTarget.checked })} />
        <Group>
          <Button type="submit" loading={busy}>
            {t('common.save')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
