import { createHash, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { NotFoundError, UnauthorizedError, UnavailableError } from '../../../platform/errors/app-error';
import type { Logger } from '../../../platform/logging/logger';
import type { QueueService } from '../../../platform/queue/queue.service';
import type { ExternalLinksRepository } from './external-links.repository';
import type { GorgiasClient, GorgiasMessage } from './gorgias.client';
import type { GorgiasSettings } from './gorgias.config';
import { GorgiasNotConfiguredError } from './gorgias.errors';
import { hasContent } from './gorgias.mapper';
import type { GorgiasRepository } from './gorgias.repository';
import type { MessageCreatedPayload, TicketCreatedPayload, WebhookMessagePayload } from './gorgias.schemas';
import type { GorgiasImportService } from './gorgias-import.service';
import type { GorgiasLocks } from './gorgias-locks';

export type WebhookTopic = 'ticket-created' | 'ticket-message-created';

export interface WebhookDeps {
  db: DataSource;
  settings: GorgiasSettings;
  client: GorgiasClient | null;
  links: ExternalLinksRepository;
  repo: GorgiasRepository;
  locks: GorgiasLocks;
  importer: GorgiasImportService;
  queues: QueueService;
  logger: Logger;
}

export type WebhookOutcome =
  | { skipped: string }
  | { imported: 'ticket'; ticketId: string | null; messages: number }
  | { imported: 'message'; ticketId: string; added: number };

/** Webhooks are retried by bull; 6 attempts, 1 s doubling. */
const webhookJobOptions = { attempts: 6, backoff: { type: 'exponential', delay: 1000 } } as const;

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Gorgias → CRM through our HTTP integrations. The request path only verifies the shared secret,
 * records the delivery (a repeat is ignored) and enqueues a job; the job does the work,
 * idempotently, checking every Gorgias id against `external_links` — which is also how a
 * message we pushed ourselves is recognised when it comes back (no loops).
 */
export class GorgiasWebhooksService {
  constructor(private readonly d: WebhookDeps) {}

  /** Timing-safe check of `X-Webhook-Secret`. */
  verify(secret: string | undefined): void {
    if (!this.d.settings.account) throw new GorgiasNotConfiguredError();
    const expected = this.d.settings.webhookSecret;
    if (!expected)
      throw new UnavailableError('GORGIAS_WEBHOOK_SECRET is not set', 'gorgias_webhooks_disabled');
    // Comparing digests keeps the comparison constant-time whatever the lengths.
    if (!secret || !timingSafeEqual(digest(secret), digest(expected))) {
      throw new UnauthorizedError('Missing or wrong X-Webhook-Secret', 'invalid_webhook_secret');
    }
  }

  /** Record → enqueue, in one transaction: a delivery is either fully accepted or not at all. */
  async accept(
    topic: WebhookTopic,
    body: TicketCreatedPayload | MessageCreatedPayload,
  ): Promise<{ accepted: boolean; duplicate: boolean }> {
    const key =
      topic === 'ticket-created'
        ? `ticket-created-${body.ticket.id}`
        : `ticket-message-created-${(body as MessageCreatedPayload).message.id}`;
    return this.d.db.transaction(async (tx) => {
      if (!(await this.d.repo.recordDelivery(tx, key, topic))) return { accepted: false, duplicate: true };
      try {
        if (topic === 'ticket-created') {
          await this.d.queues.add('gorgias.webhook-ticket-created', body as TicketCreatedPayload, {
            ...webhookJobOptions,
            jobId: `wh-${key}`,
          });
        } else {
          await this.d.queues.add('gorgias.webhook-message-created', body as MessageCreatedPayload, {
            ...webhookJobOptions,
            jobId: `wh-${key}`,
          });
        }
      } catch (err) {
        this.d.logger.error({ err, topic }, 'could not queue a Gorgias webhook');
        throw new UnavailableError('The job queue is unavailable; try again', 'queue_unavailable');
      }
      return { accepted: true, duplicate: false };
    });
  }

  private client(): GorgiasClient {
    if (!this.d.client) throw new GorgiasNotConfiguredError();
    return this.d.client;
  }

  /** A ticket created in Gorgias: import it whole, unless we know it (e.g. we created it). */
  async processTicketCreated(payload: TicketCreatedPayload): Promise<WebhookOutcome> {
    const gId = String(payload.ticket.id);
    if (await this.knownTicket(gId)) return { skipped: 'known ticket' };
    const full = await this.client().getTicket(payload.ticket.id);
    const result = await this.d.importer.importTicket(full, { force: true });
    return { imported: 'ticket', ticketId: result.ticketId, messages: result.messages };
  }

  /**
   * A message created in Gorgias. Ours (pushed from the CRM) → nothing. On a ticket we do not
   * know yet → import that ticket whole. Otherwise add it under the usual message rules (a
   * customer's message reopens a solved ticket).
   */
  async processMessageCreated(payload: MessageCreatedPayload): Promise<WebhookOutcome> {
    const gTicketId = String(payload.ticket.id);
    const gMessageId = String(payload.message.id);
    if (await this.d.links.byExternal('message', gMessageId)) return { skipped: 'known message' };
    if (!(await this.knownTicket(gTicketId))) {
      const full = await this.client().getTicket(payload.ticket.id);
      const result = await this.d.importer.importTicket(full, { force: true });
      return { imported: 'ticket', ticketId: result.ticketId, messages: result.messages };
    }
    const link = await this.d.links.byExternal('ticket', gTicketId);
    if (!link) return { skipped: 'ticket link vanished' };
    const message = await this.messageOf(payload);
    // A hook only ever reopens: closing here is final, so closes come from the import (which
    // sees the whole ticket), never from a message's snapshot of its ticket.
    const status = payload.ticket.status === 'open' ? 'open' : null;
    return this.d.locks.withTicket(gTicketId, async () => {
      // A push of ours may have written this message's link while we waited for the lock.
      if (await this.d.links.byExternal('message', gMessageId)) return { skipped: 'known message' };
      try {
        // Gorgias' status as the hook saw it, recorded first so what it causes here is not pushed back.
        const from = await this.d.importer.prepareStatus(link.entityId, status);
        const added = await this.d.importer.addMessages(link.entityId, [message]);
        if (from) await this.d.importer.followStatus(link.entityId, status, from);
        return { imported: 'message', ticketId: link.entityId, added };
      } catch (err) {
        if (err instanceof NotFoundError) return { skipped: 'ticket deleted in the CRM' };
        throw err;
      }
    });
  }

  async pruneDeliveries(): Promise<{ deleted: number }> {
    return { deleted: await this.d.repo.pruneDeliveries(30) };
  }

  /** Known now, or as soon as any ticket creation of ours in flight has written its link. */
  private async knownTicket(gId: string): Promise<boolean> {
    if (await this.d.links.byExternal('ticket', gId)) return true;
    await this.d.locks.creationBarrier();
    return (await this.d.links.byExternal('ticket', gId)) !== null;
  }

  /** The message from the webhook body when the template sent it whole, else from the API. */
  private async messageOf(payload: MessageCreatedPayload): Promise<GorgiasMessage> {
    const m: WebhookMessagePayload = payload.message;
    if (hasContent(withUndefined(m))) {
      return {
        id: m.id,
        ticket_id: payload.ticket.id,
        channel: m.channel,
        from_agent: m.from_agent,
        public: m.public,
        body_text: m.body_text,
        body_html: m.body_html,
        created_datetime: m.created_datetime,
        sent_datetime: m.sent_datetime,
        attachments: [],
      };
    }
    return this.client().getMessage(payload.ticket.id, m.id);
  }
}

function withUndefined(m: WebhookMessagePayload): Partial<GorgiasMessage> {
  return {
    channel: m.channel ?? undefined,
    from_agent: m.from_agent ?? undefined,
    body_text: m.body_text ?? undefined,
    body_html: m.body_html ?? undefined,
  };
}
