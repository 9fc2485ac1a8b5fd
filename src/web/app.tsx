import { useTranslation } from 'react-i18next';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import type { Role } from './api/types.ts';
import { AppLayout, homeFor } from './components/layout.tsx';
import { ErrorAlert, Loading } from './components/states.tsx';
import { isStaff, SessionProvider, useSession } from './lib/session.tsx';
import { AbsencesReviewPage, JustifyAbsencePage, MyAbsencesPage } from './pages/absences.tsx';
import { ApiKeysPage } from './pages/api-keys.tsx';
import { AttendanceListPage, SheetDetailPage } from './pages/attendance.tsx';
import { CalendarPage } from './pages/calendar.tsx';
import { CohortPage, CohortsPage } from './pages/cohorts.tsx';
import { DashboardPage } from './pages/dashboard.tsx';
import { ImportPage } from './pages/import.tsx';
import { LiveSessionPage, MyLiveSessionsPage } from './pages/live-session.tsx';
import { MySessionsPage } from './pages/my-sessions.tsx';
import { FairnessPage, ModelCardPage } from './pages/model-card.tsx';
import { ModelsPage } from './pages/models.tsx';
import { MyRiskPage, ObjectionsPage, RiskPage } from './pages/risk.tsx';
import { NotFoundPage } from './pages/not-found.tsx';
import { OutboxMailPage, OutboxPage } from './pages/outbox.tsx';
import { PeoplePage, PersonPage } from './pages/people.tsx';
import { ProgramPage, ProgramsPage } from './pages/programs.tsx';
import { SessionPage } from './pages/session.tsx';
import { StrugglingPage } from './pages/questionnaires/struggling.tsx';
import { QuestionBankPage, QuestionBanksPage } from './pages/questionnaires/banks.tsx';
import { QuestionnaireBuilderPage } from './pages/questionnaires/builder.tsx';
import { QuestionnairesListPage } from './pages/questionnaires/list.tsx';
import { QuestionnairePreviewPage } from './pages/questionnaires/preview.tsx';
import { RespondPage } from './pages/questionnaires/respond.tsx';
import { QuestionnaireResultsPage } from './pages/questionnaires/results.tsx';
import { SignLinkPage, SignQrPage } from './pages/sign.tsx';
import { VerifyPage } from './pages/verify.tsx';
import { MagicLinkPage, SignInPage } from './pages/sign-in.tsx';

function RequireSession() {
  const { session, loadError, refresh } = useSession();
  const location = useLocation();
  if (session === undefined) return <Loading />;
  if (session === null) {
    if (loadError) return <ErrorAlert error={loadError} onRetry={() => void refresh()} />;
    return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  }
  return <AppLayout />;
}

/** Shows the page only to people with one of the roles; others go to their home page. */
function Only({ when, children }: { when: (roles: readonly Role[]) => boolean; children: React.ReactNode }) {
  const { session } = useSession();
  const roles = session?.person.roles ?? [];
  if (!when(roles)) return <Navigate to={homeFor(roles)} replace />;
  return <>{children}</>;
}

function SignInRoute() {
  const { session } = useSession();
  if (session === undefined) return <Loading />;
  if (session) return <Navigate to={homeFor(session.person.roles)} replace />;
  return <SignInPage />;
}

function SkipLink() {
  const { t } = useTranslation();
  return (
    <a className="skip-link" href="#main-content" style={{ position: 'absolute', left: -10000, top: 0 }} onFocus={(e) => (e.currentTarget.style.left = '8px')} onBlur={(e) => (e.currentTarget.style.left = '-10000px')}>
      {t('nav.skipToContent')}
    </a>
  );
}

const admin = (r: readonly Role[]) => r.includes('admin');
const trainer = (r: readonly Role[]) => r.includes('trainer') || isStaff(r);

export function App() {
  return (
    <SessionProvider>
      <BrowserRouter>
        <SkipLink />
        <Routes>
          <Route path="/sign-in" element={<SignInRoute />} />
          <Route path="/auth/magic" element={<MagicLinkPage />} />
          <Route path="/sign/qr" element={<SignQrPage />} />
          <Route path="/sign/link" element={<SignLinkPage />} />
          <Route path="/verify" element={<VerifyPage />} />
          <Route path="/verify/:code" element={<VerifyPage />} />
          <Route path="/respond/:token" element={<RespondPage />} />
          <Route element={<RequireSession />}>
            <Route index element={<Only when={isStaff}><DashboardPage /></Only>} />
            <Route path="programs" element={<Only when={isStaff}><ProgramsPage /></Only>} />
            <Route path="programs/:id" element={<Only when={isStaff}><ProgramPage /></Only>} />
            <Route path="cohorts" element={<Only when={isStaff}><CohortsPage /></Only>} />
            <Route path="cohorts/:id" element={<Only when={trainer}><CohortPage /></Only>} />
            <Route path="people" element={<Only when={isStaff}><PeoplePage /></Only>} />
            <Route path="people/:id" element={<Only when={isStaff}><PersonPage /></Only>} />
            <Route path="calendar" element={<Only when={isStaff}><CalendarPage mine={false} /></Only>} />
            <Route path="sessions/:id" element={<Only when={trainer}><SessionPage /></Only>} />
            <Route path="sessions/:id/live" element={<Only when={trainer}><LiveSessionPage /></Only>} />
            <Route path="attendance" element={<Only when={isStaff}><AttendanceListPage /></Only>} />
            <Route path="attendance/sessions/:id" element={<Only when={trainer}><SheetDetailPage /></Only>} />
            <Route path="absences" element={<Only when={isStaff}><AbsencesReviewPage /></Only>} />
            <Route path="absences/justify" element={<JustifyAbsencePage />} />
            <Route path="my/absences" element={<MyAbsencesPage />} />
            <Route path="my/live" element={<Only when={trainer}><MyLiveSessionsPage /></Only>} />
            <Route path="imports" element={<Only when={isStaff}><ImportPage /></Only>} />
            <Route path="api-keys" element={<Only when={admin}><ApiKeysPage /></Only>} />
            <Route path="outbox" element={<Only when={isStaff}><OutboxPage /></Only>} />
            <Route path="outbox/:id" element={<Only when={isStaff}><OutboxMailPage /></Only>} />
            <Route path="my/calendar" element={<Only when={trainer}><CalendarPage mine /></Only>} />
            <Route path="my/cohorts" element={<Only when={trainer}><CohortsPage mine /></Only>} />
            <Route path="my/sessions" element={<MySessionsPage />} />
            <Route path="analytics/risk" element={<Only when={trainer}><RiskPage /></Only>} />
            <Route path="analytics/models" element={<Only when={isStaff}><ModelsPage /></Only>} />
            <Route path="analytics/models/:id" element={<Only when={isStaff}><ModelCardPage /></Only>} />
            <Route path="analytics/models/:id/fairness" element={<Only when={isStaff}><FairnessPage /></Only>} />
            <Route path="analytics/objections" element={<Only when={isStaff}><ObjectionsPage /></Only>} />
            <Route path="my/risk" element={<MyRiskPage />} />
            <Route path="questionnaires" element={<Only when={isStaff}><QuestionnairesListPage /></Only>} />
            <Route path="questionnaires/struggling" element={<Only when={isStaff}><StrugglingPage /></Only>} />
            <Route path="questionnaires/:id/results" element={<Only when={isStaff}><QuestionnaireResultsPage /></Only>} />
            <Route path="questionnaires/:id/edit" element={<Only when={isStaff}><QuestionnaireBuilderPage /></Only>} />
            <Route path="questionnaires/banks" element={<Only when={isStaff}><QuestionBanksPage /></Only>} />
            <Route path="questionnaires/banks/:id" element={<Only when={isStaff}><QuestionBankPage /></Only>} />
            <Route path="questionnaires/:id/preview" element={<Only when={isStaff}><QuestionnairePreviewPage /></Only>} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </SessionProvider>
  );
}
