import { Alert, Anchor, Badge, Button, Group, List, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import type { z } from 'zod';
import type { submittedSchema } from '../../../modules/questionnaires/questionnaires.schemas.ts';
import { ApiError, api } from '../../api/client.ts';
import type { RespondentView } from '../../api/types.ts';
import { ErrorAlert, Loading } from '../../components/states.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { intlLocale } from '../../lib/dates.ts';
import { SigningFrame } from '../sign.tsx';
import { type Answers, isAnswered, missingRequired, QuestionForm, visibleQuestionIds } from './question-form.tsx';

type Submitted = z.infer<typeof submittedSchema>;
type SaveState = { kind: 'idle' } | { kind: 'pending' } | { kind: 'saving' } | { kind: 'saved'; at: Date } | { kind: 'offline'; retryIn: number } | { kind: 'local' } | { kind: 'refused' };

/**
 * Answers not yet confirmed by the server live in localStorage, keyed by a hash
 * of the link (not the link itself): a dropped connection, a closed tab or a
 * reload loses nothing, and the next visit sends them.
 */
function storageKey(token: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return `emarge.respond.${h1.toString(36)}${h2.toString(36)}`;
}

interface Stored {
  answers: Answers;
  /** true while the server has not confirmed these answers. */
  pending: boolean;
}

function readStored(key: string): Stored | null {
  try {
    const raw = localStorage.getItem(key);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Stored;
    return parsed && typeof parsed.answers === 'object' ? parsed : null;
  } catch {
    return null;
  }
}
function writeStored(key: string, value: Stored | null): void {
  try {
    if (value) localStorage.setItem(key, JSON.stringify(value));
    else localStorage.removeItem(key);
  } catch {
    // storage full or disabled: the server copy still works
  }
}

/** The body that makes the server's copy equal to `answers`: every question, null when hidden or unanswered. */
function answersBody(sections: RespondentView['sections'], answers: Answers) {
  const visible = visibleQuestionIds(sections, answers);
  return { answers: sections.flatMap((s) => s.questions.map((q) => ({ questionId: q.id, value: visible.has(q.id) && isAnswered(answers[q.id]) ? answers[q.id] : null }))) };
}

/** Per-question messages from a problem: answers.<id> (missing), body.answers.<i>.… (the i-th answer sent). */
function errorsByQuestion(error: unknown, sent: Array<{ questionId: string }>, fallback: string): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const item of error.errors) {
    const path = item.path ?? '';
    const missing = /^answers\.([0-9a-f-]{36})$/.exec(path);
    const indexed = /^body\.answers\.(\d+)\./.exec(path);
    const id = missing?.[1] ?? (indexed ? sent[Number(indexed[1])]?.questionId : undefined);
    if (id) out[id] = missing ? fallback : item.message;
  }
  return out;
}

const isTransient = (e: unknown) => e instanceof ApiError && (e.status === 0 || e.status >= 500 || e.status === 429);
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** /respond/:token — the personal questionnaire link from an invitation mail; no account needed; phone first. */
export function RespondPage() {
  const { t, i18n } = useTranslation();
  const { token = '' } = useParams();
  const [view, setView] = useState<RespondentView | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setLoadError(null);
    api.get<RespondentView>(`/respond/${encodeURIComponent(token)}`, undefined, controller.signal).then(
      (v) => !controller.signal.aborted && setView(v),
      (e: unknown) => !controller.signal.aborted && setLoadError(e),
    );
    return () => controller.abort();
  }, [token, tick]);

  // A first visit shows the page in the questionnaire's language (a language chosen earlier on this device wins).
  const locale = view?.questionnaire.locale;
  useEffect(() => {
    if (!locale || i18n.language.startsWith(locale)) return;
    let chosen: string | null = null;
    try {
      chosen = localStorage.getItem('emarge.language');
    } catch {
      // storage unavailable: keep the current language
      return;
    }
    if (chosen === null) void i18n.changeLanguage(locale);
  }, [locale, i18n]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  const invalid = loadError instanceof ApiError && [400, 401, 404].includes(loadError.status);

  return (
    <SigningFrame title={view?.questionnaire.title ?? t('respond.title')}>
      {invalid ? (
        <Alert color="red.9" variant="outline" title={t('respond.invalidTitle')} role="alert" data-testid="respond-invalid">
          {t('respond.invalid')}
        </Alert>
      ) : loadError ? (
        <ErrorAlert error={loadError} onRetry={reload} />
      ) : !view ? (
        <Loading />
      ) : (
        <Respondent key={tick} token={token} view={view} onStale={reload} />
      )}
    </SigningFrame>
  );
}

function Respondent({ token, view, onStale }: { token: string; view: RespondentView; onStale: () => void }) {
  const { t, i18n } = useTranslation();
  const key = useMemo(() => storageKey(token), [token]);
  const submittedBefore = view.response.status === 'submitted';
  const closed = !view.response.canSubmit;
  /** Resubmission: drafts are refused by the server once submitted, so changes stay on this device until sent. */
  const serverDrafts = !submittedBefore && !closed;

  const initial = useMemo(() => {
    const server: Answers = Object.fromEntries(view.response.answers.map((a) => [a.questionId, a.value]));
    const stored = closed ? null : readStored(key);
    if (closed) writeStored(key, null);
    return stored?.pending ? { answers: { ...server, ...stored.answers }, pending: true } : { answers: server, pending: false };
  }, [view, key, closed]);

  const [answers, setAnswers] = useState<Answers>(initial.answers);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [save, setSave] = useState<SaveState>(initial.pending ? { kind: 'pending' } : { kind: 'idle' });
  const [submitError, setSubmitError] = useState<unknown>(null);
  const [submitting, setSubmitting] = useState(false);
  const [done, setDone] = useState<Submitted | null>(null);
  const [savedNote, setSavedNote] = useState(false);

  const answersRef = useRef(answers);
  const version = useRef(initial.pending ? 1 : 0);
  const savedVersion = useRef(0);
  const inFlight = useRef<Promise<void> | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const attempts = useRef(0);
  const stopped = useRef(false);
  const refused = useRef(false);
  const summaryRef = useRef<HTMLDivElement>(null);
  const doneRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const root = document.documentElement;
    root.style.scrollPaddingBottom = '64px';
    return () => {
      root.style.scrollPaddingBottom = '';
    };
  }, []);

  const schedule = useCallback((ms: number, run: () => void) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(run, ms);
  }, []);

  /** Sends the answers not yet confirmed; retries with backoff while the network or server fails. */
  const flush = useCallback(async (): Promise<void> => {
    if (!serverDrafts || stopped.current) return;
    if (inFlight.current) return inFlight.current;
    if (version.current === savedVersion.current) return;
    const v = version.current;
    const body = answersBody(view.sections, answersRef.current);
    setSave({ kind: 'saving' });
    const run = (async () => {
      try {
        await api.put(`/respond/${encodeURIComponent(token)}/draft`, body);
        savedVersion.current = v;
        attempts.current = 0;
        if (v === version.current) writeStored(key, { answers: answersRef.current, pending: false });
        // Messages of a refused save are answered by this one; "required" messages stay until answered.
        if (refused.current) setErrors({});
        refused.current = false;
        setSave({ kind: 'saved', at: new Date() });
      } catch (error) {
        if (isTransient(error)) {
          attempts.current += 1;
          const wait = Math.min(30, 2 ** Math.min(attempts.current, 5));
          setSave({ kind: 'offline', retryIn: wait });
          schedule(wait * 1000, () => void flush());
        } else if (error instanceof ApiError && ['questionnaire_closed', 'response_already_submitted', 'questionnaire_link_invalid'].includes(error.code)) {
          stopped.current = true;
          onStale();
        } else {
          // Refused answers (e.g. a value out of range): shown by question; the next change tries again.
          savedVersion.current = v;
          refused.current = true;
          setErrors(errorsByQuestion(error, body.answers, t('respond.required')));
          setSave({ kind: 'refused' });
        }
      }
    })();
    inFlight.current = run;
    await run;
    inFlight.current = null;
    if (version.current !== savedVersion.current && !stopped.current && attempts.current === 0) schedule(1500, () => void flush());
  }, [serverDrafts, view.sections, token, key, schedule, onStale, t]);

  // Unsent answers from an earlier visit go out now; the connection coming back sends what waits.
  useEffect(() => {
    if (initial.pending && serverDrafts) void flush();
    const online = () => {
      attempts.current = 0;
      void flush();
    };
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('online', online);
      if (timer.current) clearTimeout(timer.current);
    };
  }, [initial.pending, serverDrafts, flush]);

  function change(questionId: string, value: unknown) {
    const next = { ...answersRef.current, [questionId]: value };
    answersRef.current = next;
    setAnswers(next);
    version.current += 1;
    setSavedNote(false);
    if (errors[questionId]) setErrors(({ [questionId]: _, ...rest }) => rest);
    writeStored(key, { answers: next, pending: true });
    if (!serverDrafts) {
      setSave({ kind: 'local' });
      return;
    }
    setSave((s) => (s.kind === 'offline' ? s : { kind: 'pending' }));
    if (attempts.current === 0) schedule(1200, () => void flush());
  }

  async function saveNow() {
    if (timer.current) clearTimeout(timer.current);
    attempts.current = 0;
    if (version.current === savedVersion.current && !inFlight.current) {
      setSavedNote(true);
      return;
    }
    await flush();
    await inFlight.current;
    setSavedNote(version.current === savedVersion.current);
  }

  async function submit() {
    setSubmitError(null);
    setSavedNote(false);
    const missing = missingRequired(view.sections, answersRef.current);
    if (missing.length) {
      setErrors(Object.fromEntries(missing.map((id) => [id, t('respond.required')])));
      setSubmitError(new ApiError(422, 'answers_missing', ''));
      requestAnimationFrame(() => summaryRef.current?.focus());
      return;
    }
    if (timer.current) clearTimeout(timer.current);
    stopped.current = true;
    await inFlight.current;
    setSubmitting(true);
    const body = answersBody(view.sections, answersRef.current);
    try {
      const result = await api.post<Submitted>(`/respond/${encodeURIComponent(token)}/submit`, body);
      writeStored(key, null);
      setDone(result);
      requestAnimationFrame(() => doneRef.current?.focus());
    } catch (error) {
      stopped.current = false;
      setErrors(errorsByQuestion(error, body.answers, t('respond.required')));
      setSubmitError(error);
      requestAnimationFrame(() => summaryRef.current?.focus());
    } finally {
      setSubmitting(false);
    }
  }

  const q = view.questionnaire;
  const visible = visibleQuestionIds(view.sections, answers);
  const total = view.sections.reduce((n, s) => n + s.questions.filter((x) => visible.has(x.id)).length, 0);
  const answered = view.sections.reduce((n, s) => n + s.questions.filter((x) => visible.has(x.id) && isAnswered(answers[x.id])).length, 0);
  const prompts = new Map(view.sections.flatMap((s) => s.questions.map((x) => [x.id, x.prompt] as const)));
  const errorCount = Object.keys(errors).length;
  // "Required questions unanswered" (found here, before sending) goes away once they are all answered.
  const clientMissing = submitError instanceof ApiError && submitError.code === 'answers_missing' && submitError.detail === '';
  const showSubmitError = submitError !== null && !(clientMissing && errorCount === 0);

  if (done) return <Done ref={doneRef} submitted={done} anonymous={q.anonymous} prompts={prompts} />;

  return (
    <Stack gap="md">
      {q.description && (
        <Text lang={q.locale} style={{ whiteSpace: 'pre-wrap' }}>
          {q.description}
        </Text>
      )}
      {q.anonymous && (
        <Alert color="blue" variant="light" title={t('respond.anonymousTitle')} data-testid="anonymity-statement">
          {t('respond.anonymous')}
        </Alert>
      )}
      {q.closesAt && !closed && (
        <Text size="sm" c="gray.8">
          {t('respond.closesAt', { at: formatInstant(q.closesAt, i18n.language) })}
        </Text>
      )}
      {submittedBefore && (
        <Alert color="teal.9" variant="outline" title={t('respond.alreadyTitle')} role="status" data-testid="respond-already">
          <Stack gap={4}>
            {view.response.submittedAt && <Text size="sm">{t(q.anonymous ? 'respond.answeredOnDay' : 'respond.answeredOn', { at: q.anonymous ? formatDay(view.response.submittedAt, i18n.language) : formatInstant(view.response.submittedAt, i18n.language) })}</Text>}
            {view.response.result && <Score result={view.response.result} />}
            <Text size="sm">{closed ? t('respond.alreadyFinal') : t('respond.alreadyCanChange')}</Text>
          </Stack>
        </Alert>
      )}
      {closed && !submittedBefore && (
        <Alert color="gray.8" variant="outline" title={t('respond.closedTitle')} role="status" data-testid="respond-closed">
          {q.closesAt && new Date(q.closesAt) <= new Date()
            ? t('respond.closedOn', { at: formatInstant(q.closesAt, i18n.language) })
            : q.anonymous
              ? t('respond.closedAnonymous')
              : t('respond.closed')}
        </Alert>
      )}
      {(!closed || submittedBefore) && (
        <>
          {!closed && (
            <Text size="sm" data-testid="respond-progress">
              {t('respond.progress', { answered, total })}
            </Text>
          )}
          <div lang={q.locale}>
            <QuestionForm sections={view.sections} answers={answers} onChange={change} errors={errors} readOnly={closed} />
          </div>
        </>
      )}
      {!closed && (
        <Stack gap="xs">
          {savedNote && (
            <Text size="sm" c="teal.9" role="status" data-testid="saved-note">
              {t('respond.savedNote')}
            </Text>
          )}
          <div ref={summaryRef} tabIndex={-1} style={{ outline: 'none' }}>
            {showSubmitError && (
              <Alert color="red.9" variant="outline" role="alert" title={t('respond.notSentTitle')} data-testid="submit-error">
                <Stack gap={4}>
                  <Text size="sm">{clientMissing ? t('respond.missing', { count: errorCount }) : errorMessage(submitError, t)}</Text>
                  {isTransient(submitError) && <Text size="sm">{t('respond.keptOnDevice')}</Text>}
                  {errorCount > 0 && (
                    <List size="sm">
                      {Object.entries(errors).map(([id, message]) => (
                        <List.Item key={id}>
                          <Anchor component="button" type="button" size="sm" ta="left" onClick={() => focusQuestion(id)}>
                            {prompts.get(id) ?? id}
                          </Anchor>{' '}
                          — {message}
                        </List.Item>
                      ))}
                    </List>
                  )}
                </Stack>
              </Alert>
            )}
          </div>
          <Button size="md" fullWidth styles={WRAP} onClick={() => void submit()} loading={submitting} data-testid="respond-submit">
            {submittedBefore ? t('respond.resubmit') : t('respond.submit')}
          </Button>
          {serverDrafts && (
            <Button variant="outline" size="md" fullWidth styles={WRAP} onClick={() => void saveNow()} disabled={submitting}>
              {t('respond.saveLater')}
            </Button>
          )}
        </Stack>
      )}
      {!closed && (
        // The save state stays in sight while answering: a one-line bar at the bottom of the screen that
        // taps go through, and that focused fields scroll clear of (scroll padding below).
        <Paper withBorder px="sm" py={6} pos="sticky" bottom={0} bg="white" style={{ zIndex: 2, pointerEvents: 'none' }}>
          <SaveStatus state={save} />
        </Paper>
      )}
    </Stack>
  );
}

/** Button labels wrap on a phone instead of being cut. */
const WRAP = { root: { height: 'auto', minHeight: 42, paddingBlock: 8 }, label: { whiteSpace: 'normal', textAlign: 'center' } } as const;

function focusQuestion(id: string) {
  const box = document.querySelector<HTMLElement>(`[data-question-id="${id}"]`);
  if (!box) return;
  box.scrollIntoView({ block: 'center' });
  box.querySelector<HTMLElement>('input:not([disabled]), textarea, button')?.focus();
}

function formatInstant(iso: string, language: string): string {
  const zone = browserZone();
  const text = new Intl.DateTimeFormat(intlLocale(language), { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone }).format(new Date(iso));
  return `${text} (${zone})`;
}
function formatDay(iso: string, language: string): string {
  return new Intl.DateTimeFormat(intlLocale(language), { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(iso));
}
const formatScore = (x: number, language: string) => new Intl.NumberFormat(intlLocale(language), { maximumFractionDigits: 2 }).format(x);

function SaveStatus({ state }: { state: SaveState }) {
  const { t, i18n } = useTranslation();
  const text =
    state.kind === 'saving'
      ? t('respond.saving')
      : state.kind === 'pending'
        ? t('respond.pending')
        : state.kind === 'saved'
          ? t('respond.savedAt', { at: `${new Intl.DateTimeFormat(intlLocale(i18n.language), { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(state.at)} (${browserZone()})` })
          : state.kind === 'offline'
            ? t('respond.offline', { count: state.retryIn })
            : state.kind === 'local'
              ? t('respond.localOnly')
              : state.kind === 'refused'
                ? t('respond.refused')
                : t('respond.autosave');
  const color = state.kind === 'offline' || state.kind === 'refused' ? 'red.9' : state.kind === 'saved' ? 'teal.9' : 'gray.8';
  return (
    <Text size="sm" c={color} role="status" aria-live="polite" data-testid="save-status" data-state={state.kind}>
      {text}
    </Text>
  );
}

function Score({ result }: { result: { score: number; maxScore: number; percent: number | null; passed: boolean | null } }) {
  const { t, i18n } = useTranslation();
  return (
    <Group gap="xs" wrap="wrap" data-testid="respond-score">
      <Text fw={700}>{t('respond.score', { score: formatScore(result.score, i18n.language), max: formatScore(result.maxScore, i18n.language), percent: result.percent === null ? '–' : formatScore(result.percent, i18n.language) })}</Text>
      {result.passed !== null && (
        <Badge color={result.passed ? 'teal.9' : 'red.9'} size="lg" style={{ textTransform: 'none' }} data-testid="respond-passed">
          {result.passed ? t('respond.passed') : t('respond.failed')}
        </Badge>
      )}
    </Group>
  );
}

function Done({ submitted, anonymous, prompts, ref }: { submitted: Submitted; anonymous: boolean; prompts: ReadonlyMap<string, string>; ref: React.Ref<HTMLDivElement> }) {
  const { t, i18n } = useTranslation();
  const result = submitted.result;
  const skills = result ? Object.entries(result.skills).sort(([a], [b]) => a.localeCompare(b)) : [];
  const feedback = result?.feedback ?? [];
  return (
    <Stack gap="md" data-testid="respond-done">
      <div ref={ref} tabIndex={-1} style={{ outline: 'none' }}>
        <Alert color="teal.9" variant="outline" title={t('respond.thanksTitle')} role="status">
          <Stack gap={4}>
            <Text size="sm">{anonymous ? t('respond.thanksAnonymous') : t('respond.thanks', { at: formatInstant(submitted.submittedAt, i18n.language) })}</Text>
            {result && <Score result={result} />}
          </Stack>
        </Alert>
      </div>
      {feedback.length > 0 && (
        <Stack gap="xs" component="section" aria-labelledby="feedback-title">
          <Title order={2} size="h4" id="feedback-title">
            {t('respond.feedbackTitle')}
          </Title>
          {feedback.map((f, i) => (
            <Paper key={f.questionId} withBorder p="sm" data-testid="respond-feedback">
              <Stack gap={4}>
                <Text fw={600}>
                  {i + 1}. {prompts.get(f.questionId) ?? ''}
                </Text>
                <Text size="sm" c={f.score >= f.max ? 'teal.9' : 'red.9'}>
                  {t('respond.points', { score: formatScore(f.score, i18n.language), max: formatScore(f.max, i18n.language) })}
                </Text>
                {f.feedback.map((line) => (
                  <Text key={line} size="sm">
                    {line}
                  </Text>
                ))}
              </Stack>
            </Paper>
          ))}
        </Stack>
      )}
      {skills.length > 0 && (
        <Table data-testid="respond-skills">
          <Table.Caption>{t('respond.skillsCaption')}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('respond.skill')}</Table.Th>
              <Table.Th scope="col">{t('respond.skillScore')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {skills.map(([skill, s]) => (
              <Table.Tr key={skill}>
                <Table.Th scope="row" fw={500}>
                  {skill}
                </Table.Th>
                <Table.Td>{t('respond.points', { score: formatScore(s.score, i18n.language), max: formatScore(s.max, i18n.language) })}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Text size="sm">{t('respond.canClose')}</Text>
    </Stack>
  );
}
