import { z } from 'zod';
import { itemMessage } from '../../platform/errors/problem-items.ts';

/** Contract of GET/PATCH /organisation. */
export function isIanaTimeZone(tz: string): boolean {
  if (!tz.includes('/') && tz !== 'UTC') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const organisationSchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: z.string(),
    timezone: z.string(),
    locale: z.enum(['fr', 'en']),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Organisation' });

export const organisationUpdateSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  timezone: z.string().trim().refine(isIanaTimeZone, itemMessage('timezone_unknown')).optional(),
  locale: z.enum(['fr', 'en']).optional(),
});
