import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../../config.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { MailTransport } from '../mail/mail-transport.ts';

/** A Fastify instance whose routes are typed by their zod schemas. */
export type ZodApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** Everything the app is built from: config once, and the side effects behind small interfaces. */
export interface AppDeps {
  config: Config;
  db: Db;
  clock: Clock;
  /** null: mail is only stored in the outbox (no SMTP_URL). */
  mailTransport: MailTransport | null;
}
