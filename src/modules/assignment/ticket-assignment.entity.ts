import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const assignmentStatuses = [
  'assigned',
  'accepted',
  'in_progress',
  'completed',
  'transferred',
] as const;
export type AssignmentStatus = (typeof assignmentStatuses)[number];
/** Live assignments: the ticket is with this agent now. */
export const liveAssignmentStatuses: readonly AssignmentStatus[] = ['assigned', 'accepted', 'in_progress'];

/**
 * How the agent got the ticket: a lead's or admin's `manual` choice, an agent taking it
 * (`self`), automatic routing (`auto`), a `transfer`, or a customer `reopen` that brought a
 * solved ticket back to them.
 */
export const assignmentMethods = ['manual', 'self', 'auto', 'transfer', 'reopen'] as const;
export type AssignmentMethod = (typeof assignmentMethods)[number];

/** One stint of one agent on one ticket: who, when, by whom, and how it ended. */
@Entity('ticket_assignments')
export class TicketAssignmentEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid') ticketId: string;
  @Column('uuid') agentId: string;
  @Column('uuid', { nullable: true }) previousAgentId: string | null;
  /** The agent who made the assignment; null when the system routed it. */
  @Column('uuid', { nullable: true }) assignedBy: string | null;
  @Column('text') method: AssignmentMethod;
  /** The routing rule that decided (auto), or the transfer reason. */
  @Column('text', { nullable: true }) reason: string | null;
  @Column('text') status: AssignmentStatus;
  /** Assigned beyond the agent's capacity (only a lead or admin can do that). */
  @Column('boolean') overCapacity: boolean;
  @Column('timestamptz') assignedAt: Date;
  @Column('timestamptz', { nullable: true }) acceptedAt: Date | null;
  @Column('timestamptz', { nullable: true }) startedAt: Date | null;
  @Column('timestamptz', { nullable: true }) completedAt: Date | null;
  @Column('timestamptz', { nullable: true }) transferredAt: Date | null;
  @Column('uuid', { nullable: true }) transferredBy: string | null;
  /** Who got it next; null when it went back to the unassigned queue. */
  @Column('uuid', { nullable: true }) transferredTo: string | null;
  @Column('text', { nullable: true }) transferReason: string | null;
}
