import { Alert, Button, Center, Group, List, Loader, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { errorDetails, errorExplanation, errorMessage } from '../lib/errors.ts';
import type { Loadable } from '../lib/use-api.ts';

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Group gap="sm">
        <Loader size="sm" aria-hidden />
        <Text>{label ?? t('common.loading')}</Text>
      </Group>
    </Center>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <Text py="lg" ta="center" c="gray.8" data-testid="empty-state">
      {children}
    </Text>
  );
}

export function ErrorAlert({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  const { t } = useTranslation();
  if (!error) return null;
  const details = errorDetails(error, t);
  const explanation = errorExplanation(error, t);
  return (
    <Alert color="red" variant="light" title={title ?? t('common.errorTitle')} role="alert">
      <Stack gap="xs">
        <Text size="sm">{errorMessage(error, t)}</Text>
        {explanation && <Text size="sm">{explanation}</Text>}
        {details.length > 0 && (
          <List size="sm">
            {details.map((d) => (
              <List.Item key={d}>{d}</List.Item>
            ))}
          </List>
        )}
        {onRetry && (
          <Group>
            <Button size="xs" variant="outline" color="red.9" onClick={onRetry}>
              {t('common.retry')}
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

/** Renders loading / error / empty / data states of a Loadable in one place. */
export function LoadState<T>({
  state,
  isEmpty,
  empty,
  children,
}: {
  state: Loadable<T>;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (state.error) return <ErrorAlert error={state.error} onRetry={state.reload} />;
  if (state.data === undefined) return <Loading />;
  if (isEmpty?.(state.data)) return <Empty>{empty}</Empty>;
  return <>{children(state.data)}</>;
}
