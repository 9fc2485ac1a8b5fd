import { Alert, Anchor, Button, Center, Divider, Paper, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { api } from '../api/client.ts';
import { ErrorAlert, Loading } from '../components/states.tsx';
import { FrameCardBody } from '../components/frame-card.tsx';
import { takeReturnTo } from '../lib/return-to.ts';
import { useSession } from '../lib/session.tsx';

export function AuthFrame({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Center mih="100vh" p="md" bg="gray.0" component="main">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={420}>
        <FrameCardBody title={title}>{children}</FrameCardBody>
      </Paper>
    </Center>
  );
}

export function SignInPage() {
  const { t } = useTranslation();
  const { signIn } = useSession();
  const navigate = useNavigate();
  // An email that is a person in several organisations names one: /sign-in?organisation=<slug>.
  const [params] = useSearchParams();
  const organisation = params.get('organisation')?.trim() || undefined;
  const [mode, setMode] = useState<'password' | 'link'>('password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [linkSent, setLinkSent] = useState(false);

  async function submitPassword(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password, organisation);
      navigate(takeReturnTo() ?? '/', { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function submitLink(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post('/auth/magic-link', { email: email.trim(), ...(organisation ? { organisation } : {}) });
      setLinkSent(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthFrame title={t('signIn.title')}>
      <ErrorAlert error={error} />
      {mode === 'password' ? (
        <form onSubmit={submitPassword} noValidate>
          <Stack gap="sm">
            <TextInput label={t('signIn.email')} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
            <PasswordInput label={t('signIn.password')} autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
            <Button type="submit" loading={busy} fullWidth>
              {t('signIn.submit')}
            </Button>
          </Stack>
        </form>
      ) : linkSent ? (
        <Alert color="teal.9" variant="outline" title={t('signIn.linkSentTitle')} role="status">
          {t('signIn.linkSent', { email })}
        </Alert>
      ) : (
        <form onSubmit={submitLink} noValidate>
          <Stack gap="sm">
            <Text size="sm">{t('signIn.linkHelp')}</Text>
            <TextInput label={t('signIn.email')} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
            <Button type="submit" loading={busy} fullWidth>
              {t('signIn.sendLink')}
            </Button>
          </Stack>
        </form>
      )}
      <Divider />
      <Anchor
        component="button"
        type="button"
        size="sm"
        onClick={() => {
          setMode(mode === 'password' ? 'link' : 'password');
          setLinkSent(false);
          setError(null);
        }}
      >
        {mode === 'password' ? t('signIn.useLink') : t('signIn.usePassword')}
      </Anchor>
    </AuthFrame>
  );
}

const consumed = new Map<string, Promise<void>>();

export function MagicLinkPage() {
  const { t } = useTranslation();
  const { consumeMagicLink } = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const token = params.get('token');

  useEffect(() => {
    if (!token) return;
    let cancelled = false;
    // A link is single-use: consume each token once, even if the effect runs twice.
    let pending = consumed.get(token);
    if (!pending) {
      pending = consumeMagicLink(token);
      consumed.set(token, pending);
    }
    pending.then(
      () => {
        if (!cancelled) navigate(takeReturnTo() ?? '/', { replace: true });
      },
      (err: unknown) => {
        if (!cancelled) setError(err);
      },
    );
    return () => {
      cancelled = true;
    };
    // consume once per token
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [token]);

  return (
    <AuthFrame title={t('magic.title')}>
      {!token ? (
        <Alert color="red" variant="light" role="alert">
          {t('magic.missingToken')}
        </Alert>
      ) : error ? (
        <ErrorAlert error={error} />
      ) : (
        <Loading label={t('magic.signingIn')} />
      )}
      <Anchor href="/sign-in" size="sm">
        {t('magic.backToSignIn')}
      </Anchor>
    </AuthFrame>
  );
}
