import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { AttendanceStatus } from '../api/types.ts';

/** Colours dark enough for white text (WCAG AA). */
const STATUS_COLORS: Record<AttendanceStatus, string> = {
  pending: 'gray.7',
  present: 'teal.9',
  late: '#8a5a00',
  left_early: 'grape.9',
  absent: 'red.9',
  excused: 'blue.9',
};

/** Badges in narrow table cells keep their whole label. */
export const FULL_BADGE = { root: { maxWidth: 'none', flexShrink: 0, overflow: 'visible' }, label: { overflow: 'visible' } } as const;

export function AttendanceStatusBadge({ status }: { status: AttendanceStatus }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATUS_COLORS[status]} variant="filled" data-status={status} styles={FULL_BADGE}>
      {t(`attendance.status.${status}`)}
    </Badge>
  );
}

export const ATTENDANCE_STATUS_KEYS: readonly AttendanceStatus[] = ['pending', 'present', 'late', 'left_early', 'absent', 'excused'];
export const SIGNING_METHOD_KEYS = ['qr', 'link', 'kiosk', 'trainer_mark', 'sign_in'] as const;
