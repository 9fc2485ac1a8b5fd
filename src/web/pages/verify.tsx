import { Alert, Box, Button, Group, List, Paper, Stack, Text, TextInput } from '@mantine/core';
import { type DragEvent, type FormEvent, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { ApiError, api } from '../api/client.ts';
import type { VerifyCodeResult, VerifyPdfResult } from '../api/types.ts';
import { ErrorAlert, Loading } from '../components/states.tsx';
import { formatDate, formatDateTime } from '../lib/dates.ts';
import { useApi } from '../lib/use-api.ts';
import { SigningFrame } from './sign.tsx';

const ATTEST_KEYS = ['learner', 'program', 'module', 'cohort', 'date', 'halfDay', 'startsAt', 'endsAt', 'timezone', 'sheetStatus', 'learners', 'signed', 'trainersSigned', 'week', 'from', 'to', 'sessions', 'plannedHours', 'heldHours', 'attendedHours', 'excusedHours', 'absentHours', 'rate'] as const;
type AttestKey = (typeof ATTEST_KEYS)[number];
const isAttestKey = (k: string): k is AttestKey => (ATTEST_KEYS as readonly string[]).includes(k);
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * What a document attests, in the reader's language: the server's keys get
 * their labels, dates and instants are formatted (instants in the document's
 * time zone, named), half-days, sheet states, hours and rates are spelled out.
 * Internal ids and nested details (per-status counts) are left out.
 */
function Attests({ attests }: { attests: Record<string, unknown> }) {
  const { t, i18n } = useTranslation();
  const zone = typeof attests.timezone === 'string' ? attests.timezone : 'UTC';
  const value = (key: string, v: string | number | boolean): string => {
    if (key === 'halfDay' && (v === 'am' || v === 'pm')) return t(`verify.halfDay.${v}`);
    if (key === 'sheetStatus' && (v === 'open' || v === 'locked')) return t(`attendance.sheet.${v}`);
    if (key === 'rate' && typeof v === 'number') return new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 1 }).format(v);
    if (/Hours$/.test(key) && typeof v === 'number') return t('verify.hours', { hours: new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 2 }).format(v) });
    if (typeof v === 'string' && DATE_ONLY.test(v)) return formatDate(v, i18n.language);
    if (typeof v === 'string' && INSTANT.test(v)) return formatDateTime(v, zone, i18n.language);
    return String(v);
  };
  const entries = Object.entries(attests).filter(([k, v]) => v !== null && v !== undefined && typeof v !== 'object' && !/Id$/.test(k) && !(k === 'timezone' && (attests.startsAt || attests.from)));
  if (entries.length === 0) return null;
  return (
    <List size="sm" data-testid="attests">
      {entries.map(([k, v]) => (
        <List.Item key={k} data-attest={k}>
          <strong>{isAttestKey(k) ? t(`verify.attest.${k}`) : k}</strong> : {value(k, v as string | number | boolean)}
        </List.Item>
      ))}
    </List>
  );
}

/** The document's own time zone where it states one, else UTC (named either way). */
function zoneOf(attests: Record<string, unknown> | undefined): string {
  return typeof attests?.timezone === 'string' ? attests.timezone : 'UTC';
}

function Verdict({ ok, title, children }: { ok: boolean; title: string; children?: React.ReactNode }) {
  return (
    <Alert color={ok ? 'teal.9' : 'red.9'} variant="outline" title={title} role="status" data-testid="verdict" data-valid={ok ? 'true' : 'false'}>
      {children}
    </Alert>
  );
}

function CodeResult({ code }: { code: string }) {
  const { t, i18n } = useTranslation();
  const state = useApi((signal) => api.get<VerifyCodeResult>(`/verify/${encodeURIComponent(code)}`, undefined, signal), [code]);
  // Only a 404 means "no such code"; anything else (network, server) is said as it is.
  if (state.error) return state.error instanceof ApiError && state.error.status === 404 ? <Verdict ok={false} title={t('verify.unknownCode', { code })} /> : <ErrorAlert error={state.error} />;
  if (!state.data) return <Loading />;
  const r = state.data;
  return (
    <Verdict ok={r.valid} title={r.valid ? t('verify.codeValid') : t('verify.codeInvalid')}>
      <Stack gap={4}>
        <Text size="sm">
          {t(`verify.kind.${r.kind}`)} · {r.organisation} · {t('verify.issuedAt', { at: formatDateTime(r.issuedAt, zoneOf(r.attests), i18n.language) })}
        </Text>
        {r.isLatestVersion === false && <Text size="sm">{t('verify.newerVersion', { latest: r.latestVersion })}</Text>}
        <Text size="xs" style={{ wordBreak: 'break-all' }}>
          SHA-256 : {r.sha256}
        </Text>
        <Attests attests={r.attests} />
      </Stack>
    </Verdict>
  );
}

/** /verify and /verify/:code : anyone checks a sheet or certificate by its code, or drops the PDF itself. */
export function VerifyPage() {
  const { t, i18n } = useTranslation();
  const { code = '' } = useParams();
  const navigate = useNavigate();
  const [draft, setDraft] = useState(code);
  const [result, setResult] = useState<VerifyPdfResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  async function check(file: File) {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api.upload<VerifyPdfResult>('/verify', file, 'application/pdf'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (file) void check(file);
  }
  function submitCode(e: FormEvent) {
    e.preventDefault();
    const c = draft.trim().toUpperCase();
    if (!c) return;
    setDraft(c);
    navigate(`/verify/${encodeURIComponent(c)}`);
  }

  return (
    <SigningFrame title={t('verify.title')}>
      <form onSubmit={submitCode} noValidate>
        <Group align="flex-end" wrap="wrap">
          <TextInput label={t('verify.code')} value={draft} onChange={(e) => setDraft(e.currentTarget.value)} style={{ flex: 1 }} miw={180} />
          <Button type="submit">{t('verify.check')}</Button>
        </Group>
      </form>
      {code && <CodeResult key={code} code={code} />}
      <Paper
        withBorder
        p="lg"
        bg={dragging ? 'blue.0' : 'gray.0'}
        style={{ borderStyle: 'dashed', borderWidth: 2 }}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="pdf-drop"
      >
        <Stack gap="xs" align="center">
          <Text ta="center">{t('verify.drop')}</Text>
          <Box>
            <Button variant="outline" onClick={() => input.current?.click()} loading={busy}>
              {t('verify.choosePdf')}
            </Button>
            <input
              ref={input}
              type="file"
              accept="application/pdf"
              aria-label={t('verify.choosePdf')}
              hidden
              onChange={(e) => {
                const file = e.currentTarget.files?.[0];
                if (file) void check(file);
                e.currentTarget.value = '';
              }}
            />
          </Box>
        </Stack>
      </Paper>
      <ErrorAlert error={error} />
      {result && (
        <Verdict ok={result.valid && result.matchesIssuedDocument} title={result.valid ? (result.matchesIssuedDocument ? t('verify.pdfValid') : t('verify.pdfSealedUnknown')) : t('verify.pdfInvalid')}>
          <Stack gap={4}>
            {result.reason && <Text size="sm">{result.reason}</Text>}
            <Text size="sm">{result.intact ? t('verify.intact') : t('verify.notIntact')}</Text>
            {result.sealedBy && <Text size="sm">{t('verify.sealedBy', { name: result.sealedBy.organisation ?? result.sealedBy.commonName ?? result.sealedBy.fingerprint })}</Text>}
            {result.signingTime && <Text size="sm">{t('verify.signingTime', { at: formatDateTime(result.signingTime, zoneOf(result.document?.attests), i18n.language) })}</Text>}
            {result.document && <Attests attests={result.document.attests} />}
          </Stack>
        </Verdict>
      )}
    </SigningFrame>
  );
}
