import { Anchor, Badge, Button, Checkbox, Group, NumberInput, Paper, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { api, getAll } from '../api/client.ts';
import type { Module, Program } from '../api/types.ts';
import { Page } from '../components/page.tsx';
import { ErrorAlert, LoadState } from '../components/states.tsx';
import { useApi } from '../lib/use-api.ts';

interface ProgramForm {
  code: string;
  title: string;
  objectives: string;
  plannedHours: number | string;
  funder: string;
}

const emptyForm: ProgramForm = { code: '', title: '', objectives: '', plannedHours: 0, funder: '' };

function toBody(form: ProgramForm, forCreate: boolean) {
  const body: Record<string, unknown> = {
    title: form.title,
    objectives: form.objectives,
    plannedHours: Number(form.plannedHours) || 0,
  };
  if (form.code.trim()) body.code = form.code.trim();
  if (form.funder.trim()) body.funder = form.funder.trim();
  else if (!forCreate) body.funder = null;
  return body;
}

function ProgramFields({ form, setForm }: { form: ProgramForm; setForm: (f: ProgramForm) => void }) {
  const { t } = useTranslation();
  return (
    <Stack gap="sm">
      <Group grow align="flex-start" wrap="wrap">
        <TextInput label={t('programs.fields.title')} required value={form.title} onChange={(e) => setForm({ ...form, title: e.currentTarget.value })} miw={220} />
        <TextInput label={t('programs.fields.code')} description={t('programs.fields.codeHelp')} value={form.code} onChange={(e) => setForm({ ...form, code: e.currentTarget.value })} miw={160} />
      </Group>
      <Group grow align="flex-start" wrap="wrap">
        <NumberInput label={t('programs.fields.plannedHours')} min={0} max={10000} value={form.plannedHours} onChange={(v) => setForm({ ...form, plannedHours: v })} miw={160} />
        <TextInput label={t('programs.fields.funder')} value={form.funder} onChange={(e) => setForm({ ...form, funder: e.currentTarget.value })} miw={220} />
      </Group>
      <Textarea label={t('programs.fields.objectives')} autosize minRows={2} value={form.objectives} onChange={(e) => setForm({ ...form, objectives: e.currentTarget.value })} />
    </Stack>
  );
}

export function ProgramsPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [includeArchived, setIncludeArchived] = useState(false);
  const [creating, setCreating] = useState(false);
  const [form, setForm] = useState<ProgramForm>(emptyForm);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const state = useApi((signal) => getAll<Program>('/programs', { includeArchived: includeArchived ? 'true' : undefined }, 1000, signal), [includeArchived]);

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await api.post<Program>('/programs', toBody(form, true));
      navigate(`/programs/${created.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page title={t('programs.title')} actions={!creating && <Button onClick={() => setCreating(true)}>{t('programs.new')}</Button>}>
      {creating && (
        <Paper withBorder p="md" component="form" noValidate onSubmit={create} aria-labelledby="new-program-title">
          <Stack gap="sm">
            <Title order={2} size="h4" id="new-program-title">
              {t('programs.new')}
            </Title>
            <ErrorAlert error={error} />
            <ProgramFields form={form} setForm={setForm} />
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
      <Checkbox label={t('common.showArchived')} checked={includeArchived} onChange={(e) => setIncludeArchived(e.currentTarget.checked)} />
      <LoadState state={state} isEmpty={(d) => d.length === 0} empty={t('programs.empty')}>
        {(programs) => (
          <Table.ScrollContainer minWidth={560}>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('programs.fields.title')}</Table.Th>
                  <Table.Th>{t('programs.fields.code')}</Table.Th>
                  <Table.Th>{t('programs.fields.plannedHours')}</Table.Th>
                  <Table.Th>{t('programs.fields.funder')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {programs.map((p) => (
                  <Table.Tr key={p.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/programs/${p.id}`}>
                        {p.title}
                      </Anchor>{' '}
                      {p.archivedAt && (
                        <Badge size="xs" color="gray.8">
                          {t('common.archived')}
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>{p.code ?? '—'}</Table.Td>
                    <Table.Td>{p.plannedHours}</Table.Td>
                    <Table.Td>{p.funder ?? '—'}</Table.Td>
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

export function ProgramPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const state = useApi(async (signal) => {
    const program = await api.get<Program>(`/programs/${id}`, undefined, signal);
    return program;
  }, [id]);
  return (
    <Page title={state.data?.title ?? t('programs.one')}>
      <Anchor component={Link} to="/programs" size="sm">
        ← {t('programs.back')}
      </Anchor>
      <LoadState state={state}>{(program) => <ProgramEditor key={program.id} program={program} onSaved={state.reload} />}</LoadState>
      {state.data && <ModulesSection programId={id} />}
    </Page>
  );
}

function ProgramEditor({ program, onSaved }: { program: Program; onSaved: () => void }) {
  const { t } = useTranslation();
  const [form, setForm] = useState<ProgramForm>({
    code: program.code ?? '',
    title: program.title,
    objectives: program.objectives,
    plannedHours: program.plannedHours,
    funder: program.funder ?? '',
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  async function save(patch: Record<string, unknown>) {
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await api.patch<Program>(`/programs/${program.id}`, patch);
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
        void save(toBody(form, false));
      }}
    >
      <Stack gap="sm">
        <ErrorAlert error={error} />
        {saved && (
          <Text c="teal.9" role="status">
            {t('common.saved')}
          </Text>
        )}
        <ProgramFields form={form} setForm={setForm} />
        <Group>
          <Button type="submit" loading={busy}>
            {t('common.save')}
          </Button>
          <Button variant="outline" color="red.9" onClick={() => void save({ archived: !program.archivedAt })}>
            {program.archivedAt ? t('common.unarchive') : t('common.archive')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function ModulesSection({ programId }: { programId: string }) {
  const { t } = useTranslation();
  const state = useApi((signal) => getAll<Module>(`/programs/${programId}/modules`, {}, 1000, signal), [programId]);
  const [title, setTitle] = useState('');
  const [hours, setHours] = useState<number | string>(7);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function add(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post(`/programs/${programId}/modules`, { title, plannedHours: Number(hours) || 0 });
      setTitle('');
      state.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack gap="sm">
      <Title order={2} size="h4">
        {t('modules.title')}
      </Title>
      <LoadState state={state} isEmpty={(d) => d.length === 0} empty={t('modules.empty')}>
        {(modules) => (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>#</Table.Th>
                <Table.Th>{t('modules.fields.title')}</Table.Th>
                <Table.Th>{t('modules.fields.plannedHours')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {modules.map((m) => (
                <Table.Tr key={m.id}>
                  <Table.Td>{m.position}</Table.Td>
                  <Table.Td>{m.title}</Table.Td>
                  <Table.Td>{m.plannedHours}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </LoadState>
      <Paper withBorder p="md" component="form" noValidate onSubmit={add}>
        <Stack gap="sm">
          <ErrorAlert error={error} />
          <Group align="flex-end" wrap="wrap">
            <TextInput label={t('modules.fields.title')} required value={title} onChange={(e) => setTitle(e.currentTarget.value)} miw={220} />
            <NumberInput label={t('modules.fields.plannedHours')} min={0} value={hours} onChange={setHours} w={140} />
            <Button type="submit" loading={busy}>
              {t('modules.add')}
            </Button>
          </Group>
        </Stack>
      </Paper>
    </Stack>
  );
}
