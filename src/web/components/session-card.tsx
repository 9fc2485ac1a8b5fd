import { Anchor, Badge, Group, Paper, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Session } from '../api/types.ts';
import { formatDate, formatTimeRange } from '../lib/dates.ts';

/** One session as a compact card (calendar cells, lists). */
export function SessionCard({ session, link = true, showDate = false, live = false, justify = false }: { session: Session; link?: boolean; showDate?: boolean; live?: boolean; justify?: boolean }) {
  const { t, i18n } = useTranslation();
  const cancelled = session.status === 'cancelled';
  const title = session.moduleTitle ?? session.programTitle;
  return (
    <Paper withBorder p={6} radius="sm" bg={cancelled ? 'gray.1' : 'blue.0'} data-testid="session-card" data-session-id={session.id}>
      <Stack gap={2}>
        <Text size="xs" fw={700} c="blue.9">
          {showDate ? `${formatDate(session.date, i18n.language)} · ` : ""}
          {formatTimeRange(session.startsAt, session.endsAt, session.timezone, i18n.language)}
        </Text>
        {link ? (
          <Anchor component={Link} to={`/sessions/${session.id}`} size="sm" fw={600} c="gray.9" td={cancelled ? 'line-through' : undefined}>
            {session.cohortName}
          </Anchor>
        ) : (
          <Text size="sm" fw={600}>
            {session.cohortName}
          </Text>
        )}
        <Text size="xs" c="gray.8" lineClamp={2}>
          {title}
          {session.location ? ` · ${session.location}` : ''}
        </Text>
        {live && !cancelled && (
          <Anchor component={Link} to={`/sessions/${session.id}/live`} size="xs" fw={700}>
            {t('live.start')}
          </Anchor>
        )}
        {justify && !cancelled && (
          <Anchor component={Link} to={`/absences/justify?session=${session.id}`} size="xs">
            {t('absences.justifyThis')}
          </Anchor>
        )}
        {(cancelled || session.holiday) && (
          <Group gap={4}>
            {cancelled && (
              <Badge size="xs" color="gray.8" variant="filled">
                {t('sessions.status.cancelled')}
              </Badge>
            )}
            {session.holiday && (
              <Badge size="xs" color="#a33b0b" variant="filled">
                {session.holiday}
              </Badge>
            )}
          </Group>
        )}
      </Stack>
    </Paper>
  );
}
