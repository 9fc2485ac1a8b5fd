import { Alert, Badge, Box, Button, Checkbox, Group, List, Paper, SegmentedControl, Select, Stack, Table, Text, Title } from '@mantine/core';
import { type ChangeEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { ApiError, api, getAll } from '../api/client.ts';
import type { Cohort, ImportError, ImportPreview, ImportResult, ImportRow } from '../api/types.ts';
import { Page } from '../components/page.tsx';
import { ErrorAlert } from '../components/states.tsx';
import { problemItemMessage } from '../lib/errors.ts';
import { useApi } from '../lib/use-api.ts';

type Kind = 'learners' | 'sessions';

function rowErrorColumns(row: ImportRow): Set<string> {
  return new Set(row.errors.flatMap((e) => (e.column ? [e.column] : [])));
}

/** "ligne 12, colonne prénom : …" — the column named by its header in the file, when known. */
function ErrorLine({ error, headerOf }: { error: ImportError; headerOf?: (column: string) => string }) {
  const { t } = useTranslation();
  const message = problemItemMessage(error, t);
  const column = error.column ? (headerOf?.(error.column) ?? error.column) : null;
  return <>{column ? t('import.errorAt', { line: error.line, column, message }) : t('import.errorAtLine', { line: error.line, message })}</>;
}

export function ImportPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const fileInputId = useId();
  const [kind, setKind] = useState<Kind>('learners');
  const [cohortId, setCohortId] = useState(params.get('cohortId') ?? '');
  const [encoding, setEncoding] = useState('utf-8');
  const [file, setFile] = useState<File | null>(null);
  const [allowPartial, setAllowPartial] = useState(false);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [busy, setBusy] = useState<'preview' | 'import' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const cohorts = useApi((signal) => getAll<Cohort>('/cohorts', {}, 1000, signal), []);

  function reset() {
    setPreview(null);
    setResult(null);
    setError(null);
  }

  async function send(dryRun: boolean) {
    if (!file || !cohortId) return;
    setBusy(dryRun ? 'preview' : 'import');
    setError(null);
    try {
      const query = { cohortId, dryRun: String(dryRun), allowPartial: String(allowPartial), encoding };
      if (dryRun) {
        setPreview(await api.upload<ImportPreview>(`/imports/${kind}`, file, 'text/csv', query));
        setResult(null);
      } else {
        setResult(await api.upload<ImportResult>(`/imports/${kind}`, file, 'text/csv', query));
        setPreview(null);
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  const commitErrors: ImportError[] =
    error instanceof ApiError && error.code === 'import_invalid'
      ? error.errors.map((e) => ({ line: e.line ?? 0, column: e.column ?? null, code: e.code, params: e.params, message: e.message }))
      : [];
  const canImport = preview !== null && preview.summary.valid > 0 && (preview.summary.invalid === 0 || allowPartial);
  const cohortName = cohorts.data?.find((c) => c.id === cohortId)?.name;

  return (
    <Page title={t('import.title')}>
      <Paper withBorder p="md">
        <Stack gap="sm">
          <SegmentedControl
            aria-label={t('import.kind')}
            value={kind}
            onChange={(v) => {
              setKind(v as Kind);
              reset();
            }}
            data={[
              { value: 'learners', label: t('import.kinds.learners') },
              { value: 'sessions', label: t('import.kinds.sessions') },
            ]}
            maw={420}
          />
          <Text size="sm">{kind === 'learners' ? t('import.helpLearners') : t('import.helpSessions')}</Text>
          <Group grow wrap="wrap" align="flex-start">
            <Select
              label={t('import.cohort')}
              required
              searchable
              data={(cohorts.data ?? []).map((c) => ({ value: c.id, label: `${c.name} — ${c.programTitle}` }))}
              value={cohortId || null}
              onChange={(v) => {
                setCohortId(v ?? '');
                reset();
              }}
              nothingFoundMessage={t('common.nothingFound')}
              miw={260}
            />
            <Select
              label={t('import.encoding')}
              data={[
                { value: 'utf-8', label: 'UTF-8' },
                { value: 'windows-1252', label: t('import.windows1252') },
              ]}
              value={encoding}
              onChange={(v) => {
                setEncoding(v ?? 'utf-8');
                reset();
              }}
              allowDeselect={false}
              miw={200}
            />
          </Group>
          <Stack gap={4}>
            <Text component="label" htmlFor={fileInputId} size="sm" fw={500}>
              {t('import.file')}
            </Text>
            <input
              id={fileInputId}
              type="file"
              accept=".csv,text/csv"
              data-testid="import-file"
              onChange={(e: ChangeEvent<HTMLInputElement>) => {
                setFile(e.currentTarget.files?.[0] ?? null);
                reset();
              }}
            />
          </Stack>
          <Checkbox label={t('import.allowPartial')} checked={allowPartial} onChange={(e) => setAllowPartial(e.currentTarget.checked)} />
          <ErrorAlert error={cohorts.error} />
          <Group>
            <Button variant="outline" onClick={() => void send(true)} loading={busy === 'preview'} disabled={!file || !cohortId}>
              {t('import.preview')}
            </Button>
            <Button onClick={() => void send(false)} loading={busy === 'import'} disabled={!canImport}>
              {preview ? t('import.importCount', { count: allowPartial ? preview.summary.valid : preview.summary.total }) : t('import.import')}
            </Button>
          </Group>
        </Stack>
      </Paper>

      {error !== null && commitErrors.length === 0 && <ErrorAlert error={error} />}
      {commitErrors.length > 0 && (
        <Alert color="red" variant="light" title={t('errors.import_invalid')} role="alert">
          <List size="sm">
            {commitErrors.map((e, i) => (
              <List.Item key={i}>
                <ErrorLine error={e} />
              </List.Item>
            ))}
          </List>
        </Alert>
      )}

      {result && (
        <Alert color="teal.9" variant="outline" title={t('import.doneTitle')} role="status" data-testid="import-result">
          <Stack gap={4}>
            <Text size="sm">
              {result.kind === 'learners'
                ? t('import.done', { created: result.created, updated: result.updated, enrolled: result.enrolled })
                : t('import.doneSessions', { created: result.created, existing: result.existing })}
            </Text>
            {result.skippedLines.length > 0 && <Text size="sm">{t('import.skippedLines', { lines: result.skippedLines.join(', ') })}</Text>}
            {result.errors.length > 0 && (
              <List size="sm">
                {result.errors.map((e, i) => (
                  <List.Item key={i}>
                    <ErrorLine error={e} />
                  </List.Item>
                ))}
              </List>
            )}
            {cohortId && (
              <Button component={Link} to={`/cohorts/${cohortId}`} variant="white" size="xs" w="fit-content">
                {t('import.openCohort', { name: cohortName ?? '' })}
              </Button>
            )}
          </Stack>
        </Alert>
      )}

      {preview && <PreviewTable preview={preview} />}
    </Page>
  );
}

function PreviewTable({ preview }: { preview: ImportPreview }) {
  const { t } = useTranslation();
  const s = preview.summary;
  const headers = new Map(preview.columns.map((c) => [c.name, c.header]));
  const headerOf = (column: string) => headers.get(column) ?? column;
  return (
    <Stack gap="sm" data-testid="import-preview">
      <Title order={2} size="h4">
        {t('import.previewTitle')}
      </Title>
      <Group gap="xs" role="status">
        <Badge color="gray.8">{t('import.summary.total', { count: s.total })}</Badge>
        <Badge color="teal.9">{t('import.summary.create', { count: s.create })}</Badge>
        <Badge color="blue.9">{t('import.summary.update', { count: s.update })}</Badge>
        {s.exists > 0 && <Badge color="gray.8">{t('import.summary.exists', { count: s.exists })}</Badge>}
        <Badge color={s.invalid ? 'red.9' : 'gray.8'}>{t('import.summary.invalid', { count: s.invalid })}</Badge>
      </Group>
      {preview.ignoredColumns.length > 0 && <Text size="sm">{t('import.ignoredColumns', { columns: preview.ignoredColumns.join(', ') })}</Text>}
      {preview.errors.length > 0 && (
        <Alert color="red" variant="light" title={t('import.errorsTitle', { count: preview.errors.length })} data-testid="import-errors">
          <List size="sm">
            {preview.errors.map((e, i) => (
              <List.Item key={i}>
                <ErrorLine error={e} headerOf={headerOf} />
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
      <Table.ScrollContainer minWidth={640} mah={520}>
        <Table withTableBorder stickyHeader>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('import.line')}</Table.Th>
              <Table.Th>{t('import.status')}</Table.Th>
              {preview.columns.map((c) => (
                <Table.Th key={c.name}>{c.header}</Table.Th>
              ))}
              <Table.Th>{t('import.rowErrors')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {preview.rows.map((row) => {
              const bad = row.status === 'error';
              const badColumns = rowErrorColumns(row);
              return (
                <Table.Tr key={row.line} bg={bad ? 'red.0' : undefined} data-status={row.status} aria-invalid={bad || undefined}>
                  <Table.Td>{row.line}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Badge size="sm" style={{ overflow: 'visible' }} color={bad ? 'red.9' : row.status === 'update' ? 'blue.9' : row.status === 'exists' ? 'gray.8' : 'teal.9'}>
                      {t(`import.statuses.${row.status}`)}
                    </Badge>
                  </Table.Td>
                  {preview.columns.map((c) => (
                    <Table.Td key={c.name} style={badColumns.has(c.name) ? { outline: '2px solid var(--mantine-color-red-8)', outlineOffset: -2 } : undefined}>
                      <Box component="span" fw={badColumns.has(c.name) ? 700 : undefined} c={badColumns.has(c.name) ? 'red.9' : undefined}>
                        {row.values[c.name] ?? ''}
                      </Box>
                    </Table.Td>
                  ))}
                  <Table.Td>
                    {row.errors.map((e, i) => (
                      <Text key={i} size="xs" c="red.9">
                        {e.column ? t('import.errorInColumn', { column: headerOf(e.column), message: problemItemMessage(e, t) }) : problemItemMessage(e, t)}
                      </Text>
                    ))}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
