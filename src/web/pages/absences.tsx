import { Alert, Anchor, Badge, Button, Checkbox, FileInput, Group, List, Paper, SegmentedControl, Stack, Text, Textarea } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { API_BASE, ApiError, api, getAll } from '../api/client.ts';
import type { Justification, JustificationReviewed, Session } from '../api/types.ts';
import { Page } from '../components/page.tsx';
import { ErrorAlert, LoadState } from '../components/states.tsx';
import { errorMessage } from '../lib/errors.ts';
import { addDays, formatDate, formatDateTime, formatTimeRange, todayIn } from '../lib/dates.ts';
import { useSignedIn } from '../lib/session.tsx';
import { useApi } from '../lib/use-api.ts';

type JustificationStatus = Justification['status'];
const STATUS_COLORS: Record<JustificationStatus, string> = { pending: 'gray.7', accepted: 'teal.9', refused: 'red.9' };
const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** 'application/pdf' → 'PDF', 'image/jpeg' → 'JPEG': the short name a person knows the file by. */
function fileTypeLabel(mime: string): string {
  return (mime.split('/').pop() ?? mime).toUpperCase();
}

function JustificationCard({ item, onReviewed, review }: { item: Justification; onReviewed?: () => void; review: boolean }) {
  const { t, i18n } = useTranslation();
  const me = useSignedIn();
  const tz = me.organisation.timezone;
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function decide(decision: 'accepted' | 'refused') {
    setBusy(decision);
    setError(null);
    try {
      await api.post<JustificationReviewed>(`/absences/justifications/${item.id}/review`, { decision, note: note.trim() || null });
      onReviewed?.();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  return (
    <Paper withBorder p="md" data-testid="justification" data-status={item.status}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap">
          <Text fw={700}>{item.personName}</Text>
          <Badge color={STATUS_COLORS[item.status]}>{t(`absences.status.${item.status}`)}</Badge>
        </Group>
        <Text size="xs" c="gray.8">
          {t('absences.submittedAt', { at: formatDateTime(item.createdAt, tz, i18n.language) })}
        </Text>
        <Stack gap={2}>
          {item.sessions.map((s) => (
            <Text key={s.id} size="sm">
              {formatDate(s.date, i18n.language)} · {formatTimeRange(s.startsAt, s.endsAt, tz, i18n.language)} · {s.moduleTitle ?? s.programTitle}
            </Text>
          ))}
        </Stack>
        <Text style={{ whiteSpace: 'pre-wrap' }}>{item.reason}</Text>
        {item.file ? (
          <Anchor href={`${API_BASE}/absences/justifications/${item.id}/file`} target="_blank" rel="noopener">
            {t('absences.openFile', { type: fileTypeLabel(item.file.type), size: Math.max(1, Math.round(item.file.size / 1024)) })}
          </Anchor>
        ) : (
          <Text size="sm" c="gray.8">
            {t('absences.noFile')}
          </Text>
        )}
        {item.reviewNote && (
          <Text size="sm">
            <strong>{t('absences.note')}</strong> : {item.reviewNote}
          </Text>
        )}
        {review && item.status === 'pending' && (
          <Stack gap="xs">
            <Textarea label={t('absences.note')} value={note} onChange={(e) => setNote(e.currentTarget.value)} autosize minRows={1} />
            <ErrorAlert error={error} />
            <Group>
              <Button color="teal.9" loading={busy === 'accepted'} disabled={busy !== null} onClick={() => void decide('accepted')}>
                {t('absences.accept')}
              </Button>
              <Button color="red.9" variant="outline" loading={busy === 'refused'} disabled={busy !== null} onClick={() => void decide('refused')}>
                {t('absences.refuse')}
              </Button>
            </Group>
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}

/** Managers review learners' justifications: pending first; the file opens as an attachment. */
export function AbsencesReviewPage() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<JustificationStatus>('pending');
  const state = useApi((signal) => getAll<Justification>('/absences/justifications', { status }, 500, signal), [status]);
  return (
    <Page title={t('absences.title')}>
      <SegmentedControl
        value={status}
        onChange={(v) => setStatus(v as JustificationStatus)}
        data={(['pending', 'accepted', 'refused'] as const).map((s) => ({ value: s, label: t(`absences.status.${s}`) }))}
        aria-label={t('absences.filter')}
        maw={420}
      />
      <LoadState state={state} isEmpty={(d) => d.length === 0} empty={t('absences.empty')}>
        {(items) => (
          <Stack gap="sm">
            {items.map((item) => (
              <JustificationCard key={item.id} item={item} review onReviewed={state.reload} />
            ))}
          </Stack>
        )}
      </LoadState>
    </Page>
  );
}

/** A learner's justifications, and the way to send one. */
export function MyAbsencesPage() {
  const { t } = useTranslation();
  const state = useApi((signal) => getAll<Justification>('/absences/justifications', {}, 500, signal), []);
  return (
    <Page
      title={t('nav.myAbsences')}
      actions={
        <Button component={Link} to="/absences/justify">
          {t('absences.justify')}
        </Button>
      }
    >
      <LoadState state={state} isEmpty={(d) => d.length === 0} empty={t('absences.emptyMine')}>
        {(items) => (
          <Stack gap="sm">
            {items.map((item) => (
              <JustificationCard key={item.id} item={item} review={false} />
            ))}
          </Stack>
        )}
      </LoadState>
    </Page>
  );
}

const NOT_JUSTIFIABLE = ['not_yours', 'cancelled', 'signed', 'excused', 'covered_pending', 'covered_accepted'] as const;
type NotJustifiable = (typeof NOT_JUSTIFIABLE)[number];

/** The refusal of some sessions said session by session (date, times, why), not as ids; other errors as usual. */
function SubmitError({ error, sessions }: { error: unknown; sessions: Session[] }) {
  const { t, i18n } = useTranslation();
  const refused = error instanceof ApiError && error.code === 'sessions_not_justifiable' && Array.isArray(error.body.sessions) ? (error.body.sessions as Array<{ sessionId: string; reason: string }>) : null;
  if (!refused) return <ErrorAlert error={error} />;
  return (
    <Alert color="red.9" variant="outline" title={errorMessage(error, t)} role="alert" data-testid="sessions-refused">
      <List size="sm">
        {refused.map((r) => {
          const s = sessions.find((x) => x.id === r.sessionId);
          const why = (NOT_JUSTIFIABLE as readonly string[]).includes(r.reason) ? t(`absences.notJustifiable.${r.reason as NotJustifiable}`) : r.reason;
          return <List.Item key={r.sessionId}>{s ? `${formatDate(s.date, i18n.language)} · ${formatTimeRange(s.startsAt, s.endsAt, s.timezone, i18n.language)} : ${why}` : why}</List.Item>;
        })}
      </List>
    </Alert>
  );
}

/** /absences/justify?session=… : reason, the sessions concerned, and a PDF/JPEG/PNG of at most 10 MB. */
export function JustifyAbsencePage() {
  const { t, i18n } = useTranslation();
  const me = useSignedIn();
  const tz = me.organisation.timezone;
  const [params] = useSearchParams();
  const today = todayIn(tz);
  const sessions = useApi((signal) => getAll<Session>('/sessions', { from: addDays(today, -56), to: addDays(today, 6) }, 500, signal), [today]);
  const [selected, setSelected] = useState<string[]>(() => (params.get('session') ? [params.get('session')!] : []));
  const [reason, setReason] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [done, setDone] = useState<Justification | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (file && file.size > MAX_FILE_BYTES) {
      setFileError(t('absences.fileTooLarge'));
      return;
    }
    setBusy(true);
    try {
      const form = new FormData();
      form.append('reason', reason);
      for (const id of selected) form.append('sessionIds', id);
      if (file) form.append('file', file, file.name);
      setDone(await api.postForm<Justification>('/absences/justifications', form));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <Page title={t('absences.justifyTitle')}>
        <Alert color="teal.9" variant="outline" title={t('absences.sentTitle')} role="status">
          {t('absences.sent')}
        </Alert>
        <Anchor component={Link} to="/my/absences">
          {t('nav.myAbsences')}
        </Anchor>
      </Page>
    );
  }

  return (
    <Page title={t('absences.justifyTitle')}>
      <Paper withBorder p="md" component="form" onSubmit={submit} noValidate maw={720}>
        <Stack gap="md">
          <SubmitError error={error} sessions={sessions.data ?? []} />
          <LoadState state={sessions} isEmpty={(d) => d.length === 0} empty={t('mySessions.emptyPast')}>
            {(list) => {
              // Past half-days first (the latest on top: the absence to justify is usually recent), then the coming ones.
              const open = list.filter((s) => s.status !== 'cancelled');
              const past = open.filter((s) => s.date <= today).reverse();
              const upcoming = open.filter((s) => s.date > today);
              const option = (s: Session) => <Checkbox key={s.id} value={s.id} label={`${formatDate(s.date, i18n.language)} · ${formatTimeRange(s.startsAt, s.endsAt, s.timezone, i18n.language)} · ${s.moduleTitle ?? s.programTitle}`} />;
              return (
                <Checkbox.Group label={t('absences.sessions')} required value={selected} onChange={setSelected}>
                  <Stack gap={6} mt="xs">
                    {past.length > 0 && upcoming.length > 0 && (
                      <Text size="sm" fw={600} c="gray.8">
                        {t('absences.pastSessions')}
                      </Text>
                    )}
                    {past.map(option)}
                    {upcoming.length > 0 && (
                      <Text size="sm" fw={600} c="gray.8" mt={past.length > 0 ? 'xs' : 0}>
                        {t('absences.upcomingSessions')}
                      </Text>
                    )}
                    {upcoming.map(option)}
                  </Stack>
                </Checkbox.Group>
              );
            }}
          </LoadState>
          <Textarea label={t('absences.reason')} required value={reason} onChange={(e) => setReason(e.currentTarget.value)} autosize minRows={3} maxLength={5000} />
          <FileInput
            label={t('absences.file')}
            description={t('absences.fileHelp')}
            accept="application/pdf,image/jpeg,image/png"
            value={file}
            onChange={(f) => {
              setFile(f);
              setFileError(f && f.size > MAX_FILE_BYTES ? t('absences.fileTooLarge') : null);
            }}
            error={fileError}
            clearable
          />
          <Group>
            <Button type="submit" loading={busy}>
              {t('absences.send')}
            </Button>
          </Group>
        </Stack>
      </Paper>
    </Page>
  );
}
