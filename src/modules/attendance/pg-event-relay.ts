import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { type AttendanceEvent, deliverAttendanceEvent, setAttendanceEventRelay, unsetAttendanceEventRelay } from './attendance-events.ts';

/** The PostgreSQL channel attendance events cross app servers on. */
export const ATTENDANCE_CHANNEL = 'emarge_attendance';

export interface AttendanceEventRelay {
  /** This server's id: its own notifications come back to it and are skipped (they were delivered locally). */
  readonly instanceId: string;
  /** Whether the LISTEN connection is up now. */
  readonly connected: boolean;
  stop(): Promise<void>;
}

interface Log {
  warn(obj: unknown, msg?: string): void;
}

const EVENT_TYPES = new Set(['signature', 'mark', 'trainer_signature', 'locked', 'amended', 'excused']);
const str = (v: unknown): v is string => typeof v === 'string';
const strOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

/** A notification's payload, checked field by field: anything else on the channel is ignored. */
export function parseRelayedEvent(payload: string | undefined): { instanceId: string; event: AttendanceEvent & { organisationId: string } } | null {
  if (!payload) return null;
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(payload) as Record<string, unknown>;
  } catch {
    return null;
  }
  const e = (m?.e ?? null) as Record<string, unknown> | null;
  if (!m || !str(m.i) || !str(m.o) || !e || typeof e !== 'object') return null;
  if (!str(e.type) || !EVENT_TYPES.has(e.type) || !str(e.sessionId) || !str(e.at) || !strOrNull(e.personId) || !strOrNull(e.status) || !strOrNull(e.method) || !strOrNull(e.signedAt)) return null;
  return {
    instanceId: m.i,
    event: { type: e.type as AttendanceEvent['type'], sessionId: e.sessionId, personId: e.personId, status: e.status, method: e.method, signedAt: e.signedAt, at: e.at, organisationId: m.o },
  };
}

/**
 * Relays attendance events between app servers sharing one PostgreSQL
 * database, for the live roster (SSE) when several servers run behind a load
 * balancer. One dedicated connection (not from the pool) LISTENs on
 * `emarge_attendance` and also sends: each event published here is delivered
 * to this server's subscribers at once and NOTIFYed as
 * `{ i: instance, o: organisation, e: event }` (ids, status and times only,
 * a few hundred bytes). The organisation is taken from the session row by the
 * NOTIFY statement itself, so a receiver hands each event only to streams of
 * that organisation (see the SSE route). On error the connection is dropped
 * and re-established with backoff (events published meanwhile reach only
 * this server's subscribers; the live page reloads the sheet when its stream
 * reconnects). `stop()` unhooks the relay and closes the connection.
 * PGlite is one process: the in-process bus is all it needs.
 */
export async function startAttendanceEventRelay(opts: { url: string; log?: Log; minBackoffMs?: number; maxBackoffMs?: number }): Promise<AttendanceEventRelay> {
  const instanceId = randomUUID();
  const minBackoff = opts.minBackoffMs ?? 250;
  const maxBackoff = opts.maxBackoffMs ?? 10_000;
  let client: pg.Client | null = null;
  let ready = false;
  let stopped = false;
  let backoff = minBackoff;
  let timer: NodeJS.Timeout | null = null;

  const onNotification = (msg: pg.Notification) => {
    if (msg.channel !== ATTENDANCE_CHANNEL) return;
    const parsed = parseRelayedEvent(msg.payload);
    if (!parsed) {
      opts.log?.warn({ payload: msg.payload?.slice(0, 200) }, 'attendance relay: ignored a malformed notification');
      return;
    }
    if (parsed.instanceId === instanceId) return;
    deliverAttendanceEvent(parsed.event);
  };

  const scheduleReconnect = (err?: unknown) => {
    if (stopped || timer) return;
    ready = false;
    const dead = client;
    client = null;
    if (dead) {
      dead.removeAllListeners('notification');
      dead.end().catch(() => undefined);
    }
    if (err) opts.log?.warn({ err }, `attendance relay: connection lost, reconnecting in ${backoff} ms`);
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, backoff);
    timer.unref();
    backoff = Math.min(backoff * 2, maxBackoff);
  };

  async function connect(): Promise<void> {
    if (stopped) return;
    const c = new pg.Client({ connectionString: opts.url, application_name: 'emarge-attendance-relay' });
    client = c;
    c.on('error', (err) => {
      if (client === c) scheduleReconnect(err);
    });
    c.on('end', () => {
      if (client === c) scheduleReconnect(new Error('connection ended'));
    });
    c.on('notification', onNotification);
    try {
      await c.connect();
      await c.query(`LISTEN ${ATTENDANCE_CHANNEL}`);
      if (stopped || client !== c) {
        await c.end().catch(() => undefined);
        return;
      }
      ready = true;
      backoff = minBackoff;
    } catch (err) {
      if (client === c) scheduleReconnect(err);
    }
  }

  const publish = (event: AttendanceEvent) => {
    const c = client;
    if (!c || !ready) return;
    const e = { type: event.type, sessionId: event.sessionId, personId: event.personId, status: event.status, method: event.method, signedAt: event.signedAt, at: event.at };
    c.query(
      `SELECT pg_notify($1, json_build_object('i', $2::text, 'o', s.organisation_id, 'e', $3::json)::text) FROM sessions s WHERE s.id = $4::uuid`,
      [ATTENDANCE_CHANNEL, instanceId, JSON.stringify(e), event.sessionId],
    ).catch((err: unknown) => opts.log?.warn({ err, sessionId: event.sessionId }, 'attendance relay: could not notify'));
  };

  await connect();
  setAttendanceEventRelay(publish);
  return {
    instanceId,
    get connected() {
      return ready;
    },
    async stop() {
      stopped = true;
      unsetAttendanceEventRelay(publish);
      if (timer) clearTimeout(timer);
      timer = null;
      const c = client;
      client = null;
      ready = false;
      if (c) {
        c.removeAllListeners('notification');
        await c.end().catch(() => undefined);
      }
    },
  };
}
