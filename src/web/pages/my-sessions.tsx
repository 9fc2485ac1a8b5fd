import { Button, Group, SimpleGrid } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { getAll } from '../api/client.ts';
import type { Session } from '../api/types.ts';
import { Page } from '../components/page.tsx';
import { SessionCard } from '../components/session-card.tsx';
import { LoadState } from '../components/states.tsx';
import { addDays, todayIn } from '../lib/dates.ts';
import { useSignedIn } from '../lib/session.tsx';
import { useApi } from '../lib/use-api.ts';

/** A learner's sessions: the next four weeks (or the previous four). */
export function MySessionsPage() {
  const { t } = useTranslation();
  const me = useSignedIn();
  const today = todayIn(me.organisation.timezone);
  const [past, setPast] = useState(false);
  const from = past ? addDays(today, -28) : today;
  const to = past ? addDays(today, -1) : addDays(today, 27);
  const state = useApi((signal) => getAll<Session>('/sessions', { from, to }, 500, signal), [from, to]);
  return (
    <Page
      title={t('nav.mySessions')}
      actions={
        <Group gap="xs">
          <Button variant={past ? 'default' : 'filled'} onClick={() => setPast(false)} aria-pressed={!past}>
            {t('mySessions.upcoming')}
          </Button>
          <Button variant={past ? 'filled' : 'default'} onClick={() => setPast(true)} aria-pressed={past}>
            {t('mySessions.past')}
          </Button>
        </Group>
      }
    >
      <LoadState state={state} isEmpty={(d) => d.length === 0} empty={past ? t('mySessions.emptyPast') : t('mySessions.empty')}>
        {(sessions) => (
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
            {(past ? [...sessions].reverse() : sessions).map((s) => (
              <SessionCard key={s.id} session={s} link={false} showDate justify={past} />
            ))}
          </SimpleGrid>
        )}
      </LoadState>
    </Page>
  );
}
