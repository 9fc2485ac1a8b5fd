import { Anchor, Badge, Button, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, type Page as ApiPage } from '../api/client.ts';
import type { OutboxMail } from '../api/types.ts';
import { Page } from '../components/page.tsx';
import { LoadState } from '../components/states.tsx';
import { formatDateTime } from '../lib/dates.ts';
import { useSignedIn } from '../lib/session.tsx';
import { useApi } from '../lib/use-api.ts';


export function OutboxPage() {
  const { t, i18n } = useTranslation();
  const me = useSignedIn();
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const state = useApi((signal) => api.get<ApiPage<OutboxMail>>('/outbox', { limit: 50, cursor }, signal), [cursor]);
  return (
    <Page title={t('outbox.title')}>
      <Text size="sm">{t('outbox.help')}</Text>
      <LoadState state={state} isEmpty={(d) => d.items.length === 0} empty={t('outbox.empty')}>
        {(page) => (
          <Stack gap="sm">
            <Table.ScrollContainer minWidth={600}>
              <Table striped highlightOnHover>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('outbox.fields.createdAt')}</Table.Th>
                    <Table.Th>{t('outbox.fields.to')}</Table.Th>
                    <Table.Th>{t('outbox.fields.subject')}</Table.Th>
                    <Table.Th>{t('outbox.fields.status')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.items.map((m) => (
                    <Table.Tr key={m.id}>
                      <Table.Td>{formatDateTime(m.createdAt, me.organisation.timezone, i18n.language)}</Table.Td>
                      <Table.Td>{m.to}</Table.Td>
                      <Table.Td>
                        <Anchor component={Link} to={`/outbox/${m.id}`}>
                          {m.subject}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>{t(`outbox.statuses.${m.status}`)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Group>
              {cursor && (
                <Button variant="default" onClick={() => setCursor(undefined)}>
                  {t('common.firstPage')}
                </Button>
              )}
              {page.nextCursor && (
                <Button variant="default" onClick={() => setCursor(page.nextCursor ?? undefined)}>
                  {t('common.nextPage')}
                </Button>
              )}
            </Group>
          </Stack>
        )}
      </LoadState>
    </Page>
  );
}

export function OutboxMailPage() {
  const { t, i18n } = useTranslation();
  const { id = '' } = useParams();
  const me = useSignedIn();
  const state = useApi((signal) => api.get<OutboxMail>(`/outbox/${id}`, undefined, signal), [id]);
  return (
    <Page title={state.data?.subject ?? t('outbox.mail')}>
      <Anchor component={Link} to="/outbox" size="sm">
        ← {t('outbox.back')}
      </Anchor>
      <LoadState state={state}>
        {(m) => (
          <Paper withBorder p="md">
            <Stack gap="xs">
              <Text size="sm">
                <strong>{t('outbox.fields.to')}</strong> : {m.to}
              </Text>
              <Text size="sm">
                <strong>{t('outbox.fields.createdAt')}</strong> : {formatDateTime(m.createdAt, me.organisation.timezone, i18n.language)}
              </Text>
              <Group gap="xs">
                <Badge color={m.status === 'failed' ? 'red.9' : 'gray.8'}>{t(`outbox.statuses.${m.status}`)}</Badge>
              </Group>
              {m.lastError && (
                <Text size="sm" c="red.9">
                  {m.lastError}
                </Text>
              )}
              <Text component="pre" size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word', fontFamily: 'inherit' }} data-testid="mail-body">
                <Linkified text={m.text} />
              </Text>
            </Stack>
          </Paper>
        )}
      </LoadState>
    </Page>
  );
}

/** Plain text with its http(s) links clickable (the magic-link mails). */
function Linkified({ text }: { text: string }) {
  return (
    <>
      {text.split(/(https?:\/\/[^\s<>"]+)/).map((part, i) =>
        i % 2 === 1 ? (
          <Anchor key={i} href={part}>
            {part}
          </Anchor>
        ) : (
          part
        ),
      )}
    </>
  );
}
