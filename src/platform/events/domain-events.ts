import type { AgentStatus } from '../../modules/agents/agent.types';
import type { TicketChanges } from '../../modules/tickets/ticket.types';

/**
 * Every domain event, by type. Services publish these after their transaction commits;
 * listeners (sockets, Slack, SLA, analytics) subscribe by type. Payloads carry ids and changed
 * fields, never whole conversations.
 */
export interface DomainEventMap {
  'ticket.created': {
    ticketId: string;
    number: number;
    customerId: string;
    priority: string;
    channel: string;
    actorId: string | null;
    /** Created with a historical createdAt (an import): alerts about "new" work skip it. */
    imported: boolean;
  };
  'ticket.updated': { ticketId: string; changes: TicketChanges; actorId: string | null };
  'ticket.deleted': { ticketId: string; actorId: string | null };
  'message.created': {
    ticketId: string;
    messageId: string;
    authorType: 'agent' | 'customer';
    agentId: string | null;
    internal: boolean;
    reopened: boolean;
  };
  'message.updated': { ticketId: string; messageId: string; internal: boolean; deleted: boolean };
  'agent.status_changed': { agentId: string; status: AgentStatus; previous: AgentStatus };
  'agent.updated': { agentId: string };
  /** The agent can no longer work tickets; their unsolved ones are released by a job. */
  'agent.deactivated': { agentId: string; actorId: string | null };
  'customer.created': { customerId: string };
  'customer.updated': { customerId: string };
  /** The customer's personal data was erased (GDPR redaction): caches must forget them too. */
  'customer.erased': { customerId: string };
  // Assignment (issue 4)
  'ticket.assigned': {
    ticketId: string;
    agentId: string;
    previousAgentId: string | null;
    actorId: string | null;
    reason: string;
    overCapacity: boolean;
  };
  'ticket.transferred': {
    ticketId: string;
    fromAgentId: string;
    toAgentId: string;
    actorId: string;
    reason: string | null;
  };
  'ticket.accepted': { ticketId: string; agentId: string };
  // Long jobs (imports, syncs): progress for the requester's socket.
  'job.progress': {
    jobId: string;
    requesterId: string | null;
    state: JobState;
    done: number;
    total?: number;
  };
  // SLA (issue 5): published once per ticket and target by the monitor.
  'sla.warning': { ticketId: string; target: SlaTarget; dueAt: string; assigneeId: string | null };
  'sla.breach': {
    ticketId: string;
    target: SlaTarget;
    dueAt: string;
    breachedAt: string;
    assigneeId: string | null;
  };
}

export type JobState = 'waiting' | 'active' | 'completed' | 'failed';
export type SlaTarget = 'first_response' | 'next_reply' | 'resolution';

export type DomainEventType = keyof DomainEventMap;
export type DomainEvent = {
  [K in DomainEventType]: { type: K; payload: DomainEventMap[K]; at: string };
}[DomainEventType];
