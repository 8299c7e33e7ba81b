import type { TicketViewer } from './realtime.events';
import type { RealtimeConfig } from './realtime.config';
import type { ViewerEntry, ViewersChange, ViewersRepository } from './viewers.repository';

export interface ViewersUpdate {
  ticketId: string;
  viewers: TicketViewer[];
  version: number;
  /** The visible set (who, and who is typing) differs from before the change. */
  changed: boolean;
}

/**
 * Collision detection: who is viewing (and typing on) a ticket. Entries are per connection
 * (an agent may have the ticket open in two tabs); the visible list has one row per agent,
 * typing when any of their connections is.
 */
export class CollisionService {
  private readonly idleMs: number;

  constructor(
    private readonly repo: ViewersRepository,
    config: RealtimeConfig,
  ) {
    this.idleMs = config.presence.idleSeconds * 1000;
  }

  async view(ticketId: string, connId: string, agent: { agentId: string; name: string }) {
    return this.apply('view', ticketId, connId, { ...agent, typing: false });
  }

  async typing(ticketId: string, connId: string, agent: { agentId: string; name: string }, typing: boolean) {
    return this.apply('patch', ticketId, connId, { ...agent, typing });
  }

  async leave(ticketId: string, connId: string) {
    return this.apply('leave', ticketId, connId, null);
  }

  renew(connId: string, ticketIds: string[]): Promise<void> {
    return this.repo.renew(connId, ticketIds, Date.now() + this.idleMs, this.keyTtlMs);
  }

  /** Removes entries left by connections that stopped heartbeating (a crashed instance). */
  async sweep(): Promise<ViewersUpdate[]> {
    const updates: ViewersUpdate[] = [];
    for (const [ticketId, connId] of await this.repo.lapsed(Date.now())) {
      const update = await this.apply('lapse', ticketId, connId, null);
      if (update.changed) updates.push(update);
    }
    return updates;
  }

  private async apply(
    op: 'view' | 'patch' | 'leave' | 'lapse',
    ticketId: string,
    connId: string,
    entry: ViewerEntry | null,
  ): Promise<ViewersUpdate> {
    const change = await this.repo.change(
      op,
      ticketId,
      connId,
      entry,
      Date.now() + this.idleMs,
      this.keyTtlMs,
    );
    return toUpdate(ticketId, change);
  }

  private get keyTtlMs(): number {
    return this.idleMs * 4 + 3600_000;
  }
}

/** One row per agent, typing if any of their connections is; ordered by name for stable output. */
export function visibleViewers(entries: ViewerEntry[]): TicketViewer[] {
  const byAgent = new Map<string, TicketViewer>();
  for (const e of entries) {
    const seen = byAgent.get(e.agentId);
    if (seen) seen.typing = seen.typing || e.typing;
    else byAgent.set(e.agentId, { agentId: e.agentId, name: e.name, typing: e.typing });
  }
  return [...byAgent.values()].sort(
    (a, b) => a.name.localeCompare(b.name) || a.agentId.localeCompare(b.agentId),
  );
}

function toUpdate(ticketId: string, change: ViewersChange): ViewersUpdate {
  const before = visibleViewers(change.before);
  const viewers = visibleViewers(change.after);
  return {
    ticketId,
    viewers,
    version: change.version,
    changed: JSON.stringify(before) !== JSON.stringify(viewers),
  };
}
