import { Checkbox, Group } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ROLES, type Role } from '../api/types.ts';

export function RoleCheckboxes({ value, onChange }: { value: Role[]; onChange: (roles: Role[]) => void }) {
  const { t } = useTranslation();
  return (
    <Checkbox.Group label={t('people.fields.roles')} value={value} onChange={(v) => onChange(v as Role[])}>
      <Group mt={4} gap="md">
        {ROLES.map((r) => (
          <Checkbox key={r} value={r} label={t(`roles.${r}`)} />
        ))}
      </Group>
    </Checkbox.Group>
  );
}
