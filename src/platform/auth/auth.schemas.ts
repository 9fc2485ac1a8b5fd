import { z } from 'zod';
import { itemMessage } from '../errors/problem-items.ts';
import { ROLES } from '../../modules/people/person.table.ts';

/** Contract of the authentication endpoints (zod in/out; also the OpenAPI source and the web app's types). */
const email = z.string().trim().toLowerCase().min(3, itemMessage('too_short')).max(254, itemMessage('too_long'));
const organisationSlug = z.string().trim().toLowerCase().min(1).max(63);

export const signInSchema = z.strictObject({
  email,
  password: z.string().min(1, itemMessage('value_required')).max(500, itemMessage('too_long')),
  /** The organisation's slug, needed only when the email belongs to several organisations. */
  organisation: organisationSlug.optional(),
});

export const magicLinkRequestSchema = z.strictObject({
  email,
  organisation: organisationSlug.optional(),
});

export const magicLinkConsumeSchema = z.strictObject({
  token: z.string().min(16, 'is not a sign-in link token').max(200, 'is not a sign-in link token'),
});

export const sessionInfoSchema = z
  .object({
    person: z.object({
      id: z.uuid(),
      email: z.string(),
      givenName: z.string(),
      familyName: z.string(),
      roles: z.array(z.enum(ROLES)),
      locale: z.enum(['fr', 'en']).nullable(),
    }),
    organisation: z.object({
      id: z.uuid(),
      slug: z.string(),
      name: z.string(),
      timezone: z.string(),
      locale: z.enum(['fr', 'en']),
    }),
    csrfToken: z.string(),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: 'SessionInfo' });

export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export const magicLinkSentSchema = z.object({ sent: z.literal(true) });
