import { Group, Stack, Text, Title } from '@mantine/core';
import { type ReactNode, useEffect } from 'react';
import { LanguageSwitch } from './layout.tsx';

/**
 * The body of the stand-alone pages (sign-in, signing, verification): brand,
 * language switch, the page title (also the document title), then the content.
 * Each page wraps it in its own frame (width, padding).
 */
export function FrameCardBody({ title, children }: { title: string; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Emarge`;
  }, [title]);
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Text fw={700} size="xl" c="blue.9">
          Emarge
        </Text>
        <LanguageSwitch />
      </Group>
      <Title order={1} size="h3">
        {title}
      </Title>
      {children}
    </Stack>
  );
}
