import { Alert, Badge, Box, Button, Group, Paper, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, type ReactNode, useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { ApiError, api } from '../api/client.ts';
import type { QrScanTicket, Session, SignatureProof, SignatureStrokes, SigningLinkView } from '../api/types.ts';
import { FrameCardBody } from '../components/frame-card.tsx';
import { SignaturePad } from '../components/signature-pad.tsx';
import { ErrorAlert, Loading } from '../components/states.tsx';
import { formatDate, formatDateTime, formatTimeRange } from '../lib/dates.ts';
import { errorMessage } from '../lib/errors.ts';
import { rememberReturnTo } from '../lib/return-to.ts';
import { useSession } from '../lib/session.tsx';
import { useApi } from '../lib/use-api.ts';

/** The frame of the mobile signing pages: no navigation, large touch targets, the language switch. */
export function SigningFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box component="main" id="main-content" mih="100vh" bg="gray.0" p={{ base: 'xs', sm: 'md' }}>
      <Paper withBorder shadow="sm" p={{ base: 'sm', sm: 'xl' }} radius="md" w="100%" maw={640} mx="auto">
        <FrameCardBody title={title}>{children}</FrameCardBody>
      </Paper>
    </Box>
  );
}

interface SessionFacts {
  programTitle: string;
  moduleTitle: string | null;
  cohortName: string;
  date: string;
  startsAt: string;
  endsAt: string;
  timezone: string;
  location: string | null;
  personName: string | null;
}

/** What is being signed: program, module, date and times with their zone, and whose signature it is. */
function SessionSummary({ facts }: { facts: SessionFacts }) {
  const { t, i18n } = useTranslation();
  return (
    <Paper withBorder p="sm" bg="blue.0" data-testid="signing-session">
      <Stack gap={4}>
        <Text fw={700}>{facts.programTitle}</Text>
        {facts.moduleTitle && <Text>{facts.moduleTitle}</Text>}
        <Text size="sm">{facts.cohortName}</Text>
        <Text size="sm">
          <strong>{formatDate(facts.date, i18n.language)}</strong> · {formatTimeRange(facts.startsAt, facts.endsAt, facts.timezone, i18n.language)}
        </Text>
        {facts.location && <Text size="sm">{facts.location}</Text>}
        {facts.personName && (
          <Text size="sm">
            {t('sign.signingAs')} <strong data-testid="signer-name">{facts.personName}</strong>
          </Text>
        )}
      </Stack>
    </Paper>
  );
}

function WindowBadge({ state, opensAt, closesAt, timezone }: { state: 'not_open_yet' | 'open' | 'closed'; opensAt: string; closesAt: string; timezone: string }) {
  const { t, i18n } = useTranslation();
  const color = state === 'open' ? 'teal.9' : state === 'closed' ? 'gray.8' : '#a33b0b';
  return (
    <Stack gap={2}>
      <Group gap="xs">
        <Badge color={color} size="lg" data-testid="window-state">
          {t(`sign.window.${state}`)}
        </Badge>
      </Group>
      <Text size="xs" c="gray.8">
        {t('sign.windowRange', { opens: formatDateTime(opensAt, timezone, i18n.language), closes: formatDateTime(closesAt, timezone, i18n.language) })}
      </Text>
    </Stack>
  );
}

/** The success screen: when it was signed, with the zone. */
function Signed({ signedAt, timezone, status, lateMinutes, replayed, review }: { signedAt: string; timezone: string; status: string; lateMinutes: number | null; replayed: boolean; review?: string | null }) {
  const { t, i18n } = useTranslation();
  return (
    <Alert color="teal.9" variant="outline" title={replayed ? t('sign.alreadySignedTitle') : t('sign.signedTitle')} role="status" data-testid="signed">
      <Stack gap={4}>
        <Text>{t('sign.signedAt', { at: formatDateTime(signedAt, timezone, i18n.language) })}</Text>
        {status === 'late' && lateMinutes !== null && <Text>{t('sign.lateBy', { count: lateMinutes })}</Text>}
        {review === 'pending' && (
          <Text fw={600} data-testid="awaiting-review">
            {t('sign.awaitingReview')}
          </Text>
        )}
        <Text size="sm">{t('sign.signedNote')}</Text>
      </Stack>
    </Alert>
  );
}

/** The pad and the button that sends the strokes; `submit` returns the proof. */
function SignForm({ submit, onSigned, disabled }: { submit: (strokes: SignatureStrokes) => Promise<SignatureProof>; onSigned: (proof: SignatureProof) => void; disabled?: boolean }) {
  const { t } = useTranslation();
  const [strokes, setStrokes] = useState<SignatureStrokes | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const onChange = useCallback((value: SignatureStrokes | null) => setStrokes(value), []);

  async function send(e: FormEvent) {
    e.preventDefault();
    if (!strokes) {
      setError(new ApiError(400, 'signature_empty', t('sign.emptySignature')));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSigned(await submit(strokes));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={send} noValidate>
      <Stack gap="sm">
        <Text fw={600} id="signature-label">
          {t('sign.drawHere')}
        </Text>
        <SignaturePad onChange={onChange} disabled={disabled || busy} label={t('sign.padLabel')} />
        <ErrorAlert error={error} />
        <Button type="submit" size="lg" loading={busy} disabled={disabled} fullWidth>
          {t('sign.submit')}
        </Button>
      </Stack>
    </form>
  );
}

/** /sign/link?token=… : a personal signing link from a mail; no account needed. */
export function SignLinkPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [proof, setProof] = useState<SignatureProof | null>(null);
  const state = useApi((signal) => (token ? api.get<SigningLinkView>('/sign/link', { token }, signal) : Promise.reject(new ApiError(401, 'signing_link_invalid', ''))), [token]);

  const view = state.data;
  return (
    <SigningFrame title={t('sign.title')}>
      {state.error ? (
        <LinkProblem error={state.error} />
      ) : !view ? (
        <Loading />
      ) : (
        <Stack gap="md">
          <SessionSummary
            facts={{
              ...view.session,
              timezone: view.organisation.timezone,
              personName: `${view.person.givenName} ${view.person.familyName}`,
            }}
          />
          {proof ? (
            // The answer to this signature; `lateMinutes` is null when on time (not a reason to look elsewhere).
            <Signed signedAt={proof.signedAt} timezone={view.organisation.timezone} status={proof.status} lateMinutes={proof.lateMinutes} replayed={proof.replayed} review={proof.review} />
          ) : view.signed ? (
            <Signed signedAt={view.signed.signedAt} timezone={view.organisation.timezone} status={view.signed.status} lateMinutes={view.signed.lateMinutes} replayed />
          ) : view.session.cancelled ? (
            <Alert color="gray" title={t('sign.cancelled')} role="alert" />
          ) : view.sheetLocked ? (
            <Alert color="orange.9" variant="outline" title={t('errors.sheet_locked')} role="alert">
              {t('sign.lockedHelp')}
            </Alert>
          ) : view.link.state !== 'valid' ? (
            <Alert color="red.9" variant="outline" title={t(view.link.state === 'used' ? 'sign.linkUsed' : 'errors.signing_link_expired')} role="alert">
              {t('sign.linkProblemHelp')}
            </Alert>
          ) : (
            <>
              <WindowBadge state={view.window.state} opensAt={view.window.opensAt} closesAt={view.window.closesAt} timezone={view.organisation.timezone} />
              {view.window.state === 'open' ? (
                <SignForm submit={(strokes) => api.post<SignatureProof>('/sign/link', { token, strokes })} onSigned={setProof} />
              ) : (
                <Alert color="orange.9" variant="outline" role="alert" title={t(view.window.state === 'closed' ? 'errors.signing_window_closed' : 'errors.signing_window_not_open_yet')}>
                  {view.window.state === 'not_open_yet' && (
                    <Button mt="xs" variant="outline" onClick={state.reload}>
                      {t('common.retry')}
                    </Button>
                  )}
                </Alert>
              )}
            </>
          )}
        </Stack>
      )}
    </SigningFrame>
  );
}

function LinkProblem({ error }: { error: unknown }) {
  const { t } = useTranslation();
  return (
    <Alert color="red.9" variant="outline" title={errorMessage(error, t)} role="alert" data-testid="sign-problem">
      {t('sign.linkProblemHelp')}
    </Alert>
  );
}

/** The session id inside a QR token (its first part is base64url JSON {s, w}); the server checks the rest. */
export function sessionIdOfQrToken(token: string): string | null {
  const body = token.split('.')[0];
  if (!body) return null;
  try {
    const json = atob(body.replace(/-/g, '+').replace(/_/g, '/'));
    const payload = JSON.parse(json) as { s?: unknown };
    return typeof payload.s === 'string' && /^[0-9a-f-]{36}$/.test(payload.s) ? payload.s : null;
  } catch {
    return null;
  }
}

/** /sign/qr?token=… : opened by scanning the projected code; the learner must be signed in. */
export function SignQrPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const { session } = useSession();
  const [proof, setProof] = useState<SignatureProof | null>(null);
  const sessionId = sessionIdOfQrToken(token);

  if (session === undefined) return <Loading />;
  if (!token || !sessionId) {
    return (
      <SigningFrame title={t('sign.title')}>
        <Alert color="red.9" variant="outline" title={t('errors.qr_token_invalid')} role="alert" data-testid="sign-problem">
          {t('sign.qrScanAgain')}
        </Alert>
      </SigningFrame>
    );
  }
  if (session === null) return <QrSignIn />;
  const timezone = session.organisation.timezone;
  return (
    <SigningFrame title={t('sign.title')}>
      <QrSessionSummary sessionId={sessionId} personName={`${session.person.givenName} ${session.person.familyName}`} />
      {proof ? (
        <Signed signedAt={proof.signedAt} timezone={timezone} status={proof.status} lateMinutes={proof.lateMinutes} replayed={proof.replayed} review={proof.review} />
      ) : (
        <QrScanThenSign token={token} onSigned={setProof} />
      )}
    </SigningFrame>
  );
}

/**
 * The scanned code is presented to the server at once (it is only current for
 * a few seconds); the answer is a ticket valid for 5 minutes, which the
 * signature is sent with: the learner can take their time to draw.
 */
function QrScanThenSign({ token, onSigned }: { token: string; onSigned: (proof: SignatureProof) => void }) {
  const { t } = useTranslation();
  const scan = useApi(() => api.post<QrScanTicket>('/sign/qr/scan', { token }), [token]);
  if (scan.loading) return <Loading />;
  if (scan.error || !scan.data) {
    return (
      <Alert color="red.9" variant="outline" title={errorMessage(scan.error, t)} role="alert" data-testid="sign-problem">
        {t('sign.qrScanAgain')}
      </Alert>
    );
  }
  const ticket = scan.data.ticket;
  return (
    <>
      <Text size="sm">{t('sign.qrHelp')}</Text>
      <SignForm submit={(strokes) => api.post<SignatureProof>('/sign/qr', { ticket, strokes })} onSigned={onSigned} />
    </>
  );
}

function QrSessionSummary({ sessionId, personName }: { sessionId: string; personName: string }) {
  const state = useApi((signal) => api.get<Session>(`/sessions/${sessionId}`, undefined, signal), [sessionId]);
  const s = state.data;
  // A session the learner cannot see (not theirs) shows no details: the server refuses the signature with its reason.
  if (!s) return null;
  return <SessionSummary facts={{ ...s, personName }} />;
}

/** Not signed in: ask for a sign-in link, and come back to this page afterwards. */
function QrSignIn() {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      rememberReturnTo(window.location.pathname + window.location.search);
      await api.post('/auth/magic-link', { email: email.trim() });
      setSent(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <SigningFrame title={t('sign.title')}>
      <Alert color="blue.9" variant="outline" title={t('sign.notSignedInTitle')} data-testid="sign-problem">
        {t('sign.notSignedIn')}
      </Alert>
      <ErrorAlert error={error} />
      {sent ? (
        <Alert color="teal.9" variant="outline" title={t('signIn.linkSentTitle')} role="status">
          {t('sign.linkSentComeBack', { email })}
        </Alert>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack gap="sm">
            <TextInput label={t('signIn.email')} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} size="md" />
            <Button type="submit" loading={busy} size="md" fullWidth>
              {t('signIn.sendLink')}
            </Button>
          </Stack>
        </form>
      )}
    </SigningFrame>
  );
}
