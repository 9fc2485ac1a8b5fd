import { Anchor, Card, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, type Page as ApiPage } from '../api/client.ts';
import type { Cohort, Person, Program, Session } from '../api/types.ts';
import { Page } from '../components/page.tsx';
import { SessionCard } from '../components/session-card.tsx';
import { LoadState } from '../components/states.tsx';
import { addDays, formatDate, mondayOf, todayIn } from '../lib/dates.ts';
import { useSignedIn } from '../lib/session.tsx';
import { useApi } from '../lib/use-api.ts';

function countLabel(page: ApiPage<unknown>): string {
  return page.nextCursor ? `${page.items.length}+` : String(page.items.length);
}

export function DashboardPage() {
  const { t, i18n } = useTranslation();
  const session = useSignedIn();
  const tz = session.organisation.timezone;
  const today = todayIn(tz);
  const monday = mondayOf(today);
  const state = useApi(
    async (signal) => {
      const [programs, cohorts, learners, sessions] = await Promise.all([
        api.get<ApiPage<Program>>('/programs', { limit: 200 }, signal),
        api.get<ApiPage<Cohort>>('/cohorts', { limit: 200 }, signal),
        api.get<ApiPage<Person>>('/people', { role: 'learner', limit: 200 }, signal),
        api.get<ApiPage<Session>>('/sessions', { from: monday, to: addDays(monday, 6), limit: 200 }, signal),
      ]);
      return { programs, cohorts, learners, sessions };
    },
    [monday],
  );
  return (
    <Page title={t('dashboard.title', { name: session.person.givenName })}>
      <LoadState state={state}>
        {(d) => (
          <Stack gap="lg">
            <SimpleGrid cols={{ base: 2, md: 4 }}>
              {[
                { to: '/programs', label: t('nav.programs'), value: countLabel(d.programs) },
                { to: '/cohorts', label: t('nav.cohorts'), value: countLabel(d.cohorts) },
                { to: '/people?role=learner', label: t('dashboard.learners'), value: countLabel(d.learners) },
                { to: '/calendar', label: t('dashboard.sessionsThisWeek'), value: countLabel(d.sessions) },
              ].map((c) => (
                <Card key={c.to} withBorder padding="md">
                  <Text size="xl" fw={700}>
                    {c.value}
                  </Text>
                  <Anchor component={Link} to={c.to} size="sm">
                    {c.label}
                  </Anchor>
                </Card>
              ))}
            </SimpleGrid>
            <Stack gap="xs">
              <Title order={2} size="h4">
                {t('dashboard.thisWeek', { from: formatDate(monday, i18n.language), to: formatDate(addDays(monday, 6), i18n.language) })}
              </Title>
              {d.sessions.items.length === 0 ? (
                <Text c="gray.8">{t('dashboard.noSessions')}</Text>
              ) : (
                <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
                  {d.sessions.items.slice(0, 12).map((s) => (
                    <SessionCard key={s.id} session={s} showDate />
                  ))}
                </SimpleGrid>
              )}
            </Stack>
          </Stack>
        )}
      </LoadState>
    </Page>
  );
}
