import type { TicketsService } from '../../tickets/tickets.service';
import type { ExternalLinksRepository } from './external-links.repository';
import type { GorgiasSettings } from './gorgias.config';
import { GorgiasLinkNotFoundError, GorgiasNotConfiguredError } from './gorgias.errors';

/** Read-side of the integration: where a ticket lives in Gorgias. */
export class GorgiasService {
  constructor(
    private readonly settings: GorgiasSettings,
    private readonly links: ExternalLinksRepository,
    private readonly tickets: TicketsService,
  ) {}

  /** The ticket's page in Gorgias' app; 404 when the ticket is unknown or not in Gorgias. */
  async ticketLink(ticketId: string): Promise<{ url: string; gorgiasTicketId: number }> {
    const account = this.settings.account;
    if (!account) throw new GorgiasNotConfiguredError();
    await this.tickets.get(ticketId);
    const link = await this.links.byEntity('ticket', ticketId);
    if (!link) throw new GorgiasLinkNotFoundError();
    return {
      url: `${account.appBaseUrl}ticket/${encodeURIComponent(link.externalId)}`,
      gorgiasTicketId: Number(link.externalId),
    };
  }
}
