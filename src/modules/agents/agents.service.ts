import { ConflictError, ForbiddenError, NotFoundError } from '../../platform/errors/app-error';
import { isUniqueViolation } from '../../platform/db/postgres-errors';
import type { EventBus } from '../../platform/events/event-bus';
import { isLeadOrAdmin, type Actor } from '../../platform/security/actor';
import type { PasswordHasher } from '../auth/password-hasher';
import type { AgentEntity } from './agent.entity';
import type { AgentStatus } from './agent.types';
import type { AgentsRepository } from './agents.repository';
import type { CreateAgentInput, ListAgentsInput, UpdateAgentInput } from './agents.schemas';

/** Ends an agent's sessions when their access changes (implemented by the auth module). */
export interface SessionRevoker {
  revokeAllForAgent(agentId: string): Promise<void>;
}

const selfEditable = new Set<keyof UpdateAgentInput>(['name', 'password', 'languages']);

export class AgentsService {
  constructor(
    private readonly repo: AgentsRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionRevoker,
    private readonly events: EventBus,
  ) {}

  async create(input: CreateAgentInput): Promise<AgentEntity> {
    const { password, ...rest } = input;
    const passwordHash = await this.hasher.hash(password);
    try {
      const agent = await this.repo.insert({
        ...rest,
        department: rest.department ?? null,
        passwordHash,
        status: 'offline',
        active: true,
      });
      this.events.publish('agent.updated', { agentId: agent.id });
      return agent;
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ConflictError('An agent with this email already exists', 'email_taken');
      throw err;
    }
  }

  async get(id: string): Promise<AgentEntity> {
    const agent = await this.repo.findById(id);
    if (!agent) throw new NotFoundError('Agent');
    return agent;
  }

  findByIds(ids: string[]): Promise<AgentEntity[]> {
    return this.repo.findByIds(ids);
  }

  list(query: ListAgentsInput) {
    return this.repo.list(query);
  }

  findCredentials(email: string): Promise<AgentEntity | null> {
    return this.repo.findCredentialsByEmail(email);
  }

  /** Admins edit anyone; an agent edits their own name, password and languages. */
  async update(actor: Actor, id: string, input: UpdateAgentInput): Promise<AgentEntity> {
    const isSelf = actor.id === id;
    if (actor.role !== 'admin') {
      const fields = Object.keys(input) as Array<keyof UpdateAgentInput>;
      if (!isSelf || fields.some((f) => !selfEditable.has(f)))
        throw new ForbiddenError('Only an admin may change this');
    }
    const current = await this.get(id);
    const losesAdmin =
      current.role === 'admin' &&
      current.active &&
      ((input.role && input.role !== 'admin') || input.active === false);
    if (losesAdmin) await this.assertNotLastAdmin();
    const { password, ...rest } = input;
    const changes: Partial<AgentEntity> = { ...rest };
    if (password) changes.passwordHash = await this.hasher.hash(password);
    if (input.active === false) changes.status = 'offline';
    const updated = await this.repo.update(id, changes);
    if (!updated) throw new NotFoundError('Agent');
    // A new password, role or deactivation ends every session the agent had.
    if (password || (input.role && input.role !== current.role) || input.active === false) {
      await this.sessions.revokeAllForAgent(id);
    }
    this.events.publish('agent.updated', { agentId: id });
    if (current.active && !updated.active)
      this.events.publish('agent.deactivated', { agentId: id, actorId: actor.id });
    if (updated.status !== current.status) {
      this.events.publish('agent.status_changed', {
        agentId: id,
        status: updated.status,
        previous: current.status,
      });
    }
    return updated;
  }

  /**
   * Deactivation keeps the agent's history; it ends their sessions, takes them off routing and
   * (through `agent.deactivated`) hands their unsolved tickets back to the unassigned queue.
   */
  async deactivate(id: string, actorId: string | null = null): Promise<void> {
    const current = await this.get(id);
    if (current.role === 'admin' && current.active) await this.assertNotLastAdmin();
    await this.repo.update(id, { active: false, status: 'offline', acceptsNew: false });
    await this.sessions.revokeAllForAgent(id);
    this.events.publish('agent.updated', { agentId: id });
    if (current.active) this.events.publish('agent.deactivated', { agentId: id, actorId });
    if (current.status !== 'offline') {
      this.events.publish('agent.status_changed', {
        agentId: id,
        status: 'offline',
        previous: current.status,
      });
    }
  }

  async setStatus(actor: Actor, id: string, status: AgentStatus): Promise<AgentEntity> {
    if (actor.id !== id && !isLeadOrAdmin(actor))
      throw new ForbiddenError('You may only change your own status');
    const agent = await this.get(id);
    if (!agent.active) throw new ConflictError('The agent is deactivated', 'agent_inactive');
    const changed = await this.repo.setStatus(id, status);
    if (!changed) throw new NotFoundError('Agent');
    if (changed.previous !== status) {
      this.events.publish('agent.status_changed', { agentId: id, status, previous: changed.previous });
    }
    return this.get(id);
  }

  /**
   * Presence-driven status (sockets connecting and going away), applied by the system rather
   * than an agent: changes the status only from one of `from`, never for a deactivated agent,
   * and publishes `agent.status_changed` like `setStatus`. Returns the status now stored.
   */
  async applyPresence(
    id: string,
    status: AgentStatus,
    from: readonly AgentStatus[],
  ): Promise<AgentStatus | null> {
    const changed = await this.repo.setStatusIf(id, status, from);
    if (changed && changed.previous !== status) {
      this.events.publish('agent.status_changed', { agentId: id, status, previous: changed.previous });
      return status;
    }
    return (await this.repo.findById(id))?.status ?? null;
  }

  /** Agents a new ticket is announced to (active agents accepting new work). */
  idsAcceptingNewWork(): Promise<string[]> {
    return this.repo.findIdsAcceptingNew();
  }

  /** Creates the first admin from configuration when no active admin exists. */
  async ensureBootstrapAdmin(email: string, password: string): Promise<'created' | 'exists'> {
    if ((await this.repo.countActiveAdmins()) > 0) return 'exists';
    try {
      await this.create({
        email: email.toLowerCase(),
        name: 'Administrator',
        password,
        role: 'admin',
        maxConcurrentTickets: 0,
        acceptsNew: false,
        specializations: [],
        languages: ['en'],
        seniority: 'senior',
      });
      return 'created';
    } catch (err) {
      // Another process created it first, or the email belongs to a non-admin: say which.
      if (err instanceof ConflictError) {
        if ((await this.repo.countActiveAdmins()) > 0) return 'exists';
        throw new ConflictError(
          `Cannot bootstrap admin: ${email} already belongs to a non-admin agent`,
          'email_taken',
        );
      }
      throw err;
    }
  }

  private async assertNotLastAdmin(): Promise<void> {
    if ((await this.repo.countActiveAdmins()) <= 1) {
      throw new ConflictError('The last active admin cannot be demoted or deactivated', 'last_admin');
    }
  }
}
