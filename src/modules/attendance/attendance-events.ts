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
}

/**
 * The in-process bus of attendance events, fed by the use-cases after their
 * transaction commits (never before: a listener must not see what may roll back).
 * One server: enough. Several app servers behind a load balancer need the
 * events to cross processes: on PostgreSQL, `publishAttendanceEvent` is also
 * relayed through LISTEN/NOTIFY when `startAttendanceEventRelay` runs.
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

/** Installs a cross-process relay (see pg-event-relay.ts); events then come back through `deliverAttendanceEvent`. */
export function setAttendanceEventRelay(next: Relay | null): void {
  relay = next;
}

export function deliverAttendanceEvent(event: AttendanceEvent): void {
  attendanceEvents.emit(event.sessionId, event);
}

export function publishAttendanceEvent(event: AttendanceEvent): void {
  if (relay) relay(event);
  else deliverAttendanceEvent(event);
}
