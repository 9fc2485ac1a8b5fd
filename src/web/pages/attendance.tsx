import { Alert, Anchor, Badge, Button, Group, Image, Modal, NumberInput, Paper, Progress, Select, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { API_BASE, api, getAll } from '../api/client.ts';
import type { z } from 'zod';
import type { sheetAmendmentsSchema, sheetListItemSchema } from '../../modules/attendance/attendance.schemas.ts';
import type { AmendmentInput, AttendanceRecord, AttendanceSheet, AttendanceStatus, ExportAccepted, Job } from '../api/types.ts';
import { AttendanceStatusBadge, FULL_BADGE } from '../components/attendance.tsx';
import { Page } from '../components/page.tsx';
import { ErrorAlert, LoadState } from '../components/states.tsx';
import { addDays, formatDate, formatDateTime, formatTime, formatTimeRange, isValidDate, mondayOf, timeIn, todayIn, zonedTimeToIso } from '../lib/dates.ts';
import { isStaff, useSignedIn } from '../lib/session.tsx';
import { useApi } from '../lib/use-api.ts';

type SheetListItem = z.infer<typeof sheetListItemSchema>;
type SheetAmendments = z.infer<typeof sheetAmendmentsSchema>;
type SheetState = '' | 'open' | 'locked';

/** Managers' list of attendance sheets of a date range (GET /attendance/sheets): state, counts, missing signatures highlighted, downloads, exports. */
export function AttendanceListPage() {
  const { t, i18n } = useTranslation();
  const me = useSignedIn();
  const tz = me.organisation.timezone;
  const [params, setParams] = useSearchParams();
  const monday = mondayOf(todayIn(tz));
  const from = isValidDate(params.get('from') ?? '') ? params.get('from')! : monday;
  const to = isValidDate(params.get('to') ?? '') ? params.get('to')! : addDays(from, 6);
  const cohortId = params.get('cohortId') ?? '';
  const status = (['open', 'locked'].includes(params.get('status') ?? '') ? params.get('status') : '') as SheetState;
  const [draft, setDraft] = useState<{ from: string; to: string; status: SheetState }>({ from, to, status });
  const state = useApi((signal) => getAll<SheetListItem>('/attendance/sheets', { from, to, cohortId: cohortId || undefined, status: status || undefined }, 1000, signal), [from, to, cohortId, status]);
  const cohorts = [...new Map((state.data ?? []).map((r) => [r.cohort.id, r.cohort.name])).entries()];
  const missingTotal = (state.data ?? []).filter((r) => r.missing.any && r.window.state !== 'not_open_yet').length;

  function apply(e: FormEvent) {
    e.preventDefault();
    const next = new URLSearchParams(params);
    next.set('from', draft.from);
    next.set('to', draft.to);
    if (draft.status) next.set('status', draft.status);
    else next.delete('status');
    setParams(next);
  }

  return (
    <Page title={t('attendance.title')}>
      <Paper withBorder p="sm" component="form" onSubmit={apply} noValidate>
        <Group align="flex-end" wrap="wrap">
          <TextInput type="date" label={t('attendance.from')} value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.currentTarget.value })} />
          <TextInput type="date" label={t('attendance.to')} value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.currentTarget.value })} />
          <Select
            label={t('attendance.list.stateFilter')}
            data={[
              { value: '', label: t('attendance.list.allStates') },
              { value: 'open', label: t('attendance.sheet.open') },
              { value: 'locked', label: t('attendance.sheet.locked') },
            ]}
            value={draft.status}
            onChange={(v) => setDraft({ ...draft, status: (v ?? '') as SheetState })}
            allowDeselect={false}
            w={180}
          />
          <Button type="submit">{t('attendance.show')}</Button>
          <Text size="sm" c="gray.8">
            {t('attendance.timesIn', { zone: tz })}
          </Text>
        </Group>
      </Paper>
      <LoadState state={state} isEmpty={(rows) => rows.length === 0} empty={t('attendance.empty')}>
        {(rows) => (
          <Stack gap="md">
            {missingTotal > 0 && (
              <Alert color="red.9" variant="outline" data-testid="missing-summary">
                {t('attendance.list.missingSummary', { count: missingTotal })}
              </Alert>
            )}
            <Table.ScrollContainer minWidth={980}>
              <Table striped highlightOnHover data-testid="sheet-list">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('sessions.fields.date')}</Table.Th>
                    <Table.Th>{t('attendance.cohort')}</Table.Th>
                    <Table.Th>{t('sessions.fields.program')}</Table.Th>
                    <Table.Th>{t('attendance.list.trainer')}</Table.Th>
                    <Table.Th>{t('attendance.sheetStatus')}</Table.Th>
                    <Table.Th>{t('attendance.signatures')}</Table.Th>
                    <Table.Th>{t('attendance.missing')}</Table.Th>
                    <Table.Th>{t('common.actions')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((r) => {
                    const highlight = r.missing.any && r.window.state !== 'not_open_yet';
                    return (
                      <Table.Tr key={r.sessionId} data-session-id={r.sessionId} data-missing={highlight ? 'true' : 'false'} bg={highlight ? 'red.0' : undefined}>
                        <Table.Td>
                          <Text size="sm" fw={600}>
                            {formatDate(r.date, i18n.language)}
                          </Text>
                          <Text size="xs">{formatTimeRange(r.startsAt.at, r.endsAt.at, r.timezone, i18n.language)}</Text>
                        </Table.Td>
                        <Table.Td>{r.cohort.name}</Table.Td>
                        <Table.Td>
                          <Text size="sm">{r.program.title}</Text>
                          {r.module && <Text size="xs">{r.module.title}</Text>}
                        </Table.Td>
                        <Table.Td>
                          {r.trainers.length === 0 ? (
                            <Text size="sm">—</Text>
                          ) : (
                            r.trainers.map((tr) => (
                              <Text size="sm" key={tr.personId}>
                                {tr.name}
                              </Text>
                            ))
                          )}
                        </Table.Td>
                        <Table.Td>
                          {r.cancelled ? (
                            <Badge color="gray.8" styles={FULL_BADGE}>{t('sessions.status.cancelled')}</Badge>
                          ) : (
                            <Badge color={r.sheet.status === 'locked' ? 'teal.9' : 'blue.9'} styles={FULL_BADGE}>{t(`attendance.sheet.${r.sheet.status}`)}</Badge>
                          )}
                        </Table.Td>
                        <Table.Td>
                          {r.cancelled ? (
                            '—'
                          ) : (
                            <Stack gap={0}>
                              <Text size="sm" fw={600}>
                                {t('attendance.list.attendedOf', { attended: r.counts.attended, expected: r.counts.expected })}
                              </Text>
                              <Text size="xs">{t('attendance.list.signedMarked', { signed: r.counts.signed, marked: r.counts.marked })}</Text>
                              {(r.counts.absent > 0 || r.counts.excused > 0) && <Text size="xs">{t('attendance.list.absentExcused', { absent: r.counts.absent, excused: r.counts.excused })}</Text>}
                            </Stack>
                          )}
                        </Table.Td>
                        <Table.Td>
                          {r.missing.any ? (
                            <Stack gap={2}>
                              {r.missing.learners > 0 && (
                                <Text size="sm" c={highlight ? 'red.9' : undefined} fw={highlight ? 700 : undefined}>
                                  {t('attendance.missingLearners', { count: r.missing.learners })}
                                </Text>
                              )}
                              {r.missing.trainer && (
                                <Text size="sm" c={highlight ? 'red.9' : undefined} fw={highlight ? 700 : undefined}>
                                  {t('attendance.missingTrainer')}
                                </Text>
                              )}
                            </Stack>
                          ) : (
                            '—'
                          )}
                        </Table.Td>
                        <Table.Td>
                          {!r.cancelled && (
                            <Group gap="xs" wrap="nowrap">
                              <Anchor component={Link} to={`/attendance/sessions/${r.sessionId}`} size="sm">
                                {t('attendance.openSheet')}
                              </Anchor>
                              <Anchor href={`${API_BASE}/sessions/${r.sessionId}/sheet.pdf`} size="sm" download>
                                {t('attendance.pdf')}
                              </Anchor>
                            </Group>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            {cohorts.length > 0 && (
              <Paper withBorder p="md">
                <Stack gap="sm">
                  <Title order={2} size="h4">
                    {t('attendance.byCohort')}
                  </Title>
                  {cohorts.map(([id, name]) => (
                    <CohortDocuments key={id} cohortId={id} name={name} monday={mondayOf(from)} />
                  ))}
                </Stack>
              </Paper>
            )}
          </Stack>
        )}
      </LoadState>
    </Page>
  );
}

function CohortDocuments({ cohortId, name, monday }: { cohortId: string; name: string; monday: string }) {
  const { t } = useTranslation();
  return (
    <Group justify="space-between" wrap="wrap" data-testid="cohort-documents">
      <Text fw={600}>{name}</Text>
      <Group gap="sm" wrap="wrap">
        <Button component="a" variant="outline" size="xs" href={`${API_BASE}/cohorts/${cohortId}/weekly-sheet.pdf?from=${monday}`} download>
          {t('attendance.weeklySheet', { monday })}
        </Button>
        <ExportButton cohortId={cohortId} kind="sheets" />
        <ExportButton cohortId={cohortId} kind="certificates" />
      </Group>
    </Group>
  );
}

/** Starts a ZIP export in the background, shows its progress (GET /jobs/:id) and offers the download. */
function ExportButton({ cohortId, kind }: { cohortId: string; kind: 'sheets' | 'certificates' }) {
  const { t } = useTranslation();
  const [accepted, setAccepted] = useState<ExportAccepted | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!accepted) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await api.get<Job>(`/jobs/${accepted.jobId}`);
        if (cancelled) return;
        setJob(next);
        if (next.status === 'queued' || next.status === 'running') timer = setTimeout(() => void poll(), 800);
      } catch (err) {
        if (!cancelled) setError(err);
      }
    };
    void poll();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [accepted]);

  async function start() {
    setError(null);
    setJob(null);
    try {
      setAccepted(await api.post<ExportAccepted>(`/cohorts/${cohortId}/certificates/export`, { kind }));
    } catch (err) {
      setError(err);
    }
  }

  const running = accepted && (!job || job.status === 'queued' || job.status === 'running');
  const percent = job?.progress && job.progress.total > 0 ? Math.round((job.progress.done / job.progress.total) * 100) : job?.status === 'done' ? 100 : 0;
  return (
    <Stack gap={4} miw={200}>
      {job?.status === 'done' && accepted ? (
        <Button component="a" size="xs" color="teal.9" href={`${API_BASE}/exports/${accepted.jobId}.zip`} download data-testid={`export-${kind}-download`}>
          {t('attendance.downloadZip')}
        </Button>
      ) : (
        <Button size="xs" variant="outline" onClick={() => void start()} loading={Boolean(running)}>
          {t(`attendance.export.${kind}`)}
        </Button>
      )}
      {accepted && job?.status !== 'done' && (
        <>
          <Progress value={percent} aria-label={t(`attendance.export.${kind}`)} size="lg" />
          <Text size="xs" role="status">
            {job?.progress ? t('attendance.exportProgress', { done: job.progress.done, total: job.progress.total }) : t('attendance.exportQueued')}
          </Text>
        </>
      )}
      {job?.status === 'failed' && (
        <Text size="xs" c="red.9" role="alert">
          {job.error ?? t('errors.unknown')}
        </Text>
      )}
      <ErrorAlert error={error} />
    </Stack>
  );
}

/** One sheet: records, statuses, signature images, and (locked, managers) amendments with a reason. */
export function SheetDetailPage() {
  const { t, i18n } = useTranslation();
  const { id = '' } = useParams();
  const me = useSignedIn();
  const staff = isStaff(me.person.roles);
  const state = useApi((signal) => api.get<AttendanceSheet>(`/sessions/${id}/attendance`, undefined, signal), [id]);
  const [amending, setAmending] = useState<AttendanceRecord | null>(null);
  const sheet = state.data;
  return (
    <Page title={sheet ? `${t('attendance.sheetTitle')} — ${sheet.session.cohortName}` : t('attendance.sheetTitle')}>
      <Anchor component={Link} to={staff ? '/attendance' : `/sessions/${id}`} size="sm">
        ← {staff ? t('attendance.title') : t('sessions.one')}
      </Anchor>
      <LoadState state={state}>
        {(s) => (
          <Stack gap="md">
            <Paper withBorder p="md">
              <Stack gap={4}>
                <Text fw={700}>
                  {s.session.programTitle}
                  {s.session.moduleTitle ? ` · ${s.session.moduleTitle}` : ''}
                </Text>
                <Text>
                  {formatDate(s.session.date, i18n.language)} · {formatTimeRange(s.session.startsAt.at, s.session.endsAt.at, s.timezone, i18n.language)}
                </Text>
                <Group gap="xs">
                  <Badge color={s.status === 'locked' ? 'teal.9' : 'blue.9'}>{t(`attendance.sheet.${s.status}`)}</Badge>
                  <Badge color="gray.7" variant="outline">
                    {t('attendance.version', { version: s.version })}
                  </Badge>
                  <Badge color={s.trainerSigned ? 'teal.9' : 'red.9'} variant="outline">
                    {s.trainerSigned ? t('live.trainerSigned') : t('attendance.missingTrainer')}
                  </Badge>
                </Group>
                <Text size="sm" data-testid="sheet-counts">
                  {t('attendance.counts.summary', { attended: s.counts.attended, learners: s.counts.learners, signed: s.counts.signed, marked: s.counts.marked })}
                  {s.counts.pending > 0 && ` · ${t('attendance.counts.pending', { count: s.counts.pending })}`}
                </Text>
                {s.lockedAt && <Text size="sm">{t('live.lockedAt', { at: formatDateTime(s.lockedAt, s.timezone, i18n.language) })}</Text>}
                <Text size="sm">
                  {t('attendance.verificationCode')} : <Anchor component={Link} to={`/verify/${s.verificationCode}`}>{s.verificationCode}</Anchor>
                </Text>
                <Group mt="xs">
                  <Button component="a" href={`${API_BASE}/sessions/${id}/sheet.pdf`} download>
                    {t('attendance.downloadSheet')}
                  </Button>
                  {s.status === 'open' && (
                    <Button component={Link} to={`/sessions/${id}/live`} variant="outline">
                      {t('live.start')}
                    </Button>
                  )}
                </Group>
              </Stack>
            </Paper>
            <Table.ScrollContainer minWidth={760}>
              <Table striped data-testid="sheet-records">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('attendance.person')}</Table.Th>
                    <Table.Th>{t('attendance.statusLabel')}</Table.Th>
                    <Table.Th>{t('attendance.signedAt')}</Table.Th>
                    <Table.Th>{t('attendance.methodLabel')}</Table.Th>
                    <Table.Th>{t('attendance.signature')}</Table.Th>
                    <Table.Th>{t('live.reason')}</Table.Th>
                    {staff && s.status === 'locked' && <Table.Th>{t('common.actions')}</Table.Th>}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {s.records.map((r) => (
                    <Table.Tr key={r.personId} bg={r.status === 'pending' ? 'red.0' : undefined}>
                      <Table.Td>
                        <Text size="sm" fw={600}>
                          {r.name}
                        </Text>
                        <Text size="xs">{t(`roles.${r.role}`)}</Text>
                      </Table.Td>
                      <Table.Td>
                        <AttendanceStatusBadge status={r.status} />
                        {r.status === 'late' && r.lateMinutes !== null && <Text size="xs">{t('attendance.lateMinutes', { count: r.lateMinutes })}</Text>}
                        {r.review && r.signedAt && (
                          <Text size="xs" fw={r.review === 'pending' ? 700 : 400} data-testid="review-note" data-review={r.review}>
                            {t(`attendance.review.${r.review}`, { at: formatTime(r.signedAt, r.timezone, i18n.language) })}
                          </Text>
                        )}
                        {r.leftAt && <Text size="xs">{t('attendance.leftAtShort', { at: formatTime(r.leftAt, r.timezone, i18n.language) })}</Text>}
                      </Table.Td>
                      <Table.Td>{r.signedAt ? formatTime(r.signedAt, r.timezone, i18n.language) : '—'}</Table.Td>
                      <Table.Td>{r.method ? t(`attendance.method.${r.method}`) : '—'}</Table.Td>
                      <Table.Td>
                        {r.signatureId ? <Image src={`${API_BASE}/signatures/${r.signatureId}/png`} alt={t('attendance.signatureOf', { name: r.name })} h={48} w="auto" fit="contain" bg="white" /> : '—'}
                      </Table.Td>
                      <Table.Td>
                        <Text size="xs">{r.reason ?? ''}</Text>
                      </Table.Td>
                      {staff && s.status === 'locked' && (
                        <Table.Td>
                          {r.role === 'learner' && (
                            <Button size="xs" variant="default" onClick={() => setAmending(r)} aria-label={t('attendance.amendWho', { name: r.name })}>
                              {t('attendance.amend')}
                            </Button>
                          )}
                        </Table.Td>
                      )}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            {s.status === 'locked' && <AmendmentHistory sessionId={id} version={s.version} />}
            {amending && (
              <AmendModal
                record={amending}
                sheet={s}
                onClose={() => setAmending(null)}
                onSaved={() => {
                  setAmending(null);
                  state.reload();
                }}
              />
            )}
          </Stack>
        )}
      </LoadState>
    </Page>
  );
}

/** The versions of a locked sheet (GET /sessions/:id/amendments): who, when (with the zone), why, before → after. Reloads when the version changes. */
function AmendmentHistory({ sessionId, version }: { sessionId: string; version: number }) {
  const { t, i18n } = useTranslation();
  const state = useApi((signal) => api.get<SheetAmendments>(`/sessions/${sessionId}/amendments`, undefined, signal), [sessionId, version]);
  const describe = (v: { status: string | null; lateMinutes: number | null; leftAt: string | null }, tz: string) =>
    [v.status ? t(`attendance.status.${v.status}`) : '—', v.status === 'late' && v.lateMinutes !== null ? t('attendance.lateMinutes', { count: v.lateMinutes }) : null, v.status === 'left_early' && v.leftAt ? t('attendance.leftAtShort', { at: formatTime(v.leftAt, tz, i18n.language) }) : null]
      .filter(Boolean)
      .join(', ');
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="amendment-history-title">
      <Stack gap="sm">
        <Title order={2} size="h4" id="amendment-history-title">
          {t('attendance.history.title')}
        </Title>
        <LoadState state={state} isEmpty={(h) => h.items.length === 0} empty={t('attendance.history.empty')}>
          {(h) => (
            <Stack component="ol" gap="xs" m={0} p={0} style={{ listStyle: 'none' }} data-testid="amendment-history">
              {h.items.map((a) => (
                <Paper component="li" key={a.version} withBorder p="sm" data-version={a.version}>
                  <Stack gap={2}>
                    <Group gap="xs" wrap="wrap">
                      <Badge color="gray.7" variant="outline">
                        {t('attendance.version', { version: a.version })}
                      </Badge>
                      <Text size="sm">
                        {formatDateTime(a.at.at, h.timezone, i18n.language)}
                      </Text>
                      <Text size="sm" fw={600}>
                        {a.amendedBy.kind === 'person' ? (a.amendedBy.name ?? '—') : a.amendedBy.kind === 'api_key' ? t('attendance.history.apiKey', { name: a.amendedBy.name ?? '' }) : t('attendance.history.system')}
                      </Text>
                    </Group>
                    <Text size="sm">
                      {t('attendance.history.change', { name: a.change.name ?? '—', before: describe(a.change.before, h.timezone), after: describe(a.change.after, h.timezone) })}
                    </Text>
                    <Text size="sm" c="gray.8">
                      {t('attendance.history.reason', { reason: a.reason })}
                    </Text>
                  </Stack>
                </Paper>
              ))}
            </Stack>
          )}
        </LoadState>
      </Stack>
    </Paper>
  );
}

function AmendModal({ record, sheet, onClose, onSaved }: { record: AttendanceRecord; sheet: AttendanceSheet; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const [status, setStatus] = useState<AmendmentInput['status']>(record.status === 'pending' ? 'absent' : record.status);
  const [reason, setReason] = useState('');
  const [lateMinutes, setLateMinutes] = useState<number | string>(record.lateMinutes ?? '');
  const [leftAt, setLeftAt] = useState(() => timeIn(sheet.session.endsAt.at, sheet.timezone));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: AmendmentInput = { personId: record.personId, status, reason: reason.trim() };
      if (status === 'late' && lateMinutes !== '') body.lateMinutes = Number(lateMinutes);
      if (status === 'left_early') body.leftAt = zonedTimeToIso(sheet.session.date, leftAt, sheet.timezone);
      await api.post(`/sessions/${sheet.sessionId}/amendments`, body);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const statuses: AttendanceStatus[] = ['present', 'late', 'left_early', 'absent', 'excused'];
  return (
    <Modal opened onClose={onClose} title={t('attendance.amendTitle', { name: record.name })} centered closeButtonProps={{ 'aria-label': t('common.close') }}>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <Alert color="blue.9" variant="outline">
            {t('attendance.amendHelp', { version: sheet.version + 1 })}
          </Alert>
          <ErrorAlert error={error} />
          <Select label={t('attendance.statusLabel')} data={statuses.map((s) => ({ value: s, label: t(`attendance.status.${s}`) }))} value={status} onChange={(v) => v && setStatus(v as AmendmentInput['status'])} allowDeselect={false} />
          {status === 'late' && <NumberInput label={t('attendance.lateMinutesLabel')} min={0} max={1440} value={lateMinutes} onChange={setLateMinutes} />}
          {status === 'left_early' && <TextInput type="time" label={t('live.leftAt', { zone: sheet.timezone })} value={leftAt} onChange={(e) => setLeftAt(e.currentTarget.value)} required />}
          <Textarea label={t('live.reason')} required value={reason} onChange={(e) => setReason(e.currentTarget.value)} autosize minRows={2} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={busy}>
              {t('attendance.amend')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
