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

/** One event of a notification, checked field by field (null if anything is off). */
function parseEvent(e: unknown, organisationId: string): AttendanceEvent | null {
  if (!e || typeof e !== 'object') return null;
  const m = e as Record<string, unknown>;
  if (!str(m.type) || !EVENT_TYPES.has(m.type) || !str(m.sessionId) || !str(m.at) || !strOrNull(m.personId) || !strOrNull(m.status) || !strOrNull(m.method) || !strOrNull(m.signedAt)) return null;
  return { type: m.type as AttendanceEvent['type'], sessionId: m.sessionId, personId: m.personId, status: m.status, method: m.method, signedAt: m.signedAt, at: m.at, organisationId };
}

/**
 * A notification's payload: `{ i: instance, o: organisation, es: [event, …] }` (or `e: event`, one event, as
 * servers before batching sent), checked field by field: anything malformed is ignored as a whole.
 */
export function parseRelayedEvents(payload: string | undefined): { instanceId: string; events: AttendanceEvent[] } | null {
  if (!payload) return null;
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(payload) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!m || typeof m !== 'object' || !str(m.i) || !str(m.o)) return null;
  const raw = Array.isArray(m.es) ? m.es : m.e !== undefined ? [m.e] : null;
  if (!raw || raw.length === 0) return null;
  const events: AttendanceEvent[] = [];
  for (const e of raw) {
    const event = parseEvent(e, m.o);
    if (!event) return null;
    events.push(event);
  }
  return { instanceId: m.i, events };
}

/** Events per notification at most: a few hundred bytes each, under PostgreSQL's 8,000-byte payload limit. */
const EVENTS_PER_NOTIFICATION = 20;

/**
 * Relays attendance events between app servers sharing one PostgreSQL
 * database, for the live roster (SSE) when several servers run behind a load
 * balancer. One dedicated connection (not from the pool) LISTENs on
 * `emarge_attendance` and also sends: each event published here is delivered
 * to this server's subscribers at once and NOTIFYed as
 * `{ i: instance, o: organisation, es: [event, …] }` (ids, status and times
 * only, a few hundred bytes per event); a receiver hands each event only to
 * streams of that organisation (see the SSE route). Like the signatures'
 * group commit, one NOTIFY statement is in flight at a time and the events
 * published meanwhile go out together in the next one (one notification per
 * organisation and session, up to 20 events each): a burst of 2,000 signings
 * costs about a hundred statements, not 2,000. On error the connection is dropped
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
    const parsed = parseRelayedEvents(msg.payload);
    if (!parsed) {
      opts.log?.warn({ payload: msg.payload?.slice(0, 200) }, 'attendance relay: ignored a malformed notification');
      return;
    }
    if (parsed.instanceId === instanceId) return;
    for (const event of parsed.events) deliverAttendanceEvent(event);
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

  let queue: AttendanceEvent[] = [];
  let sending = false;

  /** The queued events as notification payloads: grouped by organisation and session, 20 events at most each. */
  const payloads = (events: AttendanceEvent[]): string[] => {
    const groups = new Map<string, AttendanceEvent[]>();
    for (const event of events) {
      const key = `${event.organisationId} ${event.sessionId}`;
      const group = groups.get(key);
      if (group) group.push(event);
      else groups.set(key, [event]);
    }
    const out: string[] = [];
    for (const group of groups.values()) {
      for (let k = 0; k < group.length; k += EVENTS_PER_NOTIFICATION) {
        const es = group.slice(k, k + EVENTS_PER_NOTIFICATION).map((e) => ({ type: e.type, sessionId: e.sessionId, personId: e.personId, status: e.status, method: e.method, signedAt: e.signedAt, at: e.at }));
        out.push(JSON.stringify({ i: instanceId, o: group[0]!.organisationId, es }));
      }
    }
    return out;
  };

  /** Sends what is queued, one statement at a time, until the queue is empty (events queued meanwhile share the next). */
  const send = async () => {
    sending = true;
    try {
      while (queue.length > 0) {
        const c = client;
        const events = queue;
        queue = [];
        if (!c || !ready) continue; // dropped: the other servers' live pages reload the sheet when their stream reconnects
        try {
          await c.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [ATTENDANCE_CHANNEL, payloads(events)]);
        } catch (err) {
          opts.log?.warn({ err, events: events.length }, 'attendance relay: could not notify');
        }
      }
    } finally {
      sending = false;
    }
  };

  const publish = (event: AttendanceEvent) => {
    if (!client || !ready) return;
    queue.push(event);
    if (!sending) void send();
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
