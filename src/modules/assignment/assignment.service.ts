import type { DataSource, EntityManager } from 'typeorm';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnavailableError,
  ValidationError,
} from '../../platform/errors/app-error';
import type { EventBus } from '../../platform/events/event-bus';
import type { Page } from '../../platform/http/common.schemas';
import type { Logger } from '../../platform/logging/logger';
import { isLeadOrAdmin, type Actor } from '../../platform/security/actor';
import type { MessageEntity } from '../tickets/message.entity';
import type { TicketEntity } from '../tickets/ticket.entity';
import type { TicketHooks, TicketWriteHooks } from '../tickets/ticket-hooks';
import { assertTicketEditable } from '../tickets/ticket-status';
import { openStatuses, type TicketStatus } from '../tickets/ticket.types';
import type { TicketsRepository } from '../tickets/tickets.repository';
import type { TicketsService } from '../tickets/tickets.service';
import {
  explainChoice,
  isEligible,
  type AgentChoice,
  type RoutingAgent,
  type RoutingTicket,
} from './agent-choice';
import type { AssignmentRepository, Workload } from './assignment.repository';
import type { TicketAssignmentEntity } from './ticket-assignment.entity';

export type QueueStatus = Exclude<TicketStatus, 'solved' | 'closed'>;

export interface QueueQuery {
  limit: number;
  cursor?: string | undefined;
  status?: QueueStatus[] | undefined;
}

export interface AssignmentOutcome {
  ticket: TicketEntity;
  assignment: TicketAssignmentEntity;
}

export interface AutoAssignOutcome extends AssignmentOutcome {
  choice: AgentChoice;
}

/** What a routing attempt by the system did. */
export type RouteResult = 'assigned' | 'nobody' | 'skipped';

type Publish = () => void;

const counts = (status: TicketStatus) => openStatuses.includes(status);

/** Routing locks one of the top `LOCK_WINDOW` ranked agents, skipping held ones… */
const LOCK_WINDOW = 16;
/** …for this many rounds (each on a fresh ranking)… */
const SKIP_ROUNDS = 3;
/**
 * …then waits for the best-ranked agent, at most this many times. A wait is lost only when that
 * agent filled up meanwhile (someone else got the slot), so this bounds pathological churn,
 * not ordinary contention.
 */
const WAIT_ROUNDS = 30;

/**
 * Who works which ticket. Every assignment locks the ticket first, so it is assigned once. Manual
 * assignment and transfer then lock the agents involved in id order; automatic routing ranks
 * the eligible agents without locking them and locks only the one it picks, re-checked once
 * locked, so two processes can never both hand the last free slot of an agent away. Open-ticket counts are kept by a database trigger on
 * tickets; this service records the history and publishes the events after commit.
 */
export class AssignmentService {
  constructor(
    private readonly db: DataSource,
    private readonly repo: AssignmentRepository,
    private readonly ticketsRepo: TicketsRepository,
    private readonly tickets: TicketsService,
    private readonly hooks: TicketHooks,
    private readonly events: EventBus,
    private readonly logger: Logger,
  ) {}

  /**
   * Manual assignment. Leads and admins assign to anyone who can work tickets, beyond capacity
   * if they must (recorded as over capacity); an agent may only take an unassigned ticket for
   * themself, and only within their capacity.
   */
  async assign(actor: Actor, ticketId: string, agentId: string): Promise<AssignmentOutcome> {
    const lead = isLeadOrAdmin(actor);
    if (!lead && agentId !== actor.id)
      throw new ForbiddenError('Agents may only assign tickets to themselves', 'assign_self_only');
    const { outcome, publish } = await this.db.transaction(async (tx) => {
      const ticket = await this.lockTicket(tx, ticketId);
      if (ticket.assigneeId === agentId) return { outcome: await this.unchanged(tx, ticket), publish: [] };
      if (!lead && ticket.assigneeId !== null)
        throw new ForbiddenError('This ticket is assigned to another agent', 'not_your_ticket');
      const target = await this.lockTarget(tx, agentId, ticket.assigneeId);
      const overCapacity = exceedsCapacity(target, ticket);
      if (!lead && overCapacity)
        throw new ConflictError(
          `You already have ${target.openTickets} open tickets (capacity ${target.capacity})`,
          'over_capacity',
        );
      return this.apply(tx, ticket, target.id, {
        method: lead ? 'manual' : 'self',
        reason: lead ? 'manual' : 'self',
        actorId: actor.id,
        overCapacity,
      });
    });
    publish.forEach((p) => p());
    return outcome;
  }

  /**
   * Picks the best agent by the routing rules and assigns the ticket; 409 when nobody is
   * eligible (the ticket stays unassigned).
   */
  async autoAssign(actor: Actor, ticketId: string): Promise<AutoAssignOutcome> {
    const { outcome, publish } = await this.db.transaction(async (tx) => {
      const ticket = await this.lockTicket(tx, ticketId);
      if (ticket.assigneeId)
        throw new ConflictError('The ticket is already assigned; transfer it instead', 'already_assigned');
      if (ticket.status === 'solved')
        throw new ConflictError('A solved ticket is not routed', 'ticket_not_open');
      const routed = await this.route(tx, ticket, actor.id);
      if (!routed) throw new ConflictError('No agent can take this ticket now', 'no_eligible_agent');
      return routed;
    });
    publish.forEach((p) => p());
    return outcome;
  }

  /** Moves the ticket to another agent, with a reason, kept in history. */
  async transfer(
    actor: Actor,
    ticketId: string,
    toAgentId: string,
    reason: string | null,
  ): Promise<AssignmentOutcome> {
    const lead = isLeadOrAdmin(actor);
    const { outcome, publish } = await this.db.transaction(async (tx) => {
      const ticket = await this.lockTicket(tx, ticketId);
      const from = ticket.assigneeId;
      if (!from) throw new ConflictError('The ticket is not assigned; assign it instead', 'not_assigned');
      if (!lead && from !== actor.id)
        throw new ForbiddenError('Only the assignee or a lead may transfer this ticket', 'not_your_ticket');
      if (from === toAgentId) throw new ConflictError('The ticket is already with this agent', 'same_agent');
      const target = await this.lockTarget(tx, toAgentId, from);
      const overCapacity = exceedsCapacity(target, ticket);
      if (!lead && overCapacity)
        throw new ConflictError(
          `The agent already has ${target.openTickets} open tickets (capacity ${target.capacity})`,
          'over_capacity',
        );
      const applied = await this.apply(tx, ticket, target.id, {
        method: 'transfer',
        reason,
        actorId: actor.id,
        overCapacity,
        transferReason: reason,
      });
      applied.publish.push(() =>
        this.events.publish('ticket.transferred', {
          ticketId,
          fromAgentId: from,
          toAgentId: target.id,
          actorId: actor.id,
          reason,
        }),
      );
      return applied;
    });
    publish.forEach((p) => p());
    return outcome;
  }

  /** The assignee accepts the ticket (idempotent once accepted or started). */
  async accept(actor: Actor, ticketId: string): Promise<AssignmentOutcome> {
    const { outcome, accepted } = await this.db.transaction(async (tx) => {
      const ticket = await this.lockTicket(tx, ticketId);
      if (!ticket.assigneeId) throw new ConflictError('The ticket is not assigned', 'not_assigned');
      if (ticket.assigneeId !== actor.id)
        throw new ForbiddenError('Only the assignee can accept this ticket', 'not_your_ticket');
      const live = await this.repo.live(tx, ticketId);
      if (!live) throw new ConflictError('The ticket is already completed', 'assignment_completed');
      if (live.status !== 'assigned') return { outcome: { ticket, assignment: live }, accepted: false };
      const assignment = await this.repo.markAccepted(tx, live.id);
      return { outcome: { ticket, assignment }, accepted: true };
    });
    if (accepted) this.events.publish('ticket.accepted', { ticketId, agentId: actor.id });
    return outcome;
  }

  async history(ticketId: string, q: { limit: number; cursor?: string | undefined }) {
    await this.tickets.get(ticketId);
    return this.repo.history(ticketId, q);
  }

  /**
   * An agent's open tickets in smart order, with their workload. The order is the tickets
   * list's `smart` sort, so it follows whatever that sort means (SLA urgency when known).
   */
  async queue(
    actor: Actor,
    agentId: string,
    q: QueueQuery,
  ): Promise<{ page: Page<TicketEntity>; workload: Workload }> {
    if (!isLeadOrAdmin(actor) && actor.id !== agentId)
      throw new ForbiddenError('Agents see only their own queue', 'not_your_queue');
    const workload = await this.repo.workload(agentId);
    if (!workload) throw new NotFoundError('Agent');
    const page = await this.tickets.list({
      limit: q.limit,
      cursor: q.cursor,
      status: q.status ?? [...openStatuses],
      assigneeId: agentId,
      sort: 'smart',
    });
    return { page, workload };
  }

  /** Unassigned open tickets in smart order. */
  unassigned(q: QueueQuery): Promise<Page<TicketEntity>> {
    return this.tickets.list({
      limit: q.limit,
      cursor: q.cursor,
      status: q.status ?? [...openStatuses],
      assigneeId: 'none',
      sort: 'smart',
    });
  }

  // --- automatic routing (jobs) --------------------------------------------------------------

  /** Routes one ticket if it is still open and unassigned (creation, reopen without an agent). */
  async routeTicket(ticketId: string, opts: { skipLocked?: boolean } = {}): Promise<RouteResult> {
    const { result, publish } = await this.db.transaction(async (tx) => {
      const ticket = opts.skipLocked
        ? await this.repo.tryLockTicket(tx, ticketId)
        : await this.ticketsRepo.lock(tx, ticketId);
      if (!ticket || ticket.assigneeId || !counts(ticket.status))
        return { result: 'skipped' as const, publish: [] };
      const routed = await this.route(tx, ticket, null);
      if (!routed) return { result: 'nobody' as const, publish: [] };
      return { result: 'assigned' as const, publish: routed.publish };
    });
    publish.forEach((p) => p());
    return result;
  }

  /**
   * Assigns the most urgent unassigned open tickets (smart order) while anyone is eligible.
   * Eligibility does not depend on the ticket, so the first ticket nobody can take ends the run.
   */
  async runBacklog(max: number): Promise<{ assigned: number }> {
    let assigned = 0;
    let cursor: string | undefined;
    for (;;) {
      const page = await this.unassigned({ limit: Math.min(50, max), cursor });
      for (const ticket of page.data) {
        const result = await this.routeTicket(ticket.id, { skipLocked: true });
        if (result === 'nobody') return { assigned };
        if (result === 'assigned' && ++assigned >= max) return { assigned };
      }
      if (!page.nextCursor) return { assigned };
      cursor = page.nextCursor;
    }
  }

  /**
   * A customer reopened a solved ticket. It stays with its previous agent when that agent is
   * eligible (their count already includes the ticket, so it is left out for the check);
   * otherwise it is routed again by the rules, or goes back to the unassigned queue.
   */
  async handleReopen(ticketId: string): Promise<RouteResult | 'kept'> {
    const { result, publish } = await this.db.transaction(async (tx) => {
      const ticket = await this.ticketsRepo.lock(tx, ticketId);
      if (!ticket || !counts(ticket.status)) return { result: 'skipped' as const, publish: [] };
      const previous = ticket.assigneeId;
      if (!previous) {
        const routed = await this.route(tx, ticket, null);
        return routed
          ? { result: 'assigned' as const, publish: routed.publish }
          : { result: 'nobody' as const, publish: [] };
      }
      const live = await this.repo.live(tx, ticketId);
      // Only a reopen nobody has acted on yet is re-checked (not one the agent already accepted).
      if (!live || live.method !== 'reopen' || live.status !== 'assigned')
        return { result: 'skipped' as const, publish: [] };
      const [prev] = await this.repo.lockAgents(tx, [previous]);
      if (prev && isEligible({ ...prev, openTickets: prev.openTickets - 1 })) {
        const pub: Publish[] = [
          () =>
            this.events.publish('ticket.assigned', {
              ticketId,
              agentId: previous,
              previousAgentId: previous,
              actorId: null,
              reason: 'previous_agent',
              overCapacity: false,
            }),
        ];
        return { result: 'kept' as const, publish: pub };
      }
      const routed = await this.route(tx, ticket, null, {
        except: [previous],
        transferReason: 'previous agent unavailable',
      });
      if (routed) return { result: 'assigned' as const, publish: routed.publish };
      const unassigned = await this.unassign(tx, ticket, previous, null, 'previous agent unavailable');
      return { result: 'nobody' as const, publish: [unassigned] };
    });
    publish.forEach((p) => p());
    return result;
  }

  /**
   * Hands the unsolved tickets of a deactivated agent (or, with null, of every deactivated
   * agent) back to the unassigned queue; their `ticket.updated` events kick the backlog when
   * routing is automatic. One short transaction per ticket that locks the ticket only, as every
   * assignment does first. A ticket whose agent was reactivated meanwhile stays with them.
   */
  async releaseInactive(
    agentId: string | null,
    actorId: string | null = null,
  ): Promise<{ released: number }> {
    let released = 0;
    let after: string | null = null;
    for (;;) {
      const ids = await this.repo.ticketsHeldByInactive(agentId, after, 100);
      if (ids.length === 0) return { released };
      for (const id of ids) if (await this.releaseOne(id, actorId)) released++;
      after = ids[ids.length - 1] ?? null;
    }
  }

  /** Recomputes every agent's open-ticket count; returns how many had drifted. */
  async repairWorkload(batch = 200): Promise<{ repaired: number }> {
    let repaired = 0;
    let after: string | null = null;
    for (;;) {
      const ids = await this.repo.agentIdsAfter(after, batch);
      if (ids.length === 0) break;
      repaired += await this.db.transaction((tx) => this.repo.recount(tx, ids));
      after = ids[ids.length - 1] ?? null;
    }
    if (repaired > 0) this.logger.warn({ repaired }, 'open-ticket counts had drifted and were repaired');
    return { repaired };
  }

  // --- history kept inside ticket writes made by other modules --------------------------------

  writeHooks(): TicketWriteHooks {
    return {
      afterUpdate: async (tx, before, after) => {
        if (before.status === after.status) return;
        if (after.status === 'solved' || after.status === 'closed') {
          await this.repo.complete(tx, after.id);
        } else if (before.status === 'solved' && after.assigneeId) {
          await this.repo.insertReopen(tx, after.id, after.assigneeId);
        }
      },
      afterMessage: async (tx, ticket, message: MessageEntity) => {
        if (message.authorType !== 'agent' || message.internal || !message.agentId) return;
        if (ticket.assigneeId !== message.agentId) return;
        await this.repo.markStarted(tx, ticket.id, message.agentId);
      },
    };
  }

  // --- internals ------------------------------------------------------------------------------

  private async releaseOne(ticketId: string, actorId: string | null): Promise<boolean> {
    const publish = await this.db.transaction(async (tx) => {
      const ticket = await this.ticketsRepo.lock(tx, ticketId);
      const holder = ticket?.assigneeId;
      if (!ticket || !holder || ticket.status === 'solved' || ticket.status === 'closed') return null;
      if (await this.repo.isActive(tx, holder)) return null;
      return this.unassign(tx, ticket, holder, actorId, 'agent deactivated');
    });
    publish?.();
    return publish !== null;
  }

  /** Ends the live assignment as transferred to nobody and clears the assignee. */
  private async unassign(
    tx: EntityManager,
    ticket: TicketEntity,
    previous: string,
    actorId: string | null,
    reason: string,
  ): Promise<Publish> {
    await this.repo.endAsTransferred(tx, ticket.id, actorId, null, reason);
    const updated = await this.ticketsRepo.update(tx, ticket.id, { assigneeId: null });
    await this.hooks.afterUpdate(tx, ticket, updated);
    return () =>
      this.events.publish('ticket.updated', {
        ticketId: ticket.id,
        changes: { assigneeId: [previous, null] },
        actorId,
      });
  }

  private async lockTicket(tx: EntityManager, id: string): Promise<TicketEntity> {
    const ticket = await this.ticketsRepo.lock(tx, id);
    if (!ticket) throw new NotFoundError('Ticket');
    assertTicketEditable(ticket.status);
    return ticket;
  }

  /** Locks the target (and the current assignee, in id order) and checks the target can work tickets. */
  private async lockTarget(
    tx: EntityManager,
    agentId: string,
    currentId: string | null,
  ): Promise<RoutingAgent> {
    const locked = await this.repo.lockAgents(tx, currentId ? [agentId, currentId] : [agentId]);
    const target = locked.find((a) => a.id === agentId);
    if (!target)
      throw new ValidationError('Unknown agent', [
        { field: 'body.agentId', message: 'no agent has this id' },
      ]);
    if (!target.active || target.role === 'viewer')
      throw new ConflictError('This agent cannot take tickets (inactive or a viewer)', 'agent_unavailable');
    return target;
  }

  private async unchanged(tx: EntityManager, ticket: TicketEntity): Promise<AssignmentOutcome> {
    const live = await this.repo.live(tx, ticket.id);
    if (live) return { ticket, assignment: live };
    const page = await this.repo.history(ticket.id, { limit: 100 });
    const last = page.data[page.data.length - 1];
    if (!last) throw new ConflictError('The ticket has no assignment record', 'assignment_missing');
    return { ticket, assignment: last };
  }

  /** Rules 1–4 inside the caller's transaction; null when nobody is eligible. */
  private async route(
    tx: EntityManager,
    ticket: TicketEntity,
    actorId: string | null,
    opts: { except?: string[]; transferReason?: string } = {},
  ): Promise<{ outcome: AutoAssignOutcome; publish: Publish[] } | null> {
    const context = await this.repo.routingTicket(tx, ticket.id);
    const choice = await this.pickAndLock(tx, context, opts.except ?? []);
    if (!choice) return null;
    const applied = await this.apply(tx, ticket, choice.agentId, {
      method: 'auto',
      reason: choice.reason,
      actorId,
      overCapacity: false,
      transferReason: opts.transferReason ?? null,
    });
    return { outcome: { ...applied.outcome, choice }, publish: applied.publish };
  }

  /**
   * Chooses an agent by rules 1–3 and locks only them. Postgres ranks the eligible agents
   * (an unlocked read); the first of the top few that no other router holds and that is still
   * eligible once locked is taken, and the reason is worked out as if the ones passed over were
   * not there. Each round ranks afresh. After `SKIP_ROUNDS` rounds in which every candidate was
   * held, a round waits for the best one instead. Null only when a ranking finds nobody eligible;
   * if every round loses its candidate the caller gets a retryable 503.
   */
  private async pickAndLock(
    tx: EntityManager,
    context: RoutingTicket,
    except: string[],
  ): Promise<AgentChoice | null> {
    for (let round = 0; round < SKIP_ROUNDS + WAIT_ROUNDS; round += 1) {
      const ranked = await this.repo.rank(tx, context, { limit: LOCK_WINDOW + 1, except });
      if (ranked.length === 0) return null;
      const waits = round >= SKIP_ROUNDS;
      const ids = ranked.slice(0, waits ? 1 : LOCK_WINDOW).map((r) => r.id);
      const locked = await this.repo.lockFirstEligible(tx, ids, { skipLocked: !waits });
      if (locked) return explainChoice(ranked, ids.indexOf(locked.id));
    }
    throw new UnavailableError('Every candidate agent was taken meanwhile; try again', 'routing_contended');
  }

  /** Writes an assignment: ends the previous one, records the new one, moves the ticket. */
  private async apply(
    tx: EntityManager,
    ticket: TicketEntity,
    agentId: string,
    o: {
      method: TicketAssignmentEntity['method'];
      reason: string | null;
      actorId: string | null;
      overCapacity: boolean;
      transferReason?: string | null;
    },
  ): Promise<{ outcome: AssignmentOutcome; publish: Publish[] }> {
    const previous = ticket.assigneeId;
    if (previous)
      await this.repo.endAsTransferred(tx, ticket.id, o.actorId, agentId, o.transferReason ?? null);
    else await this.repo.complete(tx, ticket.id); // a stray live row (should not exist) is closed
    const assignment = await this.repo.insert(tx, {
      ticketId: ticket.id,
      agentId,
      previousAgentId: previous,
      assignedBy: o.actorId,
      method: o.method,
      reason: o.reason,
      overCapacity: o.overCapacity,
    });
    const updated = await this.ticketsRepo.update(tx, ticket.id, { assigneeId: agentId });
    await this.repo.touchLastAssigned(tx, agentId);
    await this.hooks.afterUpdate(tx, ticket, updated);
    const publish: Publish[] = [
      () =>
        this.events.publish('ticket.updated', {
          ticketId: ticket.id,
          changes: { assigneeId: [previous, agentId] },
          actorId: o.actorId,
        }),
      () =>
        this.events.publish('ticket.assigned', {
          ticketId: ticket.id,
          agentId,
          previousAgentId: previous,
          actorId: o.actorId,
          reason: o.reason ?? o.method,
          overCapacity: o.overCapacity,
        }),
    ];
    return { outcome: { ticket: updated, assignment }, publish };
  }
}

/** Would this ticket take the agent beyond capacity? A pending ticket adds no load. */
function exceedsCapacity(agent: RoutingAgent, ticket: TicketEntity): boolean {
  return agent.openTickets + (counts(ticket.status) ? 1 : 0) > agent.capacity;
}
