import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The whole MIME message as received. */
  raw: string;
}

/**
 * A real SMTP server on a loopback port that keeps what it receives, for tests and browser journeys (mail goes
 * over real SMTP; only the recipient is a test). `state.mode` makes it accept, defer (451) or reject (550)
 * recipients.
 */
export async function startSmtpServer() {
  const received: ReceivedMail[] = [];
  const state = { mode: 'accept' as 'accept' | 'defer' | 'reject' };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (state.mode === 'accept') return callback();
      const err = Object.assign(new Error(state.mode === 'defer' ? 'Mailbox busy, try later' : 'No such mailbox'), { responseCode: state.mode === 'defer' ? 451 : 550 });
      callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  // A client hanging up (nodemailer closing after a rejection) is not a test failure.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { received, state, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
