import type { EventBus } from '../../platform/events/event-bus';
import type { Logger } from '../../platform/logging/logger';
import type { AgentsService } from '../agents/agents.service';

/**
 * Which agents a new ticket is announced to (active agents accepting new work), as an in-memory
 * set each API instance keeps fresh: reloaded every few seconds, and at once when an agent
 * changes in this process. `new_ticket` goes to one shared room and is filtered at delivery
 * against this set, so announcing a ticket costs one log entry however many agents there are.
 */
export class NewWorkAudience {
  private ids = new Set<string>();
  private timer?: NodeJS.Timeout;
  private off?: () => void;

  constructor(
    private readonly agents: AgentsService,
    private readonly events: EventBus,
    private readonly refreshMs: number,
    private readonly logger: Logger,
  ) {}

  has(agentId: string): boolean {
    return this.ids.has(agentId);
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
    this.off = this.events.on('agent.updated', () => this.refresh());
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.off?.();
  }

  private async refresh(): Promise<void> {
    try {
      this.ids = new Set(await this.agents.idsAcceptingNewWork());
    } catch (err) {
      this.logger.warn({ err }, 'could not refresh the agents accepting new work');
    }
  }
}
