import type { TicketPriority, TicketStatus } from '../tickets/ticket.types';
import type { BusinessHours } from './business-clock';
import type { SlaClock, SlaTarget } from './sla-tracker';

export interface SlaPolicyEntity {
  id: string;
  name: string;
  priority: TicketPriority;
  firstResponseMinutes: number;
  resolutionMinutes: number;
  nextReplyMinutes: number | null;
  businessHours: BusinessHours | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** An immutable snapshot of a policy's targets; tickets point at the version they were given. */
export interface SlaPolicyVersion {
  id: string;
  policyId: string;
  version: number;
  priority: TicketPriority;
  firstResponseMinutes: number;
  resolutionMinutes: number;
  nextReplyMinutes: number | null;
  businessHours: BusinessHours | null;
}

export type SlaPolicyFields = Omit<SlaPolicyEntity, 'id' | 'version' | 'createdAt' | 'updatedAt'>;

export interface SlaBreachRecord {
  id: string;
  ticketId: string;
  ticketNumber: number;
  subject: string;
  priority: TicketPriority;
  status: TicketStatus;
  assigneeId: string | null;
  target: SlaTarget;
  dueAt: Date;
  breachedAt: Date;
  recordedAt: Date;
}

export interface SlaAtRiskRecord {
  ticketId: string;
  number: number;
  subject: string;
  priority: TicketPriority;
  status: TicketStatus;
  assigneeId: string | null;
  target: SlaTarget;
  dueAt: Date;
  versionId: string;
}

export interface ComplianceCounts {
  met: number;
  breached: number;
}

export interface DashboardRow {
  priority: TicketPriority;
  openAtRisk: number;
  breachedNow: number;
  firstResponse: ComplianceCounts;
  resolution: ComplianceCounts;
}

/** A clock the monitor has locked, with what it needs to decide and to publish. */
export interface DueClockRow {
  clock: SlaClock;
  ticketId: string;
  pausedAt: Date | null;
  assigneeId: string | null;
  ticketDeleted: boolean;
}

/** An alert the monitor is about to record. */
export interface NewAlert {
  clockId: string;
  ticketId: string;
  target: SlaTarget;
  kind: 'warning' | 'breach';
  dueAt: Date;
  occurredAt: Date;
}

/** What the monitor writes back to a clock it checked. */
export interface ClockMarks {
  id: string;
  warnedAt: Date | null;
  breachedAt: Date | null;
  checkAt: Date | null;
}

/** A breach that decides its ticket's outcome for a target. */
export interface BreachOutcome {
  ticketId: string;
  target: SlaTarget;
  dueAt: Date;
}

/** An alert the monitor recorded (and must publish once its transaction commits). */
export interface RecordedAlert {
  kind: 'warning' | 'breach';
  ticketId: string;
  target: SlaTarget;
  dueAt: Date;
  assigneeId: string | null;
}
