import { Alert, Anchor, Badge, Button, Group, Modal, NumberInput, Paper, Select, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import QRCode from 'qrcode';
import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { API_BASE, api, getAll } from '../api/client.ts';
import type { AttendanceRecord, AttendanceSheet, MarkInput, QrCode, Roster, RosterItem, Session, SignatureProof, SignatureStrokes, SigningLinksResult } from '../api/types.ts';
import { AttendanceStatusBadge } from '../components/attendance.tsx';
import { Page } from '../components/page.tsx';
import { SignaturePad } from '../components/signature-pad.tsx';
import { ErrorAlert, LoadState } from '../components/states.tsx';
import { addDays, formatDate, formatDateTime, formatTime, formatTimeRange, timeIn, todayIn, zonedTimeToIso } from '../lib/dates.ts';
import { useSignedIn } from '../lib/session.tsx';
import { useApi } from '../lib/use-api.ts';

type LiveState = 'connecting' | 'live' | 'reconnecting';

/**
 * Follows the session's server-sent events; calls `onEvent` for each (and after
 * every reconnection, to catch up with what was missed). EventSource retries by
 * itself after a dropped connection; when the server refuses (the stream is
 * closed), it is reopened here with a growing delay.
 */
function useAttendanceEvents(sessionId: string, onEvent: () => void): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let attempts = 0;
    let opened = false;
    const open = () => {
      source = new EventSource(`${API_BASE}/sessions/${sessionId}/events`, { withCredentials: true });
      source.onopen = () => {
        attempts = 0;
        setState('live');
        if (opened) handler.current();
        opened = true;
      };
      source.onerror = () => {
        setState('reconnecting');
        if (source?.readyState === EventSource.CLOSED) {
          source.close();
          retry = setTimeout(open, Math.min(30_000, 1000 * 2 ** attempts++));
        }
      };
      for (const type of ['signature', 'mark', 'trainer_signature', 'locked', 'amended', 'excused']) source.addEventListener(type, () => handler.current());
    };
    open();
    return () => {
      clearTimeout(retry);
      source?.close();
    };
  }, [sessionId]);
  return state;
}

/** The rotating QR code: fetched again at each rotation, with a countdown. */
function RotatingQr({ sessionId, timezone }: { sessionId: string; timezone: string }) {
  const { t, i18n } = useTranslation();
  const [qr, setQr] = useState<QrCode | null>(null);
  const [image, setImage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [now, setNow] = useState(() => Date.now());
  // Difference between the server's clock and ours, so the countdown follows the server's rotation.
  const skew = useRef(0);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cancelled = false;
    const load = async () => {
      try {
        const before = Date.now();
        const next = await api.get<QrCode>(`/sessions/${sessionId}/qr`);
        if (cancelled) return;
        const dataUrl = await QRCode.toDataURL(next.url, { errorCorrectionLevel: 'M', margin: 4, width: 640, color: { dark: '#000000', light: '#ffffff' } });
        if (cancelled) return;
        const rotatesAt = new Date(next.expiresAt).getTime();
        // The code's window started rotatesEvery seconds before rotatesAt: the server's "now" was within it.
        const serverNowEstimate = Math.max(rotatesAt - next.rotatesEvery * 1000, Math.min(rotatesAt, (before + Date.now()) / 2));
        skew.current = serverNowEstimate - (before + Date.now()) / 2;
        setQr(next);
        setImage(dataUrl);
        setError(null);
        const wait = Math.min(next.rotatesEvery * 1000, Math.max(200, rotatesAt - (Date.now() + skew.current) + 150));
        timer = setTimeout(() => void load(), next.window.state === 'closed' ? 30_000 : wait);
      } catch (err) {
        if (cancelled) return;
        setError(err);
        timer = setTimeout(() => void load(), 5000);
      }
    };
    void load();
    const tick = setInterval(() => setNow(Date.now()), 250);
    return () => {
      cancelled = true;
      clearTimeout(timer);
      clearInterval(tick);
    };
  }, [sessionId]);

  if (!qr || !image) return error ? <ErrorAlert error={error} /> : <Text>{t('common.loading')}</Text>;
  const secondsLeft = Math.max(0, Math.ceil((new Date(qr.expiresAt).getTime() - (now + skew.current)) / 1000));
  if (qr.window.state !== 'open') {
    return (
      <Alert color="gray" variant="outline" title={t(`sign.window.${qr.window.state}`)} role="status" data-testid="qr-window">
        {t('sign.windowRange', { opens: formatTime(qr.window.opensAt, timezone, i18n.language), closes: formatTime(qr.window.closesAt, timezone, i18n.language) })}
      </Alert>
    );
  }
  return (
    <Stack gap="xs" align="center">
      <img src={image} alt={t('live.qrAlt')} data-testid="qr-code" data-expires-at={qr.expiresAt} style={{ width: 'min(100%, 70vh, 560px)', aspectRatio: '1 / 1', imageRendering: 'pixelated' }} />
      <Text size="lg" fw={700} aria-live="off" data-testid="qr-countdown">
        {t('live.rotatesIn', { count: secondsLeft })}
      </Text>
      <Text size="sm" c="gray.8" ta="center">
        {t('live.qrHelp')}
      </Text>
      {error ? <ErrorAlert error={error} /> : null}
    </Stack>
  );
}

export function LiveSessionPage() {
  const { t, i18n } = useTranslation();
  const { id = '' } = useParams();
  const session = useApi((signal) => api.get<Session>(`/sessions/${id}`, undefined, signal), [id]);
  const sheet = useApi((signal) => api.get<AttendanceSheet>(`/sessions/${id}/attendance`, undefined, signal), [id]);
  const [kiosk, setKiosk] = useState(false);
  const reloadSheet = sheet.reload;
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const onEvent = useCallback(() => {
    clearTimeout(pending.current);
    pending.current = setTimeout(reloadSheet, 150);
  }, [reloadSheet]);
  const live = useAttendanceEvents(id, onEvent);

  const s = session.data;
  const title = s ? `${t('live.title')} — ${s.cohortName}` : t('live.title');
  return (
    <Page
      title={title}
      actions={
        <Group gap="xs">
          <Badge color={live === 'live' ? 'teal.9' : 'gray.7'} size="lg" data-testid="live-state" role="status">
            {t(`live.connection.${live}`)}
          </Badge>
          <Button variant={kiosk ? 'filled' : 'outline'} onClick={() => setKiosk(!kiosk)} aria-pressed={kiosk} disabled={sheet.data?.status === 'locked'}>
            {kiosk ? t('live.exitKiosk') : t('live.kiosk')}
          </Button>
        </Group>
      }
    >
      {s && (
        <Text>
          {s.programTitle}
          {s.moduleTitle ? ` · ${s.moduleTitle}` : ''} — <strong>{formatDate(s.date, i18n.language)}</strong> · {formatTimeRange(s.startsAt, s.endsAt, s.timezone, i18n.language)}
          {s.location ? ` · ${s.location}` : ''} ·{' '}
          <Anchor component={Link} to={`/sessions/${id}`}>
            {t('live.sessionDetails')}
          </Anchor>
        </Text>
      )}
      <LoadState state={sheet}>
        {(data) =>
          kiosk && data.status === 'open' ? (
            <KioskMode sessionId={id} timezone={data.timezone} onDone={() => setKiosk(false)} onSigned={reloadSheet} />
          ) : (
            <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
              <Paper withBorder p="md">
                {data.status === 'locked' ? (
                  <LockedSummary sheet={data} sessionId={id} />
                ) : (
                  <Stack gap="sm">
                    <Title order={2} size="h4">
                      {t('live.qrTitle')}
                    </Title>
                    <RotatingQr sessionId={id} timezone={data.timezone} />
                  </Stack>
                )}
              </Paper>
              <Stack gap="md">
                <RosterPanel sheet={data} sessionId={id} onChanged={reloadSheet} />
                {data.status === 'open' && <TrainerSignAndLock sheet={data} sessionId={id} onChanged={reloadSheet} />}
              </Stack>
            </SimpleGrid>
          )
        }
      </LoadState>
    </Page>
  );
}

function LockedSummary({ sheet, sessionId }: { sheet: AttendanceSheet; sessionId: string }) {
  const { t, i18n } = useTranslation();
  return (
    <Stack gap="sm" data-testid="sheet-locked">
      <Alert color="teal.9" variant="outline" title={t('live.lockedTitle')} role="status">
        {sheet.lockedAt && t('live.lockedAt', { at: formatDateTime(sheet.lockedAt, sheet.timezone, i18n.language) })}
      </Alert>
      <Text size="sm">
        {t('attendance.verificationCode')} : <strong>{sheet.verificationCode}</strong>
      </Text>
      <Group>
        <Button component="a" href={`${API_BASE}/sessions/${sessionId}/sheet.pdf`} download data-testid="download-sheet">
          {t('attendance.downloadSheet')}
        </Button>
        <Button component={Link} to={`/attendance/sessions/${sessionId}`} variant="outline">
          {t('attendance.openSheet')}
        </Button>
      </Group>
    </Stack>
  );
}

function RosterPanel({ sheet, sessionId, onChanged }: { sheet: AttendanceSheet; sessionId: string; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const [marking, setMarking] = useState<AttendanceRecord | null>(null);
  const [rejecting, setRejecting] = useState<AttendanceRecord | null>(null);
  const [reviewError, setReviewError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [linksResult, setLinksResult] = useState<SigningLinksResult | null>(null);
  const [linksError, setLinksError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  const learners = sheet.records.filter((r) => r.role === 'learner');
  const open = sheet.status === 'open';

  async function sendLinks() {
    setSending(true);
    setLinksError(null);
    try {
      setLinksResult(await api.post<SigningLinksResult>(`/sessions/${sessionId}/signing-links`, {}));
    } catch (err) {
      setLinksError(err);
    } finally {
      setSending(false);
    }
  }

  async function confirmArrival(r: AttendanceRecord) {
    setConfirming(r.personId);
    setReviewError(null);
    try {
      await api.post<AttendanceRecord>(`/sessions/${sessionId}/attendance/${r.personId}/review`, { decision: 'confirm' });
      onChanged();
    } catch (err) {
      setReviewError(err);
    } finally {
      setConfirming(null);
    }
  }

  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">
            {t('live.rosterTitle')}
          </Title>
          <Text fw={700} data-testid="signed-count" aria-live="polite">
            {t('live.signedCount', { signed: sheet.counts.signed, total: sheet.counts.learners })}
          </Text>
        </Group>
        {open && (
          <Group gap="xs">
            <Button size="xs" variant="outline" onClick={() => void sendLinks()} loading={sending}>
              {t('live.sendLinks')}
            </Button>
            {linksResult && (
              <Text size="sm" role="status">
                {t('live.linksSent', { count: linksResult.sent })}
              </Text>
            )}
            {linksResult && linksResult.skippedMarked > 0 && (
              <Text size="sm" data-testid="links-skipped-marked">
                {t('live.linksSkippedMarked', { count: linksResult.skippedMarked })}
              </Text>
            )}
          </Group>
        )}
        {open && (
          <details data-testid="roster-rules">
            <summary>
              <Text span size="sm" fw={600}>
                {t('live.rulesTitle')}
              </Text>
            </summary>
            <Text size="sm" mt={4}>
              {t('live.rules')}
            </Text>
          </details>
        )}
        {sheet.counts.awaitingReview > 0 && (
          <Alert color="#8a3b00" variant="outline" role="status" data-testid="awaiting-review" p="xs">
            {t('live.awaitingReview', { count: sheet.counts.awaitingReview })}
          </Alert>
        )}
        <ErrorAlert error={linksError} />
        <ErrorAlert error={reviewError} />
        <Table.ScrollContainer minWidth={360}>
          <Table striped data-testid="live-roster">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('attendance.learner')}</Table.Th>
                <Table.Th>{t('attendance.statusLabel')}</Table.Th>
                <Table.Th>{t('attendance.signedAt')}</Table.Th>
                {open && <Table.Th>{t('common.actions')}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {learners.map((r) => (
                <Table.Tr key={r.personId} data-person={r.name ?? r.personId} data-status={r.status} data-review={r.review ?? undefined}>
                  <Table.Td>{r.name}</Table.Td>
                  <Table.Td>
                    <AttendanceStatusBadge status={r.status} />
                    {r.status === 'late' && r.lateMinutes !== null && <Text size="xs">{t('attendance.lateMinutes', { count: r.lateMinutes })}</Text>}
                    <ReviewNote record={r} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{r.signedAt ? formatTime(r.signedAt, r.timezone, i18n.language) : '—'}</Text>
                    {r.method && (
                      <Text size="xs" c="gray.8">
                        {t(`attendance.method.${r.method}`)}
                      </Text>
                    )}
                  </Table.Td>
                  {open && (
                    <Table.Td>
                      {r.review === 'pending' ? (
                        <Stack gap={4} align="flex-start">
                          <Button size="xs" color="teal.9" loading={confirming === r.personId} onClick={() => void confirmArrival(r)} aria-label={t('live.confirmArrivalWho', { name: r.name })}>
                            {t('live.confirmArrival')}
                          </Button>
                          <Button size="xs" variant="default" onClick={() => setRejecting(r)} aria-label={t('live.rejectSignatureWho', { name: r.name })}>
                            {t('live.rejectSignature')}
                          </Button>
                        </Stack>
                      ) : (
                        <Button size="xs" variant="default" onClick={() => setMarking(r)} aria-label={t('live.markWho', { name: r.name })}>
                          {t('live.mark')}
                        </Button>
                      )}
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Stack>
      {rejecting && (
        <RejectModal
          record={rejecting}
          sessionId={sessionId}
          onClose={() => setRejecting(null)}
          onSaved={() => {
            setRejecting(null);
            onChanged();
          }}
        />
      )}
      {marking && (
        <MarkModal
          record={marking}
          sheet={sheet}
          sessionId={sessionId}
          onClose={() => setMarking(null)}
          onSaved={() => {
            setMarking(null);
            onChanged();
          }}
        />
      )}
    </Paper>
  );
}

/** Under a learner's status: a signature that came after the trainer's mark, and what became of it. */
function ReviewNote({ record }: { record: AttendanceRecord }) {
  const { t, i18n } = useTranslation();
  if (!record.review || !record.signedAt) return null;
  const at = formatTime(record.signedAt, record.timezone, i18n.language);
  const text = record.review === 'pending' ? t('live.reviewPending', { at }) : record.review === 'confirmed' ? t('live.reviewConfirmed') : t('live.reviewRejected', { at });
  return (
    <Text size="xs" fw={record.review === 'pending' ? 700 : 400} c={record.review === 'pending' ? '#8a3b00' : 'gray.8'} data-testid="review-note">
      {text}
    </Text>
  );
}

/** Rejecting a signature made after an absent or excused mark: the mark stands; a reason is required. */
function RejectModal({ record, sessionId, onClose, onSaved }: { record: AttendanceRecord; sessionId: string; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post(`/sessions/${sessionId}/attendance/${record.personId}/review`, { decision: 'reject', ...(reason.trim() ? { reason: reason.trim() } : {}) });
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title={t('live.rejectTitle', { name: record.name })} centered closeButtonProps={{ 'aria-label': t('common.close') }}>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <ErrorAlert error={error} />
          <Textarea label={t('live.reason')} description={t('live.rejectReasonHelp')} required value={reason} onChange={(e) => setReason(e.currentTarget.value)} autosize minRows={2} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" color="red.9" loading={busy}>
              {t('live.rejectSignature')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function MarkModal({ record, sheet, sessionId, onClose, onSaved }: { record: AttendanceRecord; sheet: AttendanceSheet; sessionId: string; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const signed = record.signatureId !== null;
  const tz = sheet.timezone;
  const [status, setStatus] = useState<MarkInput['status']>(record.status === 'pending' || record.status === 'excused' ? 'present' : record.status);
  const [reason, setReason] = useState('');
  const [lateMinutes, setLateMinutes] = useState<number | string>(record.lateMinutes ?? '');
  const [leftAt, setLeftAt] = useState(() => timeIn(new Date(), tz));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const reasonNeeded = (status !== 'absent' && !signed) || (status === 'absent' && signed);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: MarkInput = { status };
      if (reason.trim()) body.reason = reason.trim();
      if (status === 'late' && lateMinutes !== '') body.lateMinutes = Number(lateMinutes);
      if (status === 'left_early') body.leftAt = zonedTimeToIso(sheet.session.date, leftAt, tz);
      await api.patch(`/sessions/${sessionId}/attendance/${record.personId}`, body);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened onClose={onClose} title={t('live.markTitle', { name: record.name })} centered closeButtonProps={{ 'aria-label': t('common.close') }}>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <ErrorAlert error={error} />
          <Select
            label={t('attendance.statusLabel')}
            data={(['present', 'late', 'left_early', 'absent'] as const).map((s) => ({ value: s, label: t(`attendance.status.${s}`) }))}
            value={status}
            onChange={(v) => v && setStatus(v as MarkInput['status'])}
            allowDeselect={false}
          />
          {status === 'late' && <NumberInput label={t('attendance.lateMinutesLabel')} min={0} max={1440} value={lateMinutes} onChange={setLateMinutes} required={!signed} />}
          {status === 'left_early' && <TextInput type="time" label={t('live.leftAt', { zone: tz })} value={leftAt} onChange={(e) => setLeftAt(e.currentTarget.value)} required />}
          <Textarea
            label={t('live.reason')}
            description={reasonNeeded ? t(signed ? 'live.reasonAbsentSigned' : 'live.reasonOnBehalf') : undefined}
            required={reasonNeeded}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            autosize
            minRows={2}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={busy}>
              {t('common.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function TrainerSignAndLock({ sheet, sessionId, onChanged }: { sheet: AttendanceSheet; sessionId: string; onChanged: () => void }) {
  const { t } = useTranslation();
  const [strokes, setStrokes] = useState<SignatureStrokes | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const onChange = useCallback((v: SignatureStrokes | null) => setStrokes(v), []);
  const canLock = sheet.trainerSigned || strokes !== null;

  async function signAndLock() {
    setBusy(true);
    setError(null);
    try {
      if (!sheet.trainerSigned && strokes) await api.post<SignatureProof>(`/sessions/${sessionId}/trainer-signature`, { strokes });
      await api.post<AttendanceSheet>(`/sessions/${sessionId}/lock`, {});
      setConfirming(false);
      onChanged();
    } catch (err) {
      setError(err);
      setConfirming(false);
      onChanged();
    } finally {
      setBusy(false);
    }
  }

  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t('live.trainerTitle')}
        </Title>
        {sheet.trainerSigned ? (
          <Text c="teal.9" fw={600}>
            {t('live.trainerSigned')}
          </Text>
        ) : (
          <SignaturePad onChange={onChange} label={t('live.trainerPad')} />
        )}
        <ErrorAlert error={error} />
        <Button color="teal.9" size="md" disabled={!canLock} onClick={() => setConfirming(true)} data-testid="sign-and-lock">
          {t('live.signAndLock')}
        </Button>
        {!canLock && (
          <Text size="xs" c="gray.8">
            {t('live.signFirst')}
          </Text>
        )}
      </Stack>
      <Modal opened={confirming} onClose={() => setConfirming(false)} title={t('live.confirmLockTitle')} centered closeButtonProps={{ 'aria-label': t('common.close') }}>
        <Stack gap="sm">
          <Text>{t('live.confirmLock', { count: sheet.counts.pending })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </Button>
            <Button color="teal.9" loading={busy} onClick={() => void signAndLock()}>
              {t('live.confirmLockButton')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}

/** Kiosk: the trainer's device goes round the room; each learner picks their name and signs. */
function KioskMode({ sessionId, timezone: tz, onDone, onSigned }: { sessionId: string; timezone: string; onDone: () => void; onSigned: () => void }) {
  const { t, i18n } = useTranslation();
  const roster = useApi((signal) => api.get<Roster>(`/sessions/${sessionId}/roster`, undefined, signal), [sessionId]);
  const [who, setWho] = useState<RosterItem | null>(null);
  const [strokes, setStrokes] = useState<SignatureStrokes | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<{ name: string; at: string } | null>(null);
  const onChange = useCallback((v: SignatureStrokes | null) => setStrokes(v), []);

  useEffect(() => {
    if (!done) return;
    const timer = setTimeout(() => setDone(null), 4000);
    return () => clearTimeout(timer);
  }, [done]);

  async function sign(e: FormEvent) {
    e.preventDefault();
    if (!who || !strokes) return;
    setBusy(true);
    setError(null);
    try {
      const proof = await api.post<SignatureProof>(`/sessions/${sessionId}/kiosk/sign`, { personId: who.personId, strokes });
      setDone({ name: `${who.givenName} ${who.familyName}`, at: proof.signedAt });
      setWho(null);
      setStrokes(null);
      roster.reload();
      onSigned();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Paper withBorder p="md" data-testid="kiosk">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h3">
            {t('live.kioskTitle')}
          </Title>
          <Button variant="outline" onClick={onDone}>
            {t('live.exitKiosk')}
          </Button>
        </Group>
        {done && (
          <Alert color="teal.9" variant="outline" title={t('live.kioskThanks', { name: done.name })} role="status">
            {t('sign.signedAt', { at: formatTime(done.at, tz, i18n.language) })}
          </Alert>
        )}
        {who ? (
          <form onSubmit={sign} noValidate>
            <Stack gap="sm">
              <Text size="xl" fw={700}>
                {t('live.kioskIAm', { name: `${who.givenName} ${who.familyName}` })}
              </Text>
              <SignaturePad onChange={onChange} label={t('sign.padLabel')} autoFocus />
              <ErrorAlert error={error} />
              <Group>
                <Button type="submit" size="lg" loading={busy} disabled={!strokes}>
                  {t('sign.submit')}
                </Button>
                <Button variant="default" size="lg" onClick={() => setWho(null)}>
                  {t('live.kioskNotMe')}
                </Button>
              </Group>
            </Stack>
          </form>
        ) : (
          <LoadState state={roster}>
            {(r) => {
              const waiting = r.items.filter((i) => !i.signed && i.status !== 'absent' && i.status !== 'excused');
              return waiting.length === 0 ? (
                <Text>{t('live.kioskEveryoneSigned')}</Text>
              ) : (
                <>
                  <Text>{t('live.kioskPick')}</Text>
                  <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }}>
                    {waiting.map((i) => (
                      <Button key={i.personId} size="lg" variant="default" onClick={() => setWho(i)} styles={{ label: { whiteSpace: 'normal' } }} h="auto" py="sm">
                        {i.givenName} {i.familyName}
                      </Button>
                    ))}
                  </SimpleGrid>
                </>
              );
            }}
          </LoadState>
        )}
      </Stack>
    </Paper>
  );
}

/** A trainer's sessions of today (and tomorrow), each with its "start attendance" button. */
export function MyLiveSessionsPage() {
  const { t, i18n } = useTranslation();
  const me = useSignedIn();
  const today = todayIn(me.organisation.timezone);
  const state = useApi((signal) => getAll<Session>('/sessions', { from: today, to: addDays(today, 1), trainerId: me.person.id }, 200, signal), [today, me.person.id]);
  return (
    <Page title={t('nav.myLive')}>
      <LoadState state={state} isEmpty={(d) => d.filter((s) => s.status !== 'cancelled').length === 0} empty={t('live.noSessionToday')}>
        {(sessions) => (
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
            {sessions
              .filter((s) => s.status !== 'cancelled')
              .map((s) => (
                <Paper withBorder p="md" key={s.id} data-testid="live-session-card">
                  <Stack gap={4}>
                    <Text fw={700}>
                      {formatDate(s.date, i18n.language)} · {formatTimeRange(s.startsAt, s.endsAt, s.timezone, i18n.language)}
                    </Text>
                    <Text>{s.cohortName}</Text>
                    <Text size="sm">{s.moduleTitle ?? s.programTitle}</Text>
                    <Group mt="xs">
                      <Button component={Link} to={`/sessions/${s.id}/live`}>
                        {t('live.start')}
                      </Button>
                    </Group>
                  </Stack>
                </Paper>
              ))}
          </SimpleGrid>
        )}
      </LoadState>
    </Page>
  );
}
