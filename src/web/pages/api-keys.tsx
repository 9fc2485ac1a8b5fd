import { Alert, Badge, Button, Code, CopyButton, Group, Paper, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, getAll } from '../api/client.ts';
import type { ApiKey, CreatedApiKey } from '../api/types.ts';
import { Page } from '../components/page.tsx';
import { ErrorAlert, LoadState } from '../components/states.tsx';
import { formatDateTime } from '../lib/dates.ts';
import { useSignedIn } from '../lib/session.tsx';
import { useApi } from '../lib/use-api.ts';

export function ApiKeysPage() {
  const { t, i18n } = useTranslation();
  const me = useSignedIn();
  const tz = me.organisation.timezone;
  const state = useApi((signal) => getAll<ApiKey>('/api-keys', {}, 1000, signal), []);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'read' | 'write'>('read');
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setCreated(await api.post<CreatedApiKey>('/api-keys', { name: name.trim(), scope }));
      setName('');
      state.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(key: ApiKey) {
    if (!window.confirm(t('apiKeys.confirmRevoke', { name: key.name }))) return;
    setError(null);
    try {
      await api.delete(`/api-keys/${key.id}`);
      state.reload();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <Page title={t('apiKeys.title')}>
      <Text size="sm">{t('apiKeys.help')}</Text>
      <Paper withBorder p="md" component="form" noValidate onSubmit={create} aria-labelledby="new-key-title">
        <Stack gap="sm">
          <Title order={2} size="h4" id="new-key-title">
            {t('apiKeys.new')}
          </Title>
          <Group align="flex-end" wrap="wrap">
            <TextInput label={t('apiKeys.fields.name')} required value={name} onChange={(e) => setName(e.currentTarget.value)} miw={240} />
            <Select
              label={t('apiKeys.fields.scope')}
              data={[
                { value: 'read', label: t('apiKeys.scopes.read') },
                { value: 'write', label: t('apiKeys.scopes.write') },
              ]}
              value={scope}
              onChange={(v) => setScope(v === 'write' ? 'write' : 'read')}
              allowDeselect={false}
              w={220}
            />
            <Button type="submit" loading={busy}>
              {t('common.create')}
            </Button>
          </Group>
        </Stack>
      </Paper>
      <ErrorAlert error={error} />
      {created?.key && (
        <Alert color="teal.9" variant="outline" title={t('apiKeys.createdTitle', { name: created.name })} role="status" data-testid="new-api-key">
          <Stack gap="xs">
            <Text size="sm">{t('apiKeys.shownOnce')}</Text>
            <Code block style={{ wordBreak: 'break-all' }}>
              {created.key}
            </Code>
            <Group>
              <CopyButton value={created.key}>
                {({ copied, copy }) => (
                  <Button size="xs" variant="outline" onClick={copy}>
                    {copied ? t('common.copied') : t('common.copy')}
                  </Button>
                )}
              </CopyButton>
              <Button size="xs" variant="subtle" onClick={() => setCreated(null)}>
                {t('apiKeys.hide')}
              </Button>
            </Group>
          </Stack>
        </Alert>
      )}
      <LoadState state={state} isEmpty={(d) => d.length === 0} empty={t('apiKeys.empty')}>
        {(keys) => (
          <Table.ScrollContainer minWidth={640}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('apiKeys.fields.name')}</Table.Th>
                  <Table.Th>{t('apiKeys.fields.prefix')}</Table.Th>
                  <Table.Th>{t('apiKeys.fields.scope')}</Table.Th>
                  <Table.Th>{t('apiKeys.fields.createdAt')}</Table.Th>
                  <Table.Th>{t('apiKeys.fields.lastUsedAt')}</Table.Th>
                  <Table.Th>
                    <span style={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}>{t('common.actions')}</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {keys.map((k) => (
                  <Table.Tr key={k.id}>
                    <Table.Td>{k.name}</Table.Td>
                    <Table.Td>
                      <Code>emk_{k.prefix}_…</Code>
                    </Table.Td>
                    <Table.Td>{t(`apiKeys.scopes.${k.scope}`)}</Table.Td>
                    <Table.Td>{formatDateTime(k.createdAt, tz, i18n.language)}</Table.Td>
                    <Table.Td>{k.lastUsedAt ? formatDateTime(k.lastUsedAt, tz, i18n.language) : '—'}</Table.Td>
                    <Table.Td>
                      {k.revokedAt ? (
                        <Badge color="gray.8">{t('apiKeys.revoked')}</Badge>
                      ) : (
                        <Button size="xs" color="red.9" variant="outline" onClick={() => void revoke(k)} aria-label={t('apiKeys.revokeNamed', { name: k.name })}>
                          {t('apiKeys.revoke')}
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </LoadState>
    </Page>
  );
}
