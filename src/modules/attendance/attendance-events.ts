import { EventEmitter } from 'node:events';

/** What the live roster receives: one event per change of a record or of the sheet. */
export interface AttendanceEvent {
  type: 'signature' | 'mark' | 'trainer_signature' | 'locked' | 'amended' | 'excused';
  sessionId: string;
  personId: string | null;
  status: string | null;
  method: string | null;
  signedAt: string | null;
  at: string;
  /** The session's organisation: a stream of another organisation drops the event (never sent to clients). */
  organisationId: string;
}

/**
 * The in-process bus of attendance events, fed by the use-cases after their
 * transaction commits (never before: a listener must not see what may roll back).
 * One server: enough. Several app servers behind a load balancer need the
 * events to cross processes: on PostgreSQL, `emarge serve` starts
 * `startAttendanceEventRelay` (pg-event-relay.ts), which NOTIFYs each event
 * published here and delivers the other servers' events through
 * `deliverAttendanceEvent`.
 */
class AttendanceEventBus extends EventEmitter {
  constructor() {
    super();
    this.setMaxListeners(0);
  }
}

export const attendanceEvents = new AttendanceEventBus();

type Relay = (event: AttendanceEvent) => void;
let relay: Relay | null = null;

/** Installs a cross-process relay (see pg-event-relay.ts), or removes it (null). */
export function setAttendanceEventRelay(next: Relay | null): void {
  relay = next;
}

/** Removes `mine` if it is still the installed relay (a relay stopping never unhooks a newer one). */
export function unsetAttendanceEventRelay(mine: Relay): void {
  if (relay === mine) relay = null;
}

/** Hands an event to this server's subscribers of its session. */
export function deliverAttendanceEvent(event: AttendanceEvent): void {
  attendanceEvents.emit(event.sessionId, event);
}

/** After commit: this server's subscribers get the event at once; the relay, when running, tells the other servers. */
export function publishAttendanceEvent(event: AttendanceEvent): void {
  deliverAttendanceEvent(event);
  relay?.(event);
}
