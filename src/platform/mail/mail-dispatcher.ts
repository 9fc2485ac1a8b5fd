import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { type DeliveryReport, deliverPendingMails } from './deliver-pending-mails.ts';
import type { MailTransport } from './mail-transport.ts';

/**
 * Runs delivery passes: every `intervalMs` once started (the server starts it),
 * and right after a use-case enqueued mail (`kick`). Passes never overlap.
 * Tests do not start it; they call `flush()` to deliver deterministically.
 */
export interface MailDispatcher {
  start(intervalMs?: number): void;
  /** Asks for a pass soon; does nothing unless started. */
  kick(): void;
  /** Runs passes now until nothing is due; resolves with what happened. */
  flush(): Promise<DeliveryReport>;
  /** Stops the timer and waits for a running pass. */
  stop(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    mail: MailDispatcher;
  }
}

export function createMailDispatcher(deps: { db: Db; clock: Clock; transport: MailTransport | null; mailFrom: string; log?: FastifyBaseLogger }): MailDispatcher {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<DeliveryReport> | null = null;
  let kickPending = false;

  const pass = (): Promise<DeliveryReport> => {
    if (running) return running.catch(() => undefined).then(() => pass());
    running = deliverPendingMails(deps.db, deps.transport, deps.mailFrom, deps.clock).finally(() => {
      running = null;
    });
    return running;
  };
  const safePass = () =>
    pass().then(
      (r) => {
        if (r.sent || r.failed || r.retrying) deps.log?.info({ mail: r }, 'mail delivery pass');
      },
      (err) => deps.log?.error({ err }, 'mail delivery pass failed'),
    );

  return {
    start(intervalMs = 2000) {
      if (timer) return;
      timer = setInterval(() => void safePass(), intervalMs);
      timer.unref();
      void safePass();
    },
    kick() {
      if (!timer || kickPending) return;
      kickPending = true;
      setImmediate(() => {
        kickPending = false;
        void safePass();
      });
    },
    async flush() {
      const total: DeliveryReport = { sent: 0, stored: 0, retrying: 0, failed: 0 };
      for (let i = 0; i < 100; i++) {
        const r = await pass();
        total.sent += r.sent;
        total.stored += r.stored;
        total.retrying += r.retrying;
        total.failed += r.failed;
        if (r.sent + r.stored + r.retrying + r.failed === 0) break;
      }
      return total;
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      if (running) await running.catch(() => undefined);
    },
  };
}

/** Decorates `app.mail` and stops the dispatcher when the app closes. */
export function registerMailDispatcher(app: FastifyInstance, deps: { db: Db; clock: Clock; mailTransport: MailTransport | null; config: { mailFrom: string } }): void {
  const dispatcher = createMailDispatcher({ db: deps.db, clock: deps.clock, transport: deps.mailTransport, mailFrom: deps.config.mailFrom, log: app.log });
  app.decorate('mail', dispatcher);
  app.addHook('onClose', async () => dispatcher.stop());
}
