import type { Logger } from '../../platform/logging/logger';
import type { Actor } from '../../platform/security/actor';
import type { AgentStatus } from '../agents/agent.types';
import type { AgentsService } from '../agents/agents.service';
import type { RealtimeConfig } from './realtime.config';
import type { PresenceRepository } from './presence.repository';

const present: readonly AgentStatus[] = ['online', 'busy', 'away'];

/**
 * Agent presence from socket connections, shared by all API instances through Redis.
 * - A connection refreshes its entry on every socket.io heartbeat; one not heard from for
 *   `idleSeconds` counts as gone (what a crashed instance leaves behind lapses on its own).
 * - An agent is present while any connection (any tab, any instance) is alive.
 * - With none left for `graceSeconds`, a sweep (any instance; one claims each agent) sets the
 *   agent offline through AgentsService, so assignment stops routing to them and the
 *   `agent.status_changed` event is broadcast as `agent_status`.
 * - Connecting sets an offline agent online; a chosen busy/away is kept across reconnects.
 */
export class PresenceService {
  private readonly idleMs: number;
  private readonly graceMs: number;

  constructor(
    private readonly repo: PresenceRepository,
    private readonly agents: AgentsService,
    config: RealtimeConfig,
    private readonly logger: Logger,
  ) {
    this.idleMs = config.presence.idleSeconds * 1000;
    this.graceMs = config.presence.graceSeconds * 1000;
  }

  /** How often an instance should sweep for lapsed presence. */
  get sweepIntervalMs(): number {
    return Math.min(5000, Math.max(200, Math.floor(this.graceMs / 2)));
  }

  /** A socket of the agent connected; returns the agent's status afterwards. */
  async connected(agentId: string, connId: string): Promise<AgentStatus> {
    await this.repo.touch(agentId, connId, Date.now() + this.idleMs, this.keyTtlMs);
    const status = (await this.agents.applyPresence(agentId, 'online', ['offline'])) ?? 'offline';
    await this.repo.setStatus(agentId, status, this.keyTtlMs);
    return status;
  }

  heartbeat(agentId: string, connId: string): Promise<void> {
    return this.repo.touch(agentId, connId, Date.now() + this.idleMs, this.keyTtlMs);
  }

  /** A socket closed; returns how many of the agent's connections remain. */
  disconnected(agentId: string, connId: string): Promise<number> {
    return this.repo.disconnect(agentId, connId, Date.now());
  }

  /** The agent chose a status on their socket (same rules as PUT /api/agents/:id/status). */
  async set(actor: Actor, status: AgentStatus): Promise<AgentStatus> {
    const agent = await this.agents.setStatus(actor, actor.id, status);
    await this.repo.setStatus(actor.id, agent.status, this.keyTtlMs);
    return agent.status;
  }

  /** Keeps the live status in Redis in step with changes made anywhere else. */
  followStatus(agentId: string, status: AgentStatus): Promise<void> {
    return this.repo.updateStatusIfPresent(agentId, status);
  }

  statuses(agentIds: string[]): Promise<Map<string, AgentStatus>> {
    return this.repo.statuses(agentIds);
  }

  /**
   * Sets offline every agent whose last connection ended more than the grace period ago (or
   * lapsed without heartbeats). Returns the agents set offline.
   */
  async sweep(): Promise<string[]> {
    const now = Date.now();
    const cutoff = now - this.graceMs;
    const offline: string[] = [];
    for (const agentId of await this.repo.lapsed(cutoff)) {
      if (!(await this.repo.claim(agentId, cutoff, now))) continue;
      const status = await this.agents.applyPresence(agentId, 'offline', present);
      // A connection that arrived between the claim and the update must win.
      if ((await this.repo.liveConnections(agentId, Date.now())) > 0) {
        await this.agents.applyPresence(agentId, 'online', ['offline']);
        continue;
      }
      if (status === 'offline') offline.push(agentId);
    }
    if (offline.length > 0) this.logger.debug({ agents: offline.length }, 'presence lapsed: agents offline');
    return offline;
  }

  private get keyTtlMs(): number {
    return this.idleMs + this.graceMs + 60_000;
  }
}
